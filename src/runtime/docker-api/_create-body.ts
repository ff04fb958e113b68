// Builds the engine's container-create request body from a ContainerSpec (pure; no I/O).
// Only fields the spec sets are written, so the body is exactly what turtle asked for.
import type { ContainerSpec, Healthcheck, Mount, PortBinding, Resources } from '../../domain/types.js';
import type { CgroupDriver } from '../../domain/cgroup.js';
import { containerLabels } from './_labels.js';
import { endpointConfig } from './_networks.js';
import { optionConfig, optionHostConfig, type OptionConfig, type OptionHostConfig } from './_create-options.js';

export interface CreateBody extends OptionConfig {
  name: string;
  /** `os/arch[/variant]`: dockerode sends it as the create request's `platform` query parameter */
  platform?: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  Labels: Record<string, string>;
  User?: string;
  ExposedPorts: Record<string, Record<string, never>>;
  Healthcheck?: HealthcheckBody;
  HostConfig: HostConfigBody;
  /** the first project network, with the container's names there (the engine joins one at create; the adapter connects the rest) */
  NetworkingConfig?: { EndpointsConfig: Record<string, ReturnType<typeof endpointConfig>> };
}

export interface HealthcheckBody {
  Test: string[];
  Interval: number;
  Timeout: number;
  Retries: number;
  StartPeriod: number;
}

export interface HostConfigBody extends OptionHostConfig {
  PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  Mounts: MountBody[];
  RestartPolicy: { Name: string };
  ReadonlyRootfs: boolean;
  CapDrop: string[];
  NanoCpus?: number;
  Memory?: number;
  MemoryReservation?: number;
  CgroupParent?: string;
  NetworkMode?: string;
}

export type { CgroupDriver };

export interface MountBody {
  Type: Mount['type'];
  Source?: string;
  Target: string;
  ReadOnly: boolean;
  VolumeOptions?: { DriverConfig?: { Name: string; Options: Record<string, string> }; Labels?: Record<string, string> };
}

const NS_PER_MS = 1_000_000;

/** `sharing`: for `network: service:NAME`, the id of that service's container whose network this one joins. */
export function createBody(spec: ContainerSpec, driver: CgroupDriver = 'cgroupfs', sharing?: string, engine: 'docker' | 'podman' = 'docker'): CreateBody {
  const first = spec.networks?.[0];
  const o = spec.options;
  return {
    name: spec.name,
    ...(o?.platform ? { platform: o.platform } : {}),
    Image: spec.image,
    ...optionConfig(o),
    ...(spec.command ? { Cmd: spec.command } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: containerLabels(spec),
    ...(spec.user ? { User: spec.user } : {}),
    ExposedPorts: Object.fromEntries([...(o?.expose ?? []), ...spec.ports.map(portKey)].map((k) => [k, {}])),
    ...(spec.healthcheck ? { Healthcheck: healthcheckBody(spec.healthcheck) } : {}),
    HostConfig: {
      PortBindings: portBindings(spec.ports),
      Mounts: spec.mounts.map(mountBody),
      RestartPolicy: { Name: spec.restart },
      ReadonlyRootfs: spec.readOnly,
      CapDrop: spec.capDrop,
      ...resourceFields(spec.resources),
      ...(spec.cgroupParent ? { CgroupParent: cgroupParentFor(spec.cgroupParent, driver) } : {}),
      ...networkMode(spec, sharing),
      ...optionHostConfig(o, engine),
    },
    ...(first && !spec.network ? { NetworkingConfig: { EndpointsConfig: { [first.name]: endpointConfig(first) } } } : {}),
  };
}

function networkMode(spec: ContainerSpec, sharing: string | undefined): Pick<HostConfigBody, 'NetworkMode'> {
  if (spec.network?.startsWith('service:')) {
    if (sharing === undefined) throw new Error(`${spec.name} shares the network of ${spec.network}: the adapter must name that container`);
    return { NetworkMode: `container:${sharing}` };
  }
  if (spec.network) return { NetworkMode: spec.network };
  return spec.networks?.[0] ? { NetworkMode: spec.networks[0].name } : {};
}

/** `/turtle/normal` as the engine's driver wants it: a path, or the nested slice `turtle-normal.slice`. */
export function cgroupParentFor(path: string, driver: CgroupDriver): string {
  if (driver === 'cgroupfs') return path;
  return `${path.split('/').filter(Boolean).join('-')}.slice`;
}

/** CPU and memory limits in the engine's units; absent limits are left out (engine default: none). */
export function resourceFields(r: Resources): Pick<HostConfigBody, 'NanoCpus' | 'Memory' | 'MemoryReservation'> {
  return {
    ...(r.cpus !== undefined ? { NanoCpus: Math.round(r.cpus * 1e9) } : {}),
    ...(r.memory !== undefined ? { Memory: r.memory } : {}),
    ...(r.memoryReservation !== undefined ? { MemoryReservation: r.memoryReservation } : {}),
  };
}

function portKey(p: PortBinding): string {
  return `${p.container}/${p.protocol}`;
}

function portBindings(ports: PortBinding[]): HostConfigBody['PortBindings'] {
  const out: HostConfigBody['PortBindings'] = {};
  for (const p of ports) {
    // An empty HostPort lets the engine pick a free port.
    (out[portKey(p)] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.host === undefined ? '' : String(p.host) });
  }
  return out;
}

function mountBody(m: Mount): MountBody {
  const v = m.volume;
  const options = v && {
    ...(v.driver || Object.keys(v.driverOpts).length > 0 ? { DriverConfig: { Name: v.driver ?? 'local', Options: v.driverOpts } } : {}),
    ...(Object.keys(v.labels).length > 0 ? { Labels: v.labels } : {}),
  };
  return { Type: m.type, ...(m.source !== undefined ? { Source: m.source } : {}), Target: m.target, ReadOnly: m.readOnly, ...(options ? { VolumeOptions: options } : {}) };
}

function healthcheckBody(h: Healthcheck): HealthcheckBody {
  return {
    Test: h.test,
    Interval: h.intervalMs * NS_PER_MS,
    Timeout: h.timeoutMs * NS_PER_MS,
    Retries: h.retries,
    StartPeriod: h.startPeriodMs * NS_PER_MS,
  };
}

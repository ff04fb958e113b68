// Maps an engine's container inspect document to turtle's ObservedContainer (pure).
import { Label, type ContainerState, type HealthState, type ObservedContainer, type Resources, type RuntimeKind } from '../../domain/types.js';

/** The parts of `GET /containers/{id}/json` turtle reads; both engines fill them. */
export interface InspectDoc {
  Id: string;
  Name: string;
  Created?: string;
  Config: { Image: string; Labels?: Record<string, string> | null; Tty?: boolean; Healthcheck?: { Test?: string[]; Interval?: number } | null };
  State: { Status: string; Pid?: number; StartedAt?: string; ExitCode?: number; Health?: { Status?: string; Log?: Array<{ End?: string }> | null } | null };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> | null } | null;
  HostConfig: { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number; Memory?: number; MemoryReservation?: number; NetworkMode?: string };
}

export function toObserved(doc: InspectDoc, kind: RuntimeKind): ObservedContainer {
  const labels = doc.Config.Labels ?? {};
  const state = containerState(doc.State.Status);
  const startedAt = doc.State.StartedAt;
  return {
    id: doc.Id,
    name: doc.Name.replace(/^\//, ''),
    project: labels[Label.project] ?? '',
    site: labels[Label.site] ?? '',
    service: labels[Label.service] ?? '',
    replica: Number(labels[Label.replica] ?? 0),
    image: observedImage(doc.Config.Image, kind),
    configHash: labels[Label.configHash] ?? '',
    resources: resourcesOf(doc.HostConfig),
    state,
    health: healthState(doc.State.Health?.Status),
    ...(doc.Created ? { createdAt: doc.Created } : {}),
    // Engines write year 1 for "never started".
    ...(startedAt && !startedAt.startsWith('0001-01-01') ? { startedAt } : {}),
    ...(state === 'exited' || state === 'dead' ? { exitCode: doc.State.ExitCode ?? 0 } : {}),
    ...(ipOf(doc) ? { ipAddress: ipOf(doc) } : {}),
    ...(doc.NetworkSettings?.Networks ? { networks: Object.keys(doc.NetworkSettings.Networks).sort() } : {}),
  };
}

/**
 * The address turtle's own probes and the site proxy reach the container on: the default bridge's, else
 * the one on the network it was created on (the first its service lists), else any.
 */
function ipOf(doc: InspectDoc): string | undefined {
  const settings = doc.NetworkSettings;
  if (settings?.IPAddress) return settings.IPAddress;
  return firstAddress(settings?.Networks, doc.HostConfig.NetworkMode);
}

/** The address on network `first` if it has one there, else the first address of any network. */
export function firstAddress(networks: Record<string, { IPAddress?: string }> | null | undefined, first: string | undefined): string | undefined {
  const on = first ? networks?.[first]?.IPAddress : undefined;
  return on || Object.values(networks ?? {}).find((n) => n.IPAddress)?.IPAddress || undefined;
}

/** Podman reports short-named local images as `localhost/<name>`; turtle's specs use the short name. */
export function observedImage(image: string, kind: RuntimeKind): string {
  return kind === 'podman' && image.startsWith('localhost/') ? image.slice('localhost/'.length) : image;
}

/** Engines store "no limit" as 0; a CPU limit may come back as NanoCpus or as quota/period. */
export function resourcesOf(h: InspectDoc['HostConfig']): Resources {
  const cpus = h.NanoCpus ? h.NanoCpus / 1e9 : h.CpuQuota && h.CpuQuota > 0 && h.CpuPeriod ? h.CpuQuota / h.CpuPeriod : 0;
  return {
    ...(cpus ? { cpus } : {}),
    ...(h.Memory ? { memory: h.Memory } : {}),
    ...(h.MemoryReservation ? { memoryReservation: h.MemoryReservation } : {}),
  };
}

const STATES: readonly ContainerState[] = ['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing'];

export function containerState(status: string): ContainerState {
  if ((STATES as readonly string[]).includes(status)) return status as ContainerState;
  // Podman-native names that can leak through its compat API.
  if (status === 'configured' || status === 'initialized') return 'created';
  if (status === 'stopped' || status === 'stopping') return 'exited';
  return 'dead';
}

function healthState(status: string | undefined): HealthState {
  if (status === 'starting' || status === 'healthy' || status === 'unhealthy') return status;
  return 'none';
}

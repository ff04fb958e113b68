// The create-body fields of the Compose container keys (hostname, capabilities, tmpfs, ulimits,
// logging...), in the engine's names and units (pure). Only what the service sets is written, except
// the log cap: a container without `logging` gets DEFAULT_LOGGING, because a router's flash fills up
// with an uncapped json-file log.
import { DEFAULT_LOGGING, type ContainerOptions, type LogConfig } from '../../domain/options.js';

export interface OptionConfig {
  Hostname?: string;
  Domainname?: string;
  WorkingDir?: string;
  StopSignal?: string;
  StopTimeout?: number;
  OpenStdin?: boolean;
  Tty?: boolean;
}

export interface OptionHostConfig {
  Runtime?: string;
  CapAdd?: string[];
  SecurityOpt?: string[];
  Privileged?: boolean;
  Devices?: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>;
  Tmpfs?: Record<string, string>;
  ExtraHosts?: string[];
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  Sysctls?: Record<string, string>;
  Init?: boolean;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  PidsLimit?: number;
  LogConfig: { Type: string; Config: Record<string, string> };
  ShmSize?: number;
  GroupAdd?: string[];
  OomScoreAdj?: number;
  MemorySwap?: number;
}

/** Podman's json-file has no rotation; its k8s-file log takes max-size. */
const PODMAN_DEFAULT_LOGGING: LogConfig = { driver: 'k8s-file', options: { 'max-size': '10m' } };

export function optionConfig(o: ContainerOptions = {}): OptionConfig {
  return {
    ...(o.hostname !== undefined ? { Hostname: o.hostname } : {}),
    ...(o.domainname !== undefined ? { Domainname: o.domainname } : {}),
    ...(o.workingDir !== undefined ? { WorkingDir: o.workingDir } : {}),
    ...(o.stopSignal !== undefined ? { StopSignal: o.stopSignal } : {}),
    ...(o.stopGraceMs !== undefined ? { StopTimeout: stopGraceS(o) } : {}),
    ...(o.stdinOpen ? { OpenStdin: true } : {}),
    ...(o.tty ? { Tty: true } : {}),
  };
}

export function optionHostConfig(o: ContainerOptions = {}, engine: 'docker' | 'podman' = 'docker'): OptionHostConfig {
  const log = o.logging ?? (engine === 'podman' ? PODMAN_DEFAULT_LOGGING : DEFAULT_LOGGING);
  return {
    ...(o.capAdd ? { CapAdd: o.capAdd } : {}),
    ...(o.securityOpt ? { SecurityOpt: o.securityOpt } : {}),
    ...(o.privileged ? { Privileged: true } : {}),
    ...(o.devices ? { Devices: o.devices.map((d) => ({ PathOnHost: d.host, PathInContainer: d.container, CgroupPermissions: d.permissions })) } : {}),
    ...(o.tmpfs ? { Tmpfs: o.tmpfs } : {}),
    ...(o.extraHosts ? { ExtraHosts: o.extraHosts } : {}),
    ...(o.dns ? { Dns: o.dns } : {}),
    ...(o.dnsSearch ? { DnsSearch: o.dnsSearch } : {}),
    ...(o.dnsOpt ? { DnsOptions: o.dnsOpt } : {}),
    ...(o.sysctls ? { Sysctls: o.sysctls } : {}),
    ...(o.init !== undefined ? { Init: o.init } : {}),
    ...(o.ulimits ? { Ulimits: o.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) } : {}),
    ...(o.pidsLimit !== undefined ? { PidsLimit: o.pidsLimit } : {}),
    LogConfig: { Type: log.driver, Config: log.options },
    ...(o.shmSize !== undefined ? { ShmSize: o.shmSize } : {}),
    ...(o.groupAdd ? { GroupAdd: o.groupAdd } : {}),
    ...(o.oomScoreAdj !== undefined ? { OomScoreAdj: o.oomScoreAdj } : {}),
    ...(o.memswapLimit !== undefined ? { MemorySwap: o.memswapLimit } : {}),
    ...(o.runtime !== undefined ? { Runtime: o.runtime } : {}),
  };
}

/** Whole seconds the engine waits between the stop signal and SIGKILL (rounded up, so 1500 ms gets 2 s). */
export function stopGraceS(o: ContainerOptions | undefined): number | undefined {
  return o?.stopGraceMs === undefined ? undefined : Math.ceil(o.stopGraceMs / 1000);
}

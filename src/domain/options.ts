// The Compose container keys beyond turtle's core ones (hostname, capabilities, tmpfs, ulimits, logging...),
// as one optional object on ContainerConfig: only the keys a service sets appear, so a service using none
// keeps the configHash it had before these keys existed.

export interface DeviceMapping {
  host: string;
  container: string;
  /** cgroup permissions: some of r, w, m */
  permissions: string;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface LogConfig {
  /** the engine's log driver: json-file, local, journald, syslog, none... */
  driver: string;
  options: Record<string, string>;
}

export interface ContainerOptions {
  hostname?: string;
  domainname?: string;
  /** ports the container exposes without publishing them: `80/tcp` */
  expose?: string[];
  capAdd?: string[];
  securityOpt?: string[];
  privileged?: boolean;
  devices?: DeviceMapping[];
  /** mount point → tmpfs options (`size=64m,mode=1777`, or `` for the engine's defaults) */
  tmpfs?: Record<string, string>;
  /** `host:address` lines for /etc/hosts */
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOpt?: string[];
  sysctls?: Record<string, string>;
  init?: boolean;
  stopSignal?: string;
  /** how long the container gets between stop_signal and SIGKILL; also turtle's stop timeout for it */
  stopGraceMs?: number;
  workingDir?: string;
  ulimits?: Ulimit[];
  pidsLimit?: number;
  /** absent: json-file capped at DEFAULT_LOG_OPTIONS (applied by the runtime, outside configHash) */
  logging?: LogConfig;
  /** `os/arch[/variant]` of the image to run */
  platform?: string;
  stdinOpen?: boolean;
  tty?: boolean;
  /** bytes of /dev/shm */
  shmSize?: number;
  groupAdd?: string[];
  oomScoreAdj?: number;
  /** memory + swap in bytes; -1 = unlimited swap */
  memswapLimit?: number;
  /** the OCI runtime (`runc`, `crun`, `runsc`): Compose's `runtime` */
  runtime?: string;
}

/**
 * The log cap of a container whose service sets no `logging`: a router's flash fills up with an
 * uncapped json-file log. It is written into the create body, not into configHash, so adding the
 * default replaced no existing container; a container created before it keeps its uncapped log until
 * it is replaced for another reason.
 */
export const DEFAULT_LOGGING: LogConfig = { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } };

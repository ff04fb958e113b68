// The domain's vocabulary: what a site should run (ContainerSpec) and what it does run (ObservedContainer).
// Plain data only: every layer above can build and compare these without I/O.
import type { ContainerNetwork } from './network.js';
import type { ContainerOptions } from './options.js';

export type Priority = 'critical' | 'normal' | 'background';
export type RuntimeKind = 'docker' | 'podman';
export type RestartPolicy = 'no' | 'always' | 'on-failure' | 'unless-stopped';
export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface Resources {
  /** CPU limit in cores (0.5 = half a core) */
  cpus?: number;
  /** hard memory limit in bytes */
  memory?: number;
  /** soft memory limit (reservation) in bytes */
  memoryReservation?: number;
}

/** What a container may send and receive beyond its project's networks, in bits per second (tc, by the site's agent). */
export interface Bandwidth {
  egress?: number;
  ingress?: number;
}

export interface PortBinding {
  /** host port; absent means the engine picks one */
  host?: number;
  hostIp?: string;
  container: number;
  protocol: 'tcp' | 'udp';
}

export interface Mount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** host path (bind) or volume name (volume); absent for tmpfs and anonymous volumes */
  source?: string;
  target: string;
  readOnly: boolean;
  /** a declared named volume's driver, options and labels: the engine makes it with them on first use */
  volume?: { driver?: string; driverOpts: Record<string, string>; labels: Record<string, string> };
  /** a volume declared `external`: made outside turtle, so it must exist before a deploy */
  external?: true;
}

export interface Healthcheck {
  /** Compose form: ['CMD', 'wget', ...], ['CMD-SHELL', 'cmd'] or ['NONE'] */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** What a container runs and how: the Compose-like fields a service and its containers share. */
export interface ContainerConfig {
  image: string;
  /** absent: the image's CMD; `[]`: explicitly none */
  command?: string[];
  /** absent: the image's ENTRYPOINT; `[]`: explicitly none */
  entrypoint?: string[];
  env: Record<string, string>;
  ports: PortBinding[];
  mounts: Mount[];
  /** absent: the image's own HEALTHCHECK; `disable: true` gives `{test: ['NONE'], …}` */
  healthcheck?: Healthcheck;
  /** turtle's own probe (site agent), outside configHash */
  probe?: Probe;
  restart: RestartPolicy;
  /** the user's labels; turtle's own are added by the runtime adapter */
  labels: Record<string, string>;
  user?: string;
  readOnly: boolean;
  capDrop: string[];
  priority: Priority;
  resources: Resources;
  /** bandwidth limits, applied in place by the site's agent; outside configHash */
  bandwidth?: Bandwidth;
  /** services this one waits for, with Compose's condition */
  dependsOn: Record<string, DependsCondition>;
  /** put behind the site's proxy: its host ports are served by the proxy, swapped without a gap on update */
  proxy?: ProxyMode;
  /** how a replacement goes; absent fields take UPDATE_DEFAULTS; outside configHash */
  update?: UpdatePolicy;
  /** the other Compose container keys (hostname, cap_add, tmpfs, ulimits, logging...); only those written */
  options?: ContainerOptions;
}

/** http: the proxy speaks HTTP to clients and backends, so a swap moves even kept-alive clients at once. */
export type ProxyMode = 'http' | 'tcp';

export interface UpdatePolicy {
  /** start-first: the new container serves before the old one goes; stop-first: the old one goes first */
  order?: 'start-first' | 'stop-first';
  /** how long a new container must stay running and healthy before it gets traffic */
  minHealthyMs?: number;
  /** how long the old one may finish its requests after traffic moved, before it is stopped */
  drainTimeoutMs?: number;
}

export const UPDATE_DEFAULTS = { minHealthyMs: 5_000, drainTimeoutMs: 10_000 } as const;

/** One published port of a proxied service: the proxy listens on `listen` and forwards to `target` in the containers. */
export interface ProxyRoute {
  listen: number;
  hostIp?: string;
  target: number;
  mode: ProxyMode;
}

/** turtle's own probe, run by the site agent (not the engine); not part of configHash (changing it restarts nothing). */
export type ProbeCheck =
  | { kind: 'http'; port: number; path: string }
  | { kind: 'tcp'; port: number }
  | { kind: 'exec'; command: string[] };

export interface Probe {
  check: ProbeCheck;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  startPeriodMs: number;
}

/** One container as the spec wants it on one site: the fully rendered form of a service replica. */
export interface ContainerSpec extends ContainerConfig {
  /** engine container name, unique per rendered config: `<project>-<service>-<replica>-<hash8>` */
  name: string;
  project: string;
  site: string;
  service: string;
  /** 1-based replica index */
  replica: number;
  /**
   * The cgroup the container is created under, in cgroupfs form (`/turtle/normal`): one low-weight parent
   * for all of turtle, a child per priority class (governor/cgroups.ts). Part of configHash. Absent: the
   * engine's default (probes use that, to measure the engine as it comes).
   */
  cgroupParent?: string;
  /** set on containers of a proxied service: what the proxy serves for them (their own ports stay unpublished) */
  routes?: ProxyRoute[];
  /**
   * `host`: the container shares the host's network (the site's proxy, which binds the published ports; a
   * service's `network_mode: host`); `none`: no network; `bridge`: the engine's default bridge only;
   * `service:NAME`: the network namespace of that service's running container (replica 1).
   * Absent: the project networks in `networks`.
   */
  network?: 'host' | 'none' | 'bridge' | `service:${string}`;
  /** the project networks it joins, the first one at create (the one turtle's probes and the proxy reach it on) */
  networks?: ContainerNetwork[];
  /** secrets of turtle's store it reads, each sealed to the site; delivered by the site (secrets/deliver.ts) */
  secrets?: SecretUse[];
  /** turtle.lock's image ID for `image` on this site: the site refuses a tag that now means other content */
  imageId?: string;
  /** false when an operator stopped the service with `turtle stop` */
  running: boolean;
  /** sha256 (hex) of everything that needs a new container when it changes (not resources, not `running`) */
  configHash: string;
}

/** A secret in a container: a file at `target` (absolute), or the environment variable `target`. */
export interface SecretUse {
  /** the name in turtle's store */
  source: string;
  kind: 'file' | 'env';
  target: string;
  /** files only: owner and mode inside the container */
  uid?: number;
  gid?: number;
  mode?: number;
  /** the sealed value's digest, in configHash: a new value is a new container; absent: not set for the site */
  digest?: string;
  /** the value sealed to the site (an armored age file); outside configHash, never shown to read-only roles */
  sealed?: string;
}

/**
 * What a site's governor keeps to, as turtle.yaml declares it (SiteSpec's `capacity` and `budget`): the CLI
 * pushes it with the desired state, so the site's agent holds turtle to the operator's budget.
 */
export interface SiteBudget {
  /** the host as declared: cores, and bytes of memory */
  capacity: { cpus: number; memory: number };
  /** percent (1..100) of the host's CPU and memory; `floor`: bytes of MemAvailable the host always keeps */
  budget: { cpu: number; memory: number; floor?: number; /** bits per second all of turtle's containers may send, and receive, beyond their networks */ network?: number };
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';
export type HealthState = 'none' | 'starting' | 'healthy' | 'unhealthy';

/** A turtle-owned container as read back from the engine (everything comes from its labels and inspect). */
export interface ObservedContainer {
  id: string;
  name: string;
  project: string;
  site: string;
  service: string;
  replica: number;
  image: string;
  configHash: string;
  /** resources as the engine reports them now */
  resources: Resources;
  state: ContainerState;
  health: HealthState;
  /** ISO time, when known */
  createdAt?: string;
  startedAt?: string;
  exitCode?: number;
  /** where turtle's own probes reach it (running containers on a bridge network) */
  ipAddress?: string;
  /** the names of the networks it is on now, when the engine said */
  networks?: string[];
}

/** Labels turtle writes on every container it creates; ownership and drift are read back from these. */
export const Label = {
  managed: 'io.turtle.managed',
  project: 'io.turtle.project',
  site: 'io.turtle.site',
  service: 'io.turtle.service',
  replica: 'io.turtle.replica',
  configHash: 'io.turtle.config-hash',
  priority: 'io.turtle.priority',
  /** on a deployment lease container (never started): `<project>/<site>` it locks */
  lease: 'io.turtle.lease',
} as const;

/** A container on a site's engine that turtle did not make (no turtle labels): incident response reports it. */
export interface ForeignContainer {
  id: string;
  name: string;
  image: string;
  state: string;
  /** ISO time the engine says it was created */
  createdAt: string;
}

// The normalised, typed form of turtle.yaml that every other layer codes against.
import type { SealedSecret } from '../secrets/site-file.js';
import type { Pin } from '../pin/lock-file.js';
import type { ContainerConfig, DependsCondition, RuntimeKind } from '../domain/types.js';
import type { HostPort } from '../domain/network.js';
import type { Issue } from '../lib/errors.js';

export type SiteRole = 'edge' | 'observer';
export type DependencyCondition = DependsCondition;

export interface SiteSpec {
  name: string;
  role: SiteRole;
  runtime: RuntimeKind;
  /** engine API address: `unix:///path`, `tcp://host:port` or `http(s)://host:port` */
  engine: string;
  /** URL of this site's turtle agent */
  agent?: string;
  /** what the host has; `{cpus: 0, memory: 0}` on observer sites, which run nothing */
  capacity: { cpus: number; /** bytes */ memory: number };
  /** percent (1..100) of capacity turtle's services may use; `floor`: bytes of MemAvailable the host always keeps */
  budget: { cpu: number; memory: number; floor?: number; /** bits per second, all of turtle's containers together, each way */ network?: number };
  labels: Record<string, string>;
  /** what services placed here may not use: privileged, cap_add, devices, host_network */
  forbid?: ForbiddenKey[];
  /** `networks.pool`: where project networks without a written subnet take theirs (absent: DEFAULT_POOL) */
  networkPool?: string[];
  /** `networks.host_access`: ports of the host the project networks' containers may open (absent: none) */
  networkHostAccess?: HostPort[];
}

export type ForbiddenKey = 'privileged' | 'cap_add' | 'devices' | 'host_network';

/** A service as written (overlays applied by servicesForSite); its container fields are the domain's. */
export interface ServiceSpec extends ContainerConfig {
  name: string;
  /** sites this service runs on, in the order written (default: every edge site, in file order) */
  sites: string[];
  replicas: number;
  /** Compose profiles: runs only when one is active (`--profile`); absent: always runs */
  profiles?: string[];
  /** networks, network_mode, links and container_name as written; absent: the project's default network */
  networking?: ServiceNetworking;
  /** the top-level secrets and configs it reads (already in `mounts`, as read-only binds of their files) */
  secrets?: FileRef[];
  configs?: FileRef[];
  /** the secrets of turtle's store it reads as files (its `secrets:` naming an `external: true` one), targets resolved */
  secretFiles?: SecretFile[];
  /** environment variables whose value is a secret of turtle's store (`environment: { DB_PASSWORD: { secret: db } }`) */
  secretEnv?: Record<string, string>;
}

/** A secret of turtle's store, delivered as a file: decrypted on the site into tmpfs, bind-mounted read-only. */
export interface SecretFile {
  /** the name in turtle's store */
  store: string;
  /** absolute path in the container */
  target: string;
  uid: number;
  gid: number;
  mode: number;
}

/** A service's use of a secret or config. */
export interface FileRef {
  source: string;
  /** absent: the name (a secret at /run/secrets/<name>, a config at /<name>) */
  target?: string;
  /** uid, gid, mode as written: not applied to a file mounted from the host, so noted */
  owner?: string[];
  uid?: number;
  gid?: number;
  mode?: number;
}

/** One entry of the top-level `secrets:` or `configs:`. */
export type FileDef =
  /** as written, relative to the spec's folder */
  | { file: string }
  /** a secret of turtle's store (`external: true`): `store` is its name there (`name:`, else the key) */
  | { store: string };

/** How a service is reached and what it joins (spec/_networks.ts). */
export interface ServiceNetworking {
  /** keys of the top-level `networks:`, each with its aliases and fixed address */
  networks?: Record<string, { aliases: string[]; ipv4Address?: string }>;
  mode?: 'host' | 'none' | 'bridge' | `service:${string}`;
  /** `links: [SERVICE:ALIAS]`: ALIAS is one more name of SERVICE, seen from this service */
  links?: { service: string; alias: string }[];
  /** one more name of the service on its networks */
  containerName?: string;
}

/** One entry of the top-level `volumes:` (the key is the map's). */
export interface VolumeDef {
  /** the engine's name, when written (`name:`, or `external: { name }`) */
  name?: string;
  external: boolean;
  /** absent: local */
  driver?: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

/** One entry of the top-level `networks:` (the key is the map's). */
export interface NetworkDef {
  /** the engine's name, when written (`name:`, or `external: { name }`) */
  name?: string;
  external: boolean;
  driver: string;
  internal: boolean;
  subnets: { subnet: string; gateway?: string; ipRange?: string }[];
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

export interface Spec {
  version: 1;
  project: string;
  sites: Record<string, SiteSpec>;
  /** base services, before any overlay; use servicesForSite() for what a site runs */
  services: Record<string, ServiceSpec>;
  /** path of the file the spec was read from (as given) */
  file: string;
  /**
   * Per-site services after their overlay (`overlays[site][service]`), only where an overlay exists.
   * Plain data so a cloned Spec keeps working; read it through servicesForSite().
   */
  overlays?: Record<string, Record<string, ServiceSpec>>;
  /** the top-level `networks:` as written (the project's `default` network is implied: render adds it) */
  networks?: Record<string, NetworkDef>;
  /** the top-level `volumes:` as written; the services' mounts already hold the engine's names */
  volumes?: Record<string, VolumeDef>;
  /** the top-level `secrets:` and `configs:` as written */
  secrets?: Record<string, FileDef>;
  configs?: Record<string, FileDef>;
  /** validation notes: allowed, but worth knowing (privileged, an ignored `build`...), located like issues */
  notes?: Issue[];
  /** files the spec read besides itself (env_file), so a cached parse is redone when one changes */
  reads?: string[];
  /**
   * The values of the store's secrets each site has (turtle.secrets/<site>.yaml), sealed to that site: only
   * the site can open them. Part of the spec hash through their digests, so a rotation is a new version.
   */
  sealed?: Record<string, Record<string, SealedSecret>>;
  /** turtle.lock: per site, the image ID behind each image reference (absent: no lock) */
  pins?: Record<string, Record<string, Pin>>;
  /** the project's hash key (turtle.secrets/hash.key), when it has one: the spec and config hashes are HMACs under it */
  hashKey?: string;
  /** the rollout policy as written (defaults filled in by rolloutPolicy()); absent when not written */
  rollout?: Partial<RolloutPolicy>;
}

/** How a deployment moves across sites (spec `rollout`). */
export interface RolloutPolicy {
  /** every edge site, canary first */
  order: string[];
  bakeMs: number;
  onFailure: 'rollback' | 'halt';
  unreachable: 'wait' | 'skip';
  waitTimeoutMs: number;
}

// The container runtime behind one small interface. Adapters live in sub-folders; only
// docker-api/ imports dockerode. Engine differences (Docker vs Podman) stay inside the adapter.
import type { ContainerSpec, ForeignContainer, ObservedContainer, Resources, RuntimeKind } from '../domain/types.js';
import type { CgroupDriver } from '../domain/cgroup.js';
import type { ContainerNetwork, NetworkSpec, ObservedNetwork } from '../domain/network.js';

export interface EngineInfo {
  kind: RuntimeKind;
  /** engine version as it reports it, e.g. `20.10.24` or `4.3.1` */
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  cpus: number;
  memoryBytes: number;
  /** how the engine names cgroups (Docker's and Podman's `CgroupDriver`); absent where unknown */
  cgroupDriver?: CgroupDriver;
}

export interface ContainerStats {
  id: string;
  /** percent of one core (200 = two full cores), computed from two samples */
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  /** bytes received and sent since the container started, over all its interfaces (absent without a network) */
  netRxBytes?: number;
  netTxBytes?: number;
}

export interface LogLine {
  /** ISO timestamp as the engine recorded it */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface LogOptions {
  follow?: boolean;
  /** number of lines from the end; undefined = all */
  tail?: number;
  signal?: AbortSignal;
}

export interface ImageProgress {
  image: string;
  status: string;
  /** 0..1 when the engine reports sizes */
  fraction?: number;
}

/** How much a listing may trust turtle's labels instead of inspecting (a deploy's no-op needs no inspect). */
export interface ListOptions {
  /**
   * The containers the caller expects (a site's desired ones). A container on one of them (same slot and
   * config hash), alone in its slot, whose label records the limits its spec wants, comes from the engine's
   * listing alone: its `resources` are the label's (limits changed by hand since, or by an in-place update
   * that left the label stale and agrees with the spec, go unseen), and it has no `createdAt` nor
   * `startedAt`, nor on Podman an `ipAddress`; its health is the engine's last result (Podman runs no due
   * check). Every other container is inspected as without options.
   */
  expect?: readonly ContainerSpec[];
}

export interface ContainerRuntime {
  readonly kind: RuntimeKind;
  /** where the engine is, for messages (`unix:///run/docker.sock`) */
  readonly endpoint: string;

  /**
   * Cheap check that the engine answers and is of `kind` (one request). Throws TurtleError (unreachable,
   * with a hint how to start the engine) when it does not answer.
   */
  check(): Promise<void>;

  /** Like check(), and reports the engine's version, CPUs and memory (slower: Podman's /info takes ~1 s). */
  ping(): Promise<EngineInfo>;

  /**
   * Every turtle-owned container of `project` (all states). Containers without turtle's labels are never
   * returned. By default each one is inspected, so limits changed by hand show (drift, the agent).
   */
  list(project: string, options?: ListOptions): Promise<ObservedContainer[]>;

  /** Creates (does not start) a container with turtle's labels. Returns its id. */
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  /** Stops gracefully, killing after `timeoutS`. No error if already stopped. */
  stop(id: string, timeoutS?: number): Promise<void>;
  restart(id: string, timeoutS?: number): Promise<void>;
  /** Removes the container (forcing it if running). No error if already gone. */
  remove(id: string): Promise<void>;

  /**
   * Changes CPU and memory limits of an existing container in place, and verifies the engine applied them.
   * Adapters whose engine cannot do this in place throw TurtleError with recoverable=false so the caller replaces.
   */
  updateResources(id: string, resources: Resources): Promise<void>;

  inspect(id: string): Promise<ObservedContainer | undefined>;

  imageExists(ref: string): Promise<boolean>;
  /** Pulls an image, reporting progress. Throws TurtleError naming the image when it cannot be had. */
  pullImage(ref: string, onProgress?: (p: ImageProgress) => void): Promise<void>;
  /** Imports a root filesystem tarball as an image (how images reach sites without a registry). */
  importImage(tarPath: string, ref: string): Promise<void>;

  logs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  stats(id: string): Promise<ContainerStats>;
}

/** A change the engine reports about one container (start, die, destroy, `health_status: unhealthy`, …). */
export interface EngineEvent {
  id: string;
  action: string;
  service?: string;
  /** ISO time the engine stamped */
  time: string;
  /** on `die`: the exit code the engine reported */
  exitCode?: number;
}

/**
 * Optional capability: the engine's event stream for one project's containers. The iterable ends (or
 * throws) when the engine goes away; callers reconnect and resync.
 */
export interface WatchesEvents {
  events(project: string, signal?: AbortSignal): AsyncIterable<EngineEvent>;
}

export function watchesEvents(runtime: ContainerRuntime): runtime is ContainerRuntime & WatchesEvents {
  return typeof (runtime as Partial<WatchesEvents>).events === 'function';
}

/** Optional capability: run a command in a running container and return its exit code (-1 on timeout). */
export interface ExecsCommands {
  exec(id: string, command: readonly string[], timeoutMs: number): Promise<number>;
}

export function execsCommands(runtime: ContainerRuntime): runtime is ContainerRuntime & ExecsCommands {
  return typeof (runtime as Partial<ExecsCommands>).exec === 'function';
}

/** What a site's engine knows of an image: turtle audit reads it, turtle lock records it. */
export interface ImageFacts {
  ref: string;
  /** the image ID (sha256:…): the same content has the same ID on every engine */
  id: string;
  /** `name@sha256:…` where the image came from a registry; none for a built or imported one */
  digests: string[];
  /** the image's default user (`''`: root) */
  user: string;
  sizeBytes: number;
  /** the image has its own HEALTHCHECK */
  healthcheck: boolean;
}

export type { ForeignContainer };

/** Optional capability: the engine's containers that carry no turtle labels (one listing, no inspect). */
export interface ListsForeign {
  foreign(): Promise<ForeignContainer[]>;
}

export function listsForeign(runtime: ContainerRuntime): runtime is ContainerRuntime & ListsForeign {
  return typeof (runtime as Partial<ListsForeign>).foreign === 'function';
}

/** How many images one request to an agent asks about */
export const MAX_IMAGE_REFS = 32;

/** Optional capability: read an image's facts; undefined when the engine does not have it. */
export interface InspectsImages {
  imageFacts(ref: string): Promise<ImageFacts | undefined>;
}

export function inspectsImages(runtime: ContainerRuntime): runtime is ContainerRuntime & InspectsImages {
  return typeof (runtime as Partial<InspectsImages>).imageFacts === 'function';
}

/** Optional capability: freeze and thaw a container's processes (the governor pauses background services). */
export interface PausesContainers {
  /** No error if already paused. */
  pause(id: string): Promise<void>;
  /** No error if not paused. */
  unpause(id: string): Promise<void>;
}

export function pausesContainers(runtime: ContainerRuntime): runtime is ContainerRuntime & PausesContainers {
  return typeof (runtime as Partial<PausesContainers>).pause === 'function';
}

/** Optional capability: an adapter that counts the requests it sends to the engine. */
export interface CountsCalls {
  readonly calls: { readonly mutating: number; readonly read: number };
}

export function countsCalls(runtime: ContainerRuntime): runtime is ContainerRuntime & CountsCalls {
  return typeof (runtime as Partial<CountsCalls>).calls === 'object';
}

/** A deployment lease container as the engine lists it (see docker-api/_leases.ts). */
export interface LeaseRecord {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** when the engine created it, by the engine's clock */
  createdMs: number;
}

/**
 * Optional capability: the engine objects a deployment lock is made of. Creating a name that exists fails
 * (undefined), so at most one lease of a name exists; the policy (TTL, renewal, takeover) is converge/lock.ts's.
 */
export interface HoldsLeases {
  /** the leases labelled `key`, and the engine's clock now */
  leases(key: string): Promise<{ nowMs: number; leases: LeaseRecord[] }>;
  createLease(name: string, labels: Record<string, string>): Promise<string | undefined>;
  renameLease(id: string, name: string): Promise<boolean>;
  removeLease(id: string): Promise<void>;
}

export function holdsLeases(runtime: ContainerRuntime): runtime is ContainerRuntime & HoldsLeases {
  return typeof (runtime as Partial<HoldsLeases>).createLease === 'function';
}

/**
 * Optional capability: project networks (user-defined bridges, where containers find each other by name).
 * Only networks labelled as turtle's are ever changed; external ones are only read.
 */
export interface ManagesNetworks {
  /** turtle's networks of `project`, and those of `names` (external ones) whoever made them */
  networks(project: string, names?: readonly string[]): Promise<ObservedNetwork[]>;
  /** makes the network with turtle's labels; returns its id */
  createNetwork(spec: NetworkSpec): Promise<string>;
  /** cuts off the containers still on it, then removes it; no error if already gone */
  removeNetwork(id: string): Promise<void>;
  /** joins a container to one of its networks, with its names there */
  connect(containerId: string, network: ContainerNetwork): Promise<void>;
  /** which of the volumes `names` the engine does not have */
  missingVolumes(names: readonly string[]): Promise<string[]>;
  /** every network of the engine, whoever made it, with its IPv4 subnets */
  engineSubnets(): Promise<{ name: string; subnets: string[] }[]>;
  /** a running container's process (its network namespace is that process's) and its IPv4 addresses */
  netns(id: string): Promise<{ pid: number; addresses: string[] } | undefined>;
}

export function managesNetworks(runtime: ContainerRuntime): runtime is ContainerRuntime & ManagesNetworks {
  return typeof (runtime as Partial<ManagesNetworks>).createNetwork === 'function';
}

/** An adapter that delivers secrets of turtle's store into the containers it creates (secrets/deliver.ts). */
export interface DeliversSecrets {
  secrets?: import('../secrets/deliver.js').SecretDelivery;
}

export function secretsOf(runtime: ContainerRuntime): import('../secrets/deliver.js').SecretDelivery | undefined {
  return (runtime as DeliversSecrets).secrets;
}

// What the commands need from a site, whether turtle drives its engine from here or asks its agent.
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import type { DeployTarget } from '../converge/deploy.js';
import type { ContainerStats, ForeignContainer, ImageFacts, LogLine } from '../runtime/types.js';
import type { GovernorSnapshot } from '../governor/governor.js';
import type { ObservedNetwork } from '../domain/network.js';

export type ServiceAction = 'start' | 'stop' | 'restart';

/** One site's host, as `turtle top` shows it. */
export interface HostStats {
  /** percent of one core (200 = two full cores) over the sampling interval */
  cpuPercent: number;
  cpus: number;
  memTotalBytes: number;
  memAvailableBytes: number;
}

export interface ContainerUsage {
  service: string;
  replica: number;
  stats: ContainerStats;
}

export interface SiteSample {
  /** sites measured on the same host share a key (every engine site is measured where the CLI runs) */
  hostKey: string;
  host: HostStats;
  containers: ContainerUsage[];
}

/** A log line with where it came from: `site/service#replica`. */
export interface LabelledLine {
  label: string;
  line: LogLine;
}

/** One stream of a service's log lines (a replica's from an engine, a whole site's from an agent). */
export type LogSource = AsyncIterable<LabelledLine>;

export interface LogRequest {
  tail: number;
  follow: boolean;
  signal: AbortSignal;
}

export interface SiteClient extends DeployTarget {
  readonly site: string;
  /** the engine endpoint or the agent URL, for messages */
  readonly where: string;
  /** turtle's containers of `project` on this site, in every state */
  list(): Promise<ObservedContainer[]>;
  /** the project's networks there (and the external ones `desired` joins); absent or undefined where they are not known */
  networks?(desired: readonly ContainerSpec[]): Promise<ObservedNetwork[] | undefined>;
  /** the services an operator stopped, where the site keeps them itself (an agent); else the CLI's store does */
  stopped?(): Promise<ReadonlySet<string>>;
  /** acts on every container of `service` here; returns how many there were */
  act(service: string, action: ServiceAction): Promise<number>;
  /** the service's lines here; no sources when it has no containers here */
  logs(service: string, request: LogRequest): Promise<LogSource[]>;
  /** the host's use since the previous sample (or over this one), and each running container's */
  sample(): Promise<SiteSample>;
  /** what the site keeps as its desired state (an agent): the spec hash and containers pushed last; undefined before any push */
  current?(): Promise<{ specHash: string; containers: ContainerSpec[] } | undefined>;
  /** what the site's engine has for each image reference (undefined: it does not have it); absent where it cannot say */
  images?(refs: readonly string[]): Promise<(ImageFacts | undefined)[]>;
  /** containers on the site's engine that turtle did not start; absent where the site cannot say */
  foreign?(): Promise<ForeignContainer[]>;
  /** the governor of the site's own host, where an agent runs it (an engine site's is the CLI's host: see top) */
  governor?(): Promise<GovernorSnapshot | undefined>;
}

// The optimiser's own input and output: plain data, independent of turtle.yaml (see from-spec.ts for the adapter).
import type { Priority } from '../domain/types.js';

/** CPU in cores, memory in bytes. */
export interface Amount {
  cpus: number;
  memory: number;
}

export type SiteRole = 'edge' | 'observer';

export interface OptimiseSite {
  name: string;
  /** an observer site runs only observer-class services */
  role: SiteRole;
  /** what runs the containers, for messages: `docker`, `podman`, `process` */
  runtime: string;
  capacity: Amount;
  /** percent of capacity turtle may use (dc1: 10), per resource */
  budgetPercent: { cpu: number; memory: number };
  overhead: {
    /** paid by every container placed here (containerd shim, conmon) */
    perContainer: Amount;
    /** paid once when the site runs anything (engine daemon, turtle's agent); zero if it runs anyway */
    perSite: Amount;
  };
  /** cloud sites only: dollars per month per core and per GB (2^30 bytes) */
  cost?: { perCpu: number; perGB: number };
}

export interface CurrentPlacement {
  site: string;
  cpus?: number;
  memory?: number;
}

export interface OptimiseService {
  name: string;
  priority: Priority;
  /** sites it may run on; undefined = any */
  sites?: string[];
  replicas: number;
  min: Amount;
  max: Amount;
  observerClass: boolean;
  /** where its replicas run in the spec today, one entry per replica (for the list of changes) */
  current?: CurrentPlacement[];
}

export interface OptimiseInput {
  sites: OptimiseSite[];
  services: OptimiseService[];
  /** objective units one dollar a month costs; default 1 (see model.ts) */
  costWeight?: number;
}

export interface SolveOptions {
  /** relative MIP gap at which HiGHS may stop; default 1e-4 (HiGHS' own default: 0.01% of the objective) */
  mipRelGap?: number;
  /** seconds; default 60 */
  timeLimit?: number;
}

export interface Placement {
  service: string;
  /** 1-based */
  replica: number;
  site: string;
  cpus: number;
  memory: number;
}

export interface SiteUsage {
  site: string;
  budget: Amount;
  /** granted limits plus overheads */
  used: Amount;
  containers: number;
  costPerMonth: number;
}

export interface Change {
  service: string;
  site: string;
  kind: 'add' | 'remove' | 'resize';
  from?: { replicas: number; cpus?: number; memory?: number };
  to?: { replicas: number; cpus: number; memory: number };
}

export interface Binding {
  /** group id, e.g. `budget-cpu:dc1` */
  constraint: string;
  site: string;
  resource: 'cpu' | 'memory';
  budget: number;
  /** objective gain per core, or per MiB, from the LP with placement fixed */
  shadowPrice: number;
  /** the relaxation tried: +10% of the budget, in cores or bytes */
  relaxBy: number;
  /** measured: re-solved MIP objective minus the current one */
  gain: number;
}

export interface Conflict {
  /** group ids of an irreducible infeasible set: dropping any one of them makes the spec feasible */
  constraints: string[];
  /** one sentence when the conflict has the common shape (one budget, services pinned to that site) */
  headline?: string;
  /** each constraint in plain words, same order as `constraints` */
  lines: string[];
}

export type OptimiseStatus = 'optimal' | 'stopped' | 'infeasible';

export interface OptimiseResult {
  status: OptimiseStatus;
  objective: number;
  /** relative MIP gap HiGHS proved (0 = proven optimal) */
  mipGap: number;
  solveMs: number;
  placements: Placement[];
  sites: SiteUsage[];
  changes: Change[];
  binding: Binding[];
  conflict?: Conflict;
}

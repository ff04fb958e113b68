// Builds the placement-and-limits MIP from an OptimiseInput. Pure; the same model feeds HiGHS and the LP file for glpsol.
//
// Variables, per service s and site k (replicas of one service are interchangeable, so they are counted, not
// labelled: no symmetric copies for the solver to branch through, and every replica on a site gets the same limits):
//   n[s,k] integer: replicas of s on k.  c, m >= 0: their combined CPU (cores) and memory (MiB) limits.
//   u[k] binary: k runs anything (only when k has a per-site overhead, e.g. an engine daemon).
// Constraints (each in a named group, so conflict.ts can drop groups one at a time):
//   place:s       sum_k n[s,k] = replicas (without the group, <=)
//   min:s         c >= min_cpu n, m >= min_mem n   (structure: c <= max_cpu n, m <= max_mem n)
//   allowed:s     n = 0 on sites outside s's `sites`
//   role:k        n = 0 on an observer site for services that are not observer-class
//   spread:s      n[s,k] <= ceil(replicas / eligible sites): replicas as spread out as the allowed sites permit.
//                 Hard, not a penalty: availability is why the replicas exist, so a plan that stacks them to
//                 save room is wrong; when they do not fit, the conflict report says so.
//   budget-cpu:k, budget-memory:k   sum(c + per-container overhead n) + per-site overhead u <= budget
//   structure     n <= replicas u
// Objective (maximised): sum weight(priority) * (c / max_cpu + m / max_mem) / 2 - costWeight * dollars a month.
// A replica at its max scores its weight: critical 4, normal 2, background 1. Each level doubles, so one unit of a
// critical service's request outweighs a normal and a background service's together; dividing by the service's
// own max makes CPU and memory commensurate and rewards satisfying requests rather than absolute size.
// costWeight (default 1): a dollar a month weighs as much as a normal service going from none to half its request.
import { addVar, type LinearModel, type Row } from './_linear.js';
import type { OptimiseInput, OptimiseService, OptimiseSite } from './types.js';

export const PRIORITY_WEIGHT = { critical: 4, normal: 2, background: 1 } as const;
export const MIB = 2 ** 20;
const GIB_IN_MIB = 1024;

export interface OptimiseModel extends LinearModel {
  input: OptimiseInput;
  /** n[s][k]: replicas of s on k (integer); c[s][k], m[s][k]: their combined CPU and memory limits */
  n: number[][];
  c: number[][];
  m: number[][];
  /** u[k], or -1 when site k has no per-site overhead */
  u: number[];
  /** groups present in the model */
  groups: string[];
}

export interface BuildOptions {
  /** constraint groups to leave out (conflict search) */
  omit?: ReadonlySet<string>;
  /** extra budget per group id, in cores or MiB (what relaxing a budget buys) */
  relax?: ReadonlyMap<string, number>;
}

export function siteBudget(site: OptimiseSite): { cpus: number; memoryMiB: number } {
  return {
    cpus: (site.capacity.cpus * site.budgetPercent.cpu) / 100,
    memoryMiB: (site.capacity.memory / MIB) * (site.budgetPercent.memory / 100),
  };
}

/** Sites a service may use, by its `sites` list and the observer role. */
export function eligibleSites(input: OptimiseInput, svc: OptimiseService): number[] {
  const out: number[] = [];
  input.sites.forEach((site, k) => {
    if (svc.sites && !svc.sites.includes(site.name)) return;
    if (site.role === 'observer' && !svc.observerClass) return;
    out.push(k);
  });
  return out;
}

export function spreadCap(input: OptimiseInput, svc: OptimiseService): number {
  const n = eligibleSites(input, svc).length;
  return n === 0 ? svc.replicas : Math.ceil(svc.replicas / n);
}

export function buildModel(input: OptimiseInput, options: BuildOptions = {}): OptimiseModel {
  const omit = options.omit ?? new Set<string>();
  const model: OptimiseModel = { input, vars: [], rows: [], objective: new Map(), n: [], c: [], m: [], u: [], groups: [] };
  const lambda = input.costWeight ?? 1;
  const groups = new Set<string>();
  const add = (row: Row): void => {
    if (row.group !== 'structure') groups.add(row.group);
    if (!omit.has(row.group)) model.rows.push(row);
  };
  input.sites.forEach((site, k) => {
    const once = site.overhead.perSite;
    model.u[k] = once.cpus > 0 || once.memory > 0 ? addVar(model, { name: `u${k}`, integer: true, lower: 0, upper: 1 }) : -1;
    if (model.u[k]! >= 0) setCost(model, model.u[k]!, -lambda * dollars(site, once.cpus, once.memory / MIB));
  });
  input.services.forEach((svc, s) => {
    const w = PRIORITY_WEIGHT[svc.priority];
    const maxMiB = svc.max.memory / MIB;
    model.n[s] = [];
    model.c[s] = [];
    model.m[s] = [];
    input.sites.forEach((site, k) => {
      const id = `${s}_${k}`;
      const n = addVar(model, { name: `n${id}`, integer: true, lower: 0, upper: svc.replicas });
      const c = addVar(model, { name: `c${id}`, integer: false, lower: 0, upper: svc.max.cpus * svc.replicas });
      const m = addVar(model, { name: `m${id}`, integer: false, lower: 0, upper: maxMiB * svc.replicas });
      model.n[s]!.push(n);
      model.c[s]!.push(c);
      model.m[s]!.push(m);
      const per = site.overhead.perContainer;
      setCost(model, c, w / (2 * svc.max.cpus) - lambda * dollars(site, 1, 0));
      setCost(model, m, w / (2 * maxMiB) - lambda * dollars(site, 0, 1));
      setCost(model, n, -lambda * dollars(site, per.cpus, per.memory / MIB));
      add({ name: `capc${id}`, group: 'structure', terms: [[c, 1], [n, -svc.max.cpus]], sense: '<=', rhs: 0 });
      add({ name: `capm${id}`, group: 'structure', terms: [[m, 1], [n, -maxMiB]], sense: '<=', rhs: 0 });
      add({ name: `minc${id}`, group: `min:${svc.name}`, terms: [[c, 1], [n, -svc.min.cpus]], sense: '>=', rhs: 0 });
      add({ name: `minm${id}`, group: `min:${svc.name}`, terms: [[m, 1], [n, -svc.min.memory / MIB]], sense: '>=', rhs: 0 });
      const u = model.u[k]!;
      if (u >= 0) add({ name: `used${id}`, group: 'structure', terms: [[n, 1], [u, -svc.replicas]], sense: '<=', rhs: 0 });
    });
    const placed = !omit.has(`place:${svc.name}`);
    groups.add(`place:${svc.name}`);
    const terms = model.n[s]!.map((n): [number, number] => [n, 1]);
    model.rows.push({ name: `place${s}`, group: placed ? `place:${svc.name}` : 'structure', terms, sense: placed ? '=' : '<=', rhs: svc.replicas });
    addPlacementRules(model, svc, s, add);
  });
  addBudgets(model, options.relax ?? new Map(), add);
  model.groups = [...groups];
  return model;
}

function addPlacementRules(model: OptimiseModel, svc: OptimiseService, s: number, add: (row: Row) => void): void {
  const cap = spreadCap(model.input, svc);
  model.input.sites.forEach((site, k) => {
    const terms: Array<[number, number]> = [[model.n[s]![k]!, 1]];
    if (svc.sites && !svc.sites.includes(site.name)) add({ name: `allowed${s}_${k}`, group: `allowed:${svc.name}`, terms, sense: '=', rhs: 0 });
    if (site.role === 'observer' && !svc.observerClass) add({ name: `role${s}_${k}`, group: `role:${site.name}`, terms, sense: '=', rhs: 0 });
    if (cap < svc.replicas) add({ name: `spread${s}_${k}`, group: `spread:${svc.name}`, terms, sense: '<=', rhs: cap });
  });
}

function addBudgets(model: OptimiseModel, relax: ReadonlyMap<string, number>, add: (row: Row) => void): void {
  model.input.sites.forEach((site, k) => {
    const budget = siteBudget(site);
    const cpu: Array<[number, number]> = [];
    const mem: Array<[number, number]> = [];
    const per = site.overhead.perContainer;
    model.input.services.forEach((_, s) => {
      cpu.push([model.c[s]![k]!, 1]);
      mem.push([model.m[s]![k]!, 1]);
      if (per.cpus > 0) cpu.push([model.n[s]![k]!, per.cpus]);
      if (per.memory > 0) mem.push([model.n[s]![k]!, per.memory / MIB]);
    });
    const u = model.u[k]!;
    if (u >= 0 && site.overhead.perSite.cpus > 0) cpu.push([u, site.overhead.perSite.cpus]);
    if (u >= 0 && site.overhead.perSite.memory > 0) mem.push([u, site.overhead.perSite.memory / MIB]);
    const gc = `budget-cpu:${site.name}`;
    const gm = `budget-memory:${site.name}`;
    add({ name: `bcpu${k}`, group: gc, terms: cpu, sense: '<=', rhs: budget.cpus + (relax.get(gc) ?? 0) });
    add({ name: `bmem${k}`, group: gm, terms: mem, sense: '<=', rhs: budget.memoryMiB + (relax.get(gm) ?? 0) });
  });
}

/** Dollars a month for `cpus` cores and `mib` MiB on a site (0 for sites without a price). */
export function dollars(site: OptimiseSite, cpus: number, mib: number): number {
  if (!site.cost) return 0;
  return site.cost.perCpu * cpus + (site.cost.perGB * mib) / GIB_IN_MIB;
}

function setCost(model: LinearModel, v: number, coef: number): void {
  if (coef !== 0) model.objective.set(v, coef);
}

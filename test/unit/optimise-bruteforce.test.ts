// The MIP's optimum equals brute-force enumeration on 200 seeded random instances (up to 8 services x 3 sites).
// For a fixed placement the limits subproblem separates by site and resource into a fractional knapsack with box
// bounds (every replica gets its minimum, the rest of the budget goes to the highest objective coefficient first,
// while that coefficient is positive), so the enumeration is exact, not a heuristic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optimise } from '../../src/optimise/index.js';
import { randomInput } from '../../src/optimise/random-input.js';
import type { OptimiseInput, OptimiseResult, OptimiseService, OptimiseSite } from '../../src/optimise/types.js';

const MIB = 2 ** 20;
const WEIGHT = { critical: 4, normal: 2, background: 1 };

function price(site: OptimiseSite, cpus: number, mib: number, lambda: number): number {
  return site.cost ? lambda * (site.cost.perCpu * cpus + (site.cost.perGB * mib) / 1024) : 0;
}

/** Every multiset of sites for a service's replicas that its rules allow. */
function options(input: OptimiseInput, svc: OptimiseService): number[][] {
  const ok = input.sites.map((s, k) => ({ s, k })).filter(({ s }) => (!svc.sites || svc.sites.includes(s.name)) && (s.role !== 'observer' || svc.observerClass)).map(({ k }) => k);
  const cap = ok.length === 0 ? svc.replicas : Math.ceil(svc.replicas / ok.length);
  const out: number[][] = [];
  const walk = (from: number, acc: number[]): void => {
    if (acc.length === svc.replicas) return void out.push([...acc]);
    for (let i = from; i < ok.length; i++) {
      if (acc.filter((k) => k === ok[i]).length >= cap) continue;
      walk(i, [...acc, ok[i]!]);
    }
  };
  walk(0, []);
  return out;
}

interface Load { items: Array<{ svc: OptimiseService }> }

function bestLimits(input: OptimiseInput, loads: Load[]): number | undefined {
  const lambda = input.costWeight ?? 1;
  let total = 0;
  for (const [k, site] of input.sites.entries()) {
    const items = loads[k]!.items;
    if (items.length === 0) continue;
    const per = site.overhead.perContainer;
    const once = site.overhead.perSite;
    for (const res of ['cpu', 'mem'] as const) {
      const unit = (a: { cpus: number; memory: number }): number => (res === 'cpu' ? a.cpus : a.memory / MIB);
      let left = (res === 'cpu' ? (site.capacity.cpus * site.budgetPercent.cpu) / 100 : (site.capacity.memory / MIB) * (site.budgetPercent.memory / 100)) - unit(once) - items.length * unit(per);
      const coef = (svc: OptimiseService): number => WEIGHT[svc.priority] / (2 * unit(svc.max)) - price(site, res === 'cpu' ? 1 : 0, res === 'cpu' ? 0 : 1, lambda);
      for (const { svc } of items) {
        left -= unit(svc.min);
        total += coef(svc) * unit(svc.min);
      }
      if (left < -1e-9) return undefined;
      for (const { svc } of [...items].sort((a, b) => coef(b.svc) - coef(a.svc))) {
        if (coef(svc) <= 0) break;
        const more = Math.min(left, unit(svc.max) - unit(svc.min));
        total += coef(svc) * more;
        left -= more;
      }
    }
    total -= price(site, items.length * per.cpus + once.cpus, (items.length * per.memory + once.memory) / MIB, lambda);
  }
  return total;
}

export function bruteForce(input: OptimiseInput): number | undefined {
  const choices = input.services.map((svc) => options(input, svc));
  let best: number | undefined;
  const loads: Load[] = input.sites.map(() => ({ items: [] }));
  const walk = (s: number): void => {
    if (s === input.services.length) {
      const value = bestLimits(input, loads);
      if (value !== undefined && (best === undefined || value > best)) best = value;
      return;
    }
    for (const sites of choices[s]!) {
      for (const k of sites) loads[k]!.items.push({ svc: input.services[s]! });
      walk(s + 1);
      for (const k of sites) loads[k]!.items.pop();
    }
  };
  walk(0);
  return best;
}

/** The plan itself obeys every rule, independently of the solver's claim. */
function assertValidPlan(input: OptimiseInput, result: OptimiseResult): void {
  for (const svc of input.services) {
    const mine = result.placements.filter((p) => p.service === svc.name);
    assert.equal(mine.length, svc.replicas, `${svc.name} replicas`);
    for (const p of mine) {
      const site = input.sites.find((s) => s.name === p.site)!;
      assert.ok(!svc.sites || svc.sites.includes(p.site), `${svc.name} on allowed site`);
      assert.ok(site.role !== 'observer' || svc.observerClass, `${svc.name} respects ${site.name}'s role`);
      assert.ok(p.cpus >= svc.min.cpus && p.cpus <= svc.max.cpus + 1e-9, `${svc.name} cpus within [min, max]`);
      assert.ok(p.memory >= svc.min.memory && p.memory <= svc.max.memory, `${svc.name} memory within [min, max]`);
    }
  }
  for (const use of result.sites) {
    assert.ok(use.used.cpus <= use.budget.cpus + 1e-6, `${use.site} cpu within budget`);
    assert.ok(use.used.memory <= use.budget.memory + 1, `${use.site} memory within budget`);
  }
}

test('optimum equals brute-force enumeration on 200 random instances up to 8 services x 3 sites', async () => {
  let feasible = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const input = randomInput(seed, { services: 1 + (seed % 8), maxReplicas: 2 });
    const expected = bruteForce(input);
    const result = await optimise(input, { explain: false, mipRelGap: 1e-9 });
    if (expected === undefined) {
      assert.equal(result.status, 'infeasible', `seed ${seed}: brute force found no feasible placement`);
      continue;
    }
    feasible++;
    assert.equal(result.status, 'optimal', `seed ${seed}`);
    assert.ok(Math.abs(result.objective - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `seed ${seed}: HiGHS ${result.objective} vs brute force ${expected}`);
    assertValidPlan(input, result);
  }
  // the generator must exercise both outcomes, or the comparison proves little
  assert.ok(feasible >= 120 && feasible <= 195, `feasible instances: ${feasible}`);
});

// Turns solver values into the plan: placements with limits, each site's usage, and changes against the spec.
import { dollars, MIB, siteBudget, type OptimiseModel } from './build.js';
import type { Change, OptimiseInput, Placement, SiteUsage } from './types.js';

export function extractPlacements(model: OptimiseModel, values: ReadonlyMap<string, number>): Placement[] {
  const { input } = model;
  const value = (v: number): number => values.get(model.vars[v]!.name) ?? 0;
  const placements: Placement[] = [];
  input.services.forEach((svc, s) => {
    let replica = 0;
    input.sites.forEach((site, k) => {
      const count = Math.round(value(model.n[s]![k]!));
      if (count === 0) return;
      // the combined grant, shared equally: one limit per service per site
      const cpus = value(model.c[s]![k]!) / count;
      const mib = value(model.m[s]![k]!) / count;
      for (let i = 0; i < count; i++) {
        placements.push({
          service: svc.name,
          replica: ++replica,
          site: site.name,
          cpus: Math.max(svc.min.cpus, Math.floor(cpus * 1000 + 1e-6) / 1000),
          memory: Math.max(svc.min.memory, Math.floor(mib * 1024 + 1e-6) * 1024),
        });
      }
    });
  });
  return placements.sort((a, b) => cmp(a.service, b.service) || a.replica - b.replica);
}

export function siteUsage(input: OptimiseInput, placements: readonly Placement[]): SiteUsage[] {
  return input.sites.map((site) => {
    const here = placements.filter((p) => p.site === site.name);
    const per = site.overhead.perContainer;
    const once = here.length > 0 ? site.overhead.perSite : { cpus: 0, memory: 0 };
    const cpus = here.reduce((a, p) => a + p.cpus + per.cpus, 0) + once.cpus;
    const memory = here.reduce((a, p) => a + p.memory + per.memory, 0) + once.memory;
    const budget = siteBudget(site);
    return {
      site: site.name,
      budget: { cpus: budget.cpus, memory: budget.memoryMiB * MIB },
      used: { cpus, memory },
      containers: here.length,
      costPerMonth: dollars(site, cpus, memory / MIB),
    };
  });
}

/** What the plan changes against each service's `current` placement (services without one are all additions). */
export function diffPlacements(input: OptimiseInput, placements: readonly Placement[]): Change[] {
  const changes: Change[] = [];
  for (const svc of input.services) {
    const current = svc.current ?? [];
    for (const site of input.sites) {
      const before = current.filter((p) => p.site === site.name);
      const after = placements.filter((p) => p.service === svc.name && p.site === site.name);
      const first = after[0];
      const from = before.length === 0 ? undefined : { replicas: before.length, cpus: before[0]!.cpus, memory: before[0]!.memory };
      if (!first) {
        if (from) changes.push({ service: svc.name, site: site.name, kind: 'remove', from });
        continue;
      }
      const to = { replicas: after.length, cpus: first.cpus, memory: first.memory };
      if (!from) changes.push({ service: svc.name, site: site.name, kind: 'add', to });
      else if (from.replicas !== to.replicas || from.cpus !== to.cpus || from.memory !== to.memory) {
        changes.push({ service: svc.name, site: site.name, kind: 'resize', from, to });
      }
    }
  }
  return changes;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

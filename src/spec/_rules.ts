// Rules across fields and sections: placement, dependencies, host ports and the good-citizen budget.
import type { Spec } from './types.js';
import type { Problem } from './_problems.js';
import { dependencyPath, type RuleContext } from './_rule-context.js';
import { isMap } from './_fields.js';
import { didYouMean, type PathKey } from './_words.js';
import { placedOn } from './place.js';
import { checkBudget, checkPorts } from './_rules-capacity.js';
import { checkUpdates } from './_rules-update.js';
import { checkRollout } from './_rollout.js';
import { checkNetworks } from './_rules-networks.js';
import { checkBandwidth } from './_rules-bandwidth.js';

function checkPlacement(spec: Spec, ctx: RuleContext, problems: Problem[]): void {
  const edges = Object.values(spec.sites).filter((s) => s.role === 'edge').map((s) => s.name);
  for (const service of Object.values(spec.services)) {
    const raw = ctx.rawServices[service.name];
    if (!(isMap(raw) && 'sites' in raw)) {
      if (service.sites.length === 0 && ctx.siteNames.length > 0)
        problems.push({ path: ['services', service.name], at: 'key', message: `${service.name} runs nowhere: there is no edge site`, hint: 'add an edge site under sites' });
      continue;
    }
    service.sites.forEach((site, i) => {
      const path = ['services', service.name, 'sites', i];
      if (!ctx.siteNames.includes(site))
        problems.push({ path, message: `unknown site \`${site}\`${didYouMean(site, ctx.siteNames)}`, hint: `known sites: ${ctx.siteNames.join(', ') || 'none'}` });
      else if (spec.sites[site]?.role === 'observer')
        problems.push({ path, message: `${site} is an observer site; observers run nothing`, hint: `remove ${site} from services.${service.name}.sites${edges.length ? `; edge sites are ${edges.join(', ')}` : ''}` });
    });
  }
}

function checkDependencies(spec: Spec, ctx: RuleContext, site: string, problems: Problem[]): void {
  const here = placedOn(spec, site);
  const names = new Set(here.map((s) => s.name));
  for (const service of here) {
    for (const dep of Object.keys(service.dependsOn)) {
      const { path, at } = dependencyPath(ctx, site, service.name, dep);
      const problem = (message: string, hint: string) => problems.push({ path, message, hint, ...(at ? { at } : {}) });
      if (!ctx.serviceNames.includes(dep))
        problem(`unknown service \`${dep}\`${didYouMean(dep, ctx.serviceNames)}`, `known services: ${ctx.serviceNames.join(', ')}`);
      else if (dep === service.name) problem(`${service.name} depends on itself`, `remove ${dep} from services.${service.name}.depends_on`);
      else if (spec.services[dep] && !names.has(dep))
        problem(`${service.name} depends on ${dep}, which does not run on ${site}`, `add ${site} to services.${dep}.sites, or remove ${site} from services.${service.name}.sites`);
    }
  }
  for (const cycle of findCycles(here.map((s) => [s.name, Object.keys(s.dependsOn).filter((d) => names.has(d) && d !== s.name)]))) {
    const { path, at } = dependencyPath(ctx, site, cycle[0]!, cycle[1]!);
    problems.push({ path, ...(at ? { at } : {}), message: `depends_on forms a cycle: ${cycle.join(' → ')}`, hint: 'remove one of these dependencies' });
  }
}

/**
 * One cycle per group of services that wait on each other (strongly connected component), starting at
 * its smallest name: [a, b, a]. One per group keeps the report short and the search linear.
 */
export function findCycles(graph: [string, string[]][]): string[][] {
  const edges = new Map(graph);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const groups: string[][] = [];
  const connect = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do group.push((w = stack.pop()!));
      while (w !== v);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const [v] of graph) if (!index.has(v)) connect(v);
  return groups.map((group) => cycleIn(group, edges)).sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** A path from the group's smallest member back to itself, taking the smallest next name each step. */
function cycleIn(group: string[], edges: Map<string, string[]>): string[] {
  const members = new Set(group);
  const start = [...group].sort()[0]!;
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return [...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

export function checkRules(spec: Spec, ctx: RuleContext, problems: Problem[]): void {
  checkPlacement(spec, ctx, problems);
  checkUpdates(spec, problems);
  checkRollout(spec, ctx.siteNames, ctx.rawRollout, problems);
  checkNetworks(spec, ctx, problems);
  checkBandwidth(spec, problems);
  for (const site of Object.values(spec.sites)) {
    if (site.role !== 'edge') continue;
    checkDependencies(spec, ctx, site.name, problems);
    checkPorts(spec, ctx, site.name, problems);
    checkBudget(spec, site, problems);
  }
}

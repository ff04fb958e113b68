// Per-site rules about shared host resources: published host ports, and the good-citizen budget.
import type { PortBinding } from '../domain/types.js';
import type { ServiceSpec, SiteSpec, Spec } from './types.js';
import type { Problem } from './_problems.js';
import { fieldPath, type RuleContext } from './_rule-context.js';
import type { PathKey } from './_words.js';
import { portEntry } from './_ports.js';
import { placedOn } from './place.js';
import { formatBytes, formatNumber } from './_units.js';

const WILDCARD = new Set([undefined, '', '0.0.0.0', '::']);

/** Two bindings collide when port and protocol match and either listens on every address or both on the same. */
function collide(a: PortBinding, b: PortBinding): boolean {
  return a.host === b.host && a.protocol === b.protocol && (WILDCARD.has(a.hostIp) || WILDCARD.has(b.hostIp) || a.hostIp === b.hostIp);
}

/** Each fixed host port a service publishes on `site`, with the `ports` entry it is written in. */
function published(ctx: RuleContext, site: string, service: string): { port: PortBinding; path: PathKey[] }[] {
  const { path, value } = fieldPath(ctx, site, service, ['ports']);
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry, i) => {
    const parsed = portEntry.safeParse(entry);
    return parsed.success ? parsed.data.filter((p) => p.host !== undefined).map((port) => ({ port, path: [...path, i] })) : [];
  });
}

/** The services on `site` (overlays applied) in the order the file lists them, as messages read best. */
function inFileOrder(spec: Spec, site: string): ServiceSpec[] {
  const here = new Map(placedOn(spec, site).map((s) => [s.name, s]));
  return Object.keys(spec.services).flatMap((name) => here.get(name) ?? []);
}

const show = (p: PortBinding) => `${p.hostIp && !WILDCARD.has(p.hostIp) ? `${p.hostIp}:` : ''}${p.host}/${p.protocol}`;

export function checkPorts(spec: Spec, ctx: RuleContext, site: string, problems: Problem[]): void {
  const taken: { service: string; port: PortBinding }[] = [];
  // file order, so the clash is reported at the later of the two
  for (const service of inFileOrder(spec, site)) {
    for (const { port, path } of published(ctx, site, service.name)) {
      // behind the proxy the containers publish nothing: the proxy binds the port once for all replicas
      if (service.replicas > 1 && !(service.proxy !== undefined && port.protocol === 'tcp'))
        problems.push({ path, message: `${service.name} publishes host port ${show(port)} but runs ${service.replicas} replicas on ${site}, which cannot all bind it`, hint: 'publish only the container port, e.g. "80", so the engine picks free host ports; or use replicas: 1' });
      const other = taken.find((t) => collide(t.port, port));
      if (other)
        problems.push({ path, message: other.service === service.name ? `${service.name} publishes host port ${show(port)} twice` : `host port ${show(port)} on ${site} is published by both ${other.service} and ${service.name}`, hint: 'change the published port of one of them' });
      taken.push({ service: service.name, port });
    }
  }
}

export function checkBudget(spec: Spec, site: SiteSpec, problems: Problem[]): void {
  const here = inFileOrder(spec, site.name);
  const check = (kind: 'cpu' | 'memory', amount: (r: { cpus?: number; memory?: number }) => number | undefined, fmt: (n: number) => string) => {
    const asks = here.flatMap((s) => {
      const each = amount(s.resources);
      return each === undefined ? [] : [{ s, each, total: each * s.replicas }];
    });
    const total = asks.reduce((sum, a) => sum + a.total, 0);
    const capacity = kind === 'cpu' ? site.capacity.cpus : site.capacity.memory;
    const budget = (capacity * site.budget[kind]) / 100;
    if (capacity <= 0 || total <= budget + 1e-9) return;
    const parts = asks.map((a) => `${a.s.name} ${a.s.replicas > 1 ? `${a.s.replicas} × ${fmt(a.each)}` : fmt(a.each)}`);
    const what = kind === 'cpu' ? `${fmt(total)} CPU${total === 1 ? '' : 's'}` : `${fmt(total)} of memory`;
    problems.push({
      path: ['sites', site.name, 'budget', kind],
      message: `services on ${site.name} ask for ${what} (${parts.join(', ')}) but its budget is ${fmt(budget)} (${site.budget[kind]}% of ${fmt(capacity)})`,
      hint: `lower the limits or raise sites.${site.name}.budget.${kind}`,
    });
  };
  check('cpu', (r) => r.cpus, formatNumber);
  check('memory', (r) => r.memory, formatBytes);
  checkFloor(site, problems);
}

/** The floor the host keeps and turtle's memory budget must both fit in the host. */
function checkFloor(site: SiteSpec, problems: Problem[]): void {
  const { floor } = site.budget;
  const capacity = site.capacity.memory;
  if (floor === undefined || capacity <= 0) return;
  const budget = (capacity * site.budget.memory) / 100;
  if (floor + budget <= capacity) return;
  problems.push({
    path: ['sites', site.name, 'budget', 'floor'],
    message: `the floor of ${formatBytes(floor)} that ${site.name} keeps available and turtle's memory budget of ${formatBytes(budget)} (${site.budget.memory}% of ${formatBytes(capacity)}) add up to more than the host has (${formatBytes(capacity)})`,
    hint: `lower sites.${site.name}.budget.floor to at most ${formatBytes(capacity - budget)}, or the memory budget`,
  });
}

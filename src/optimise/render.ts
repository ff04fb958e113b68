// The plan as text for `turtle optimise`: status, per-site usage, placements, changes, binding budgets or the conflict.
import { formatBytes, formatCpus, trim } from './_format.js';
import { table } from './_table.js';
import type { Binding, Change, OptimiseResult } from './types.js';

export function renderPlan(result: OptimiseResult): string {
  if (result.status === 'infeasible') return renderConflict(result);
  const out: string[] = [];
  const proven = result.status === 'optimal' ? 'proven optimal' : 'stopped at the time limit';
  out.push(`Plan: ${proven} (MIP gap ${trim(result.mipGap * 100, 4)}%), objective ${trim(result.objective, 4)}, solved in ${Math.round(result.solveMs)} ms`, '');
  out.push(...table(
    ['site', 'containers', 'cpu used / budget', 'memory used / budget', '$/month'],
    result.sites.map((s) => [
      s.site, String(s.containers),
      `${trim(s.used.cpus, 3)} / ${formatCpus(s.budget.cpus)}`,
      `${formatBytes(s.used.memory)} / ${formatBytes(s.budget.memory)}`,
      s.costPerMonth === 0 ? '-' : s.costPerMonth.toFixed(2),
    ]),
  ), '');
  out.push(...table(
    ['service', 'replica', 'site', 'cpus', 'memory'],
    result.placements.map((p) => [p.service, String(p.replica), p.site, trim(p.cpus, 3), formatBytes(p.memory)]),
  ), '');
  out.push(result.changes.length === 0 ? 'No changes against the spec.' : 'Changes against the spec:');
  out.push(...result.changes.map((c) => `  ${describeChange(c)}`));
  if (result.binding.length > 0) {
    out.push('', 'Binding budgets (what 10% more would buy, measured by solving again):');
    out.push(...result.binding.map((b) => `  ${describeBinding(b)}`));
  }
  return out.join('\n') + '\n';
}

export function describeChange(c: Change): string {
  const limits = (x: { replicas: number; cpus?: number; memory?: number }): string => {
    const parts = [`${x.replicas} × `];
    parts.push(x.cpus === undefined ? 'no cpu limit' : formatCpus(x.cpus));
    parts.push(x.memory === undefined ? ', no memory limit' : `, ${formatBytes(x.memory)}`);
    return parts.join('');
  };
  if (c.kind === 'add') return `${c.service}: add on ${c.site}: ${limits(c.to!)}`;
  if (c.kind === 'remove') return `${c.service}: remove from ${c.site} (was ${limits(c.from!)})`;
  return `${c.service}: on ${c.site}: ${limits(c.from!)} -> ${limits(c.to!)}`;
}

export function describeBinding(b: Binding): string {
  const cpu = b.resource === 'cpu';
  const budget = cpu ? formatCpus(b.budget) : formatBytes(b.budget);
  const step = cpu ? formatCpus(b.relaxBy) : formatBytes(b.relaxBy);
  const price = `${trim(b.shadowPrice, 4)} per ${cpu ? 'core' : 'MiB'}`;
  return `${b.site} ${b.resource} budget (${budget}) binds: +${step} would raise the objective by ${trim(b.gain, 4)} (shadow price ${price} with placement fixed)`;
}

function renderConflict(result: OptimiseResult): string {
  const c = result.conflict;
  if (!c) return 'The spec cannot be satisfied, and no single set of constraint groups explains why.\n';
  const out = ['The spec cannot be satisfied.'];
  if (c.headline) out.push(`${c.headline}.`);
  out.push('These constraints conflict; relaxing any one of them resolves it:');
  out.push(...c.lines.map((l) => `  - ${l}`));
  return out.join('\n') + '\n';
}

// Renders a decision record as markdown: context, options, inputs with sources, weights, scores, decision,
// sensitivity, consequences and predictions (which `turtle decide review` later checks).
import type { DecisionRecord } from './types.js';

export function recordFileName(record: DecisionRecord): string {
  const slug = record.problem.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${String(record.problem.number).padStart(4, '0')}-${slug}.md`;
}

export function renderDecisionRecord(record: DecisionRecord): string {
  const { problem, ahp } = record;
  const out: string[] = [];
  out.push(`# ${String(problem.number).padStart(4, '0')}. ${problem.title}`, '', `Date: ${problem.date}. Status: decided by \`turtle decide\`.`, '');
  out.push('## Context', '', problem.context, '');
  out.push('## Options', '', ...problem.options.map((o) => `- **${o.name}**: ${o.description}`), '');
  out.push('## Inputs', '', row(['option', ...problem.criteria.map((c) => `${c.name} (${c.unit}, ${c.kind === 'cost' ? 'lower' : 'higher'} is better)`)]));
  out.push(row(['---', ...problem.criteria.map(() => '---:')]));
  for (const o of problem.options) {
    out.push(row([o.name, ...problem.criteria.map((c) => num(problem.inputs.find((i) => i.option === o.name && i.criterion === c.name)!.value))]));
  }
  out.push('', 'Sources:', '');
  for (const i of problem.inputs) out.push(`- ${i.option} / ${i.criterion} = ${num(i.value)}: ${i.source}`);
  out.push('', '## Weights', '');
  out.push(`AHP from ${problem.comparisons.length} pairwise comparisons (principal eigenvector); λmax ${ahp.lambdaMax.toFixed(3)}, consistency ratio ${ahp.consistencyRatio.toFixed(3)} (accepted at ≤ 0.1).`, '');
  out.push(...problem.comparisons.map((c) => `- ${c.a} vs ${c.b}: ${c.value >= 1 ? num(c.value) : `1/${num(1 / c.value)}`}${c.why ? `: ${c.why}` : ''}`), '');
  out.push(row(['criterion', 'weight']), row(['---', '---:']));
  problem.criteria.forEach((c, j) => out.push(row([`${c.name}: ${c.description}`, ahp.weights[j]!.toFixed(3)])));
  out.push('', '## Scores', '', 'TOPSIS closeness to the ideal option (1 = best on every criterion).', '');
  out.push(row(['rank', 'option', 'closeness']), row(['---:', '---', '---:']));
  record.ranking.forEach((name, r) => {
    const i = problem.options.findIndex((o) => o.name === name);
    out.push(row([String(r + 1), name, record.closeness[i]!.toFixed(3)]));
  });
  out.push('', '## Decision', '', `**${record.winner}**.`, '', 'Sensitivity (weight of one criterion changed, the others rescaled):', '');
  for (const f of record.sensitivity) {
    out.push(f.to === undefined
      ? `- ${f.criterion} (${f.from.toFixed(3)}): no weight from 0 to 1 changes the winner`
      : `- ${f.criterion} (${f.from.toFixed(3)}): at ${f.to.toFixed(3)} (${signed(f.to - f.from)}) ${f.winner} wins instead`);
  }
  out.push('', '## Consequences', '', ...record.consequences.map((c) => `- ${c}`), '');
  out.push('## Predictions', '', 'Checked by `turtle decide review` against what the store observes after this date.', '');
  out.push(...record.predictions.map((p) => `- [${p.id}] ${p.text} (\`${p.metric}\` on ${p.site} ${p.op} ${num(p.value)})`), '');
  return out.join('\n');
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function num(x: number): string {
  return String(Number(x.toPrecision(6)));
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}

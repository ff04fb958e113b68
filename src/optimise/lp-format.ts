// Writes a LinearModel in CPLEX LP format, the text both HiGHS and glpsol (`glpsol --lp`) read.
import type { LinearModel, Row } from './_linear.js';

const TERMS_PER_LINE = 8;

export interface LpOptions {
  /** write a zero objective (feasibility checks solve faster without one) */
  feasibilityOnly?: boolean;
  /** declare no variable integer: the LP relaxation */
  relaxIntegrality?: boolean;
  /** fix these variables to a value (used to price budgets with placement fixed) */
  fix?: ReadonlyMap<number, number>;
  comment?: string;
}

export function toLp(model: LinearModel, options: LpOptions = {}): string {
  const out: string[] = [];
  if (options.comment) out.push(`\\ ${options.comment}`);
  out.push('Maximize');
  const objective = options.feasibilityOnly ? [] : [...model.objective].filter(([, c]) => c !== 0);
  // LP format needs at least one term in the objective; a zero coefficient on the first variable keeps it valid
  out.push(...wrap(' obj:', objective.length > 0 ? objective : [[0, 0]], model));
  out.push('Subject To');
  for (const row of model.rows) {
    if (row.terms.length === 0) continue;
    out.push(...rowLines(row, model));
  }
  out.push('Bounds');
  model.vars.forEach((v, i) => {
    const fixed = options.fix?.get(i);
    out.push(fixed === undefined ? ` ${num(v.lower)} <= ${v.name} <= ${num(v.upper)}` : ` ${v.name} = ${num(fixed)}`);
  });
  const integers = options.relaxIntegrality ? [] : model.vars.filter((v, i) => v.integer && !options.fix?.has(i));
  if (integers.length > 0) {
    out.push('Generals');
    for (let i = 0; i < integers.length; i += TERMS_PER_LINE * 2) {
      out.push(' ' + integers.slice(i, i + TERMS_PER_LINE * 2).map((v) => v.name).join(' '));
    }
  }
  out.push('End', '');
  return out.join('\n');
}

function rowLines(row: Row, model: LinearModel): string[] {
  const lines = wrap(` ${row.name}:`, row.terms, model);
  lines[lines.length - 1] += ` ${row.sense} ${num(row.rhs)}`;
  return lines;
}

function wrap(head: string, terms: ReadonlyArray<readonly [number, number]>, model: LinearModel): string[] {
  const lines: string[] = [];
  for (let i = 0; i < terms.length; i += TERMS_PER_LINE) {
    const chunk = terms.slice(i, i + TERMS_PER_LINE).map(([v, c], j) => term(c, model.vars[v]!.name, i + j === 0));
    lines.push((i === 0 ? head : '  ') + ' ' + chunk.join(' '));
  }
  return lines;
}

function term(coef: number, name: string, first: boolean): string {
  const sign = coef < 0 ? '-' : first ? '' : '+';
  return `${sign}${sign ? ' ' : ''}${num(Math.abs(coef))} ${name}`;
}

/** Twelve significant digits: exact enough for both solvers, short enough to read. */
function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}

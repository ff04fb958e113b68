// A small linear-model representation: what build.ts produces and lp-format.ts writes out.

export interface Var {
  name: string;
  /** integer (binary when its bounds are 0..1) */
  integer: boolean;
  lower: number;
  upper: number;
}

export interface Row {
  name: string;
  /** constraint group this row belongs to (`budget-cpu:dc1`, `place:web`, or `structure`) */
  group: string;
  terms: Array<[varIndex: number, coef: number]>;
  sense: '<=' | '>=' | '=';
  rhs: number;
}

export interface LinearModel {
  vars: Var[];
  rows: Row[];
  /** maximised */
  objective: Map<number, number>;
}

export function addVar(model: LinearModel, v: Var): number {
  model.vars.push(v);
  return model.vars.length - 1;
}

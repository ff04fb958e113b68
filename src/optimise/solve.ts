// Runs an LP-format model through HiGHS (WebAssembly) and returns values by variable and row name.
import highsLoader, { type Highs } from 'highs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TurtleError } from '../lib/errors.js';

export interface LpSolution {
  /** stopped: the time limit came first; `values` is empty when no placement had been found by then */
  status: 'optimal' | 'stopped' | 'infeasible';
  objective: number;
  /** relative gap between the incumbent and HiGHS' bound; 0 for an LP */
  mipGap: number;
  ms: number;
  /** primal value by variable name (absent = 0) */
  values: Map<string, number>;
  /** row duals (shadow prices) by row name; only meaningful for an LP */
  duals: Map<string, number>;
}

// highs ships CommonJS typings beside its ES module build: under NodeNext TypeScript sees the module object where
// Node's `import` gives the loader function itself.
const loadHighs = highsLoader as unknown as typeof highsLoader.default;
let loaded: Promise<Highs> | undefined;

/**
 * The Wasm module is loaded once per process; loading takes ~50 ms. It is found through the package itself, since
 * the bundled CLI (dist/turtle.mjs) would otherwise look for highs.wasm beside the bundle.
 */
export function highs(): Promise<Highs> {
  const wasm = join(dirname(createRequire(import.meta.url).resolve('highs')), 'highs.wasm');
  loaded ??= loadHighs({ locateFile: (file: string) => (file.endsWith('.wasm') ? wasm : file) });
  return loaded;
}

const FEASIBLE = 2;
const STATUS = { optimal: 7, infeasible: 8, infeasibleOrUnbounded: 9, timeLimit: 13 } as const;

export async function solveLp(lp: string, options: { mipRelGap?: number; timeLimit?: number } = {}): Promise<LpSolution> {
  const solver = await highs();
  const model = solver.createModel({ format: 'lp', data: lp });
  try {
    model.options.set({ output_flag: false, mip_rel_gap: options.mipRelGap ?? 1e-4, time_limit: options.timeLimit ?? 60 });
    const started = performance.now();
    const { modelStatus } = model.run();
    const ms = performance.now() - started;
    if (modelStatus === STATUS.infeasible || modelStatus === STATUS.infeasibleOrUnbounded) {
      return { status: 'infeasible', objective: Number.NaN, mipGap: Number.NaN, ms, values: new Map(), duals: new Map() };
    }
    if (modelStatus !== STATUS.optimal && modelStatus !== STATUS.timeLimit) {
      throw new TurtleError(`HiGHS ended with model status ${modelStatus} on the placement model`, {
        hint: 'this is a bug in the model builder; run with --export-lp FILE and attach the file to an issue',
      });
    }
    if (modelStatus === STATUS.timeLimit && model.info.get('primal_solution_status') !== FEASIBLE) {
      return { status: 'stopped', objective: Number.NaN, mipGap: Number.POSITIVE_INFINITY, ms, values: new Map(), duals: new Map() };
    }
    const { numCols, numRows } = model.getDimensions();
    const solution = model.getSolution();
    const values = new Map<string, number>();
    for (let i = 0; i < numCols; i++) values.set(model.getColName(i), solution.colValue[i]!);
    const duals = new Map<string, number>();
    for (let i = 0; i < numRows; i++) duals.set(model.getRowName(i), solution.rowDual[i]!);
    const isMip = model.info.get('mip_node_count') !== -1n;
    const gap = isMip ? Number(model.info.get('mip_gap')) : 0;
    return { status: modelStatus === STATUS.optimal ? 'optimal' : 'stopped', objective: model.getObjectiveValue(), mipGap: gap, ms, values, duals };
  } finally {
    model.dispose();
  }
}

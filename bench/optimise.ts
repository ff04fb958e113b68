// `npm run bench:optimise`: HiGHS solve time for 50, 200 and 1,000 services x 3 sites (median of 3 runs, three
// seeded instances each), whether each was proven optimal, and glpsol on the same LP file as the peer.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLp, optimise } from '../src/optimise/index.js';
import { randomInput } from '../src/optimise/random-input.js';
import type { OptimiseInput } from '../src/optimise/types.js';
import { median } from '../test/helpers/stats.js';

const SIZES = [50, 200, 1000];
const SEEDS = [1, 2, 3];
const RUNS = 3;
const GLPSOL_LIMIT_S = 60;


async function highsRuns(input: OptimiseInput): Promise<{ solveMs: number; totalMs: number; status: string; gap: number; objective: number }> {
  const solve: number[] = [];
  const total: number[] = [];
  let last = await optimise(input, { explain: false }); // warm-up: loads and compiles the Wasm module
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    last = await optimise(input, { explain: false });
    total.push(performance.now() - started);
    solve.push(last.solveMs);
  }
  return { solveMs: median(solve), totalMs: median(total), status: last.status, gap: last.mipGap, objective: last.objective };
}

function glpsolRun(input: OptimiseInput): { ms: number; status: string; objective: number } | undefined {
  if (spawnSync('glpsol', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'turtle-bench-'));
  try {
    writeFileSync(join(dir, 'model.lp'), exportLp(input));
    const started = performance.now();
    execFileSync('glpsol', ['--lp', join(dir, 'model.lp'), '-o', join(dir, 'out.txt'), '--tmlim', String(GLPSOL_LIMIT_S)], { stdio: 'pipe' });
    const ms = performance.now() - started;
    const out = readFileSync(join(dir, 'out.txt'), 'utf8');
    return { ms, status: /Status:\s+(.*)/.exec(out)?.[1]?.trim() ?? '?', objective: Number(/Objective:\s+obj = (\S+)/.exec(out)?.[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[][] = [];
for (const services of SIZES) {
  for (const seed of SEEDS) {
    const input = randomInput(seed, { services, maxReplicas: 2, placeable: true });
    const replicas = input.services.reduce((a, s) => a + s.replicas, 0);
    const h = await highsRuns(input);
    const g = glpsolRun(input);
    rows.push([
      String(services), String(seed), String(replicas),
      h.solveMs.toFixed(0), h.totalMs.toFixed(0),
      h.status === 'optimal' ? `yes (gap ${(h.gap * 100).toFixed(4)}%)` : `${h.status} (gap ${(h.gap * 100).toFixed(4)}%)`,
      g ? g.ms.toFixed(0) : 'absent', g ? g.status.replace('INTEGER ', '').toLowerCase() : '-',
      g ? (h.objective - g.objective).toExponential(1) : '-',
      g ? (g.ms / h.totalMs).toFixed(1) : '-',
    ]);
  }
}
const header = ['services', 'seed', 'replicas', 'HiGHS solve ms', 'total ms', 'proven optimal', 'glpsol ms', 'glpsol', 'obj diff', 'glpsol/HiGHS'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
console.log(`HiGHS (WebAssembly) default MIP gap 0.01%; median of ${RUNS} runs; glpsol time limit ${GLPSOL_LIMIT_S} s; 3 sites`);
console.log(line(header));
for (const r of rows) console.log(line(r));

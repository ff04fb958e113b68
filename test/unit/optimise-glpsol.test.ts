// On instances too large to enumerate, HiGHS' objective equals glpsol's on the same model exported as an LP file.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportLp, optimise } from '../../src/optimise/index.js';
import { randomInput } from '../../src/optimise/random-input.js';

const hasGlpsol = spawnSync('glpsol', ['--version']).status === 0;
const skip = hasGlpsol ? false : 'glpsol not found: install glpk-utils (bash scripts/engines.sh installs it) to cross-check the optimiser';

function glpsol(lp: string): { status: string; objective: number } {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-glpsol-'));
  try {
    writeFileSync(join(dir, 'model.lp'), lp);
    execFileSync('glpsol', ['--lp', join(dir, 'model.lp'), '-o', join(dir, 'out.txt'), '--tmlim', '120'], { stdio: 'pipe' });
    const out = readFileSync(join(dir, 'out.txt'), 'utf8');
    return { status: /Status:\s+(.*)/.exec(out)?.[1]?.trim() ?? '?', objective: Number(/Objective:\s+obj = (\S+)/.exec(out)?.[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [services, seed] of [[12, 1], [20, 2], [30, 3], [40, 4], [60, 5]] as const) {
  test(`${services} services x 3 sites (seed ${seed}): HiGHS and glpsol agree on the optimum`, { skip }, async () => {
    const input = randomInput(seed, { services, maxReplicas: 2, placeable: true });
    const highs = await optimise(input, { explain: false, mipRelGap: 1e-9 });
    const glpk = glpsol(exportLp(input));
    assert.equal(highs.status, 'optimal');
    assert.equal(glpk.status, 'INTEGER OPTIMAL');
    // glpsol prints ten significant digits
    assert.ok(Math.abs(highs.objective - glpk.objective) <= 1e-6 * Math.abs(glpk.objective), `HiGHS ${highs.objective} vs glpsol ${glpk.objective}`);
  });
}

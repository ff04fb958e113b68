// The site budget the CLI pushes, as the governor's settings on the real host, its event, and a governor
// taking a new budget while it runs (on a cgroup tree of its own in a temporary directory).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { budgetData, budgetSettings, describeBudget } from '../../src/governor/budget.js';
import { defaultSettings } from '../../src/governor/controller.js';
import { Governor } from '../../src/governor/governor.js';
import { cgroupTree } from '../../src/governor/_paths.js';
import { describeAgentGovernor } from '../../src/governor/view.js';
import type { NewEvent } from '../../src/store/events.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const host = { cpus: 4, memTotalBytes: 8 * GiB };
// budgets in whole bytes, rounded down: 20% and 10% of 8 GiB (1.6 and 0.8 GiB are 0.4 and 0.2 bytes more)
const GiB1_6 = 1_717_986_918;
const GiB0_8 = 858_993_459;

test('without a site budget: the agent\'s own options, else 10% and a floor of 10% of the host', () => {
  assert.deepEqual(budgetSettings(host, undefined), defaultSettings(host));
  const own = budgetSettings(host, undefined, { budget: { cpu: 50, memory: 25 }, floorBytes: GiB });
  assert.deepEqual([own.budgetCores, own.budgetMemoryBytes, own.floorBytes], [2, 2 * GiB, GiB]);
});

test('a site budget: its percentages of the real host (not of the declared capacity), its floor as written', () => {
  // turtle.yaml overstates the host: 25% stays 25% of this host's 4 CPUs and 8 GiB
  const s = budgetSettings(host, { capacity: { cpus: 8, memory: 16 * GiB }, budget: { cpu: 25, memory: 20, floor: 512 * MiB } }, { budget: { cpu: 90, memory: 90 } });
  assert.deepEqual([s.cpus, s.memTotalBytes, s.budgetCores, s.budgetMemoryBytes, s.floorBytes], [4, 8 * GiB, 1, GiB1_6, 512 * MiB]);
  // no floor written: 10% of the real host's memory, not the agent's option
  const noFloor = budgetSettings(host, { capacity: { cpus: 4, memory: 8 * GiB }, budget: { cpu: 10, memory: 10 } }, { floorBytes: GiB });
  assert.deepEqual([noFloor.budgetCores, noFloor.budgetMemoryBytes, noFloor.floorBytes], [0.4, GiB0_8, GiB0_8]);
});

test('the governor.settings event says the budget with its numbers and where it comes from', () => {
  const site = { capacity: { cpus: 8, memory: 16 * GiB }, budget: { cpu: 25, memory: 20, floor: 512 * MiB } };
  const s = budgetSettings(host, site);
  assert.equal(describeBudget(s, site), 'governor budget 25% of CPU (1 of 4 CPUs) and 20% of memory (1.60 GiB of 8.00 GiB), floor 512 MiB: from the desired state; turtle.yaml declares 8 CPUs and 16.00 GiB, and the percentages apply to this host');
  const same = { capacity: { cpus: 4, memory: 8 * GiB }, budget: { cpu: 10, memory: 10 } };
  assert.equal(describeBudget(budgetSettings(host, same), same), 'governor budget 10% of CPU (0.4 of 4 CPUs) and 10% of memory (819 MiB of 8.00 GiB), floor 819 MiB: from the desired state');
  assert.equal(describeBudget(budgetSettings(host, undefined), undefined), "governor budget 10% of CPU (0.4 of 4 CPUs) and 10% of memory (819 MiB of 8.00 GiB), floor 819 MiB: the agent's defaults (the desired state names no budget)");
  assert.deepEqual(budgetData(s, site), { source: 'desired', budgetCores: 1, budgetMemoryBytes: GiB1_6, floorBytes: 512 * MiB, cpus: 4, memTotalBytes: 8 * GiB });
});

test('a running governor takes a new budget: a cap in force moves to it, the same budget is no change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-budget-'));
  const events: NewEvent[] = [];
  try {
    // busyAbove 0: the first tick caps, whatever this host is doing
    const settings = { ...defaultSettings(host, { cpu: 10, memory: 10 }), busyAbove: 0 };
    const g = new Governor({ site: 'dc1', events: { append: (e) => events.push(e) }, settings, tree: cgroupTree(2, join(dir, 'cg'), 'turtle-unit'), lockDir: dir });
    await g.tick();
    assert.deepEqual([g.snapshot().mode, g.snapshot().cpuCapCores, g.snapshot().budget], ['capped', 0.4, { cpuCores: 0.4, memoryBytes: GiB0_8 }]);
    const next = { ...defaultSettings(host, { cpu: 50, memory: 25 }, GiB), busyAbove: 0 };
    assert.equal(g.setSettings(next), true);
    assert.equal(g.setSettings({ ...next }), false);
    const snap = g.snapshot();
    assert.deepEqual([snap.mode, snap.cpuCapCores, snap.budget, snap.floorBytes], ['capped', 2, { cpuCores: 2, memoryBytes: 2 * GiB }, GiB]);
    assert.equal(describeAgentGovernor(snap).replace(/memory limited to [\d.]+ (GiB|MiB)/, 'memory limited to N'), 'capped: capped at 2 CPUs (the host is busy), memory limited to N; budget 2 CPUs and 2.00 GiB, floor 1.00 GiB');
    await g.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(describeAgentGovernor(undefined), 'off: kernel weights only');
});

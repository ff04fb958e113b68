// The good-citizen policy, decision by decision: cap under pressure, hysteresis, pause when sustained,
// memory freed background -> normal (never critical), the floor guard, and the kernel's OOM kills.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSettings, initialState, step, type Decision, type GovernorState, type Reading } from '../../src/governor/controller.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const settings = defaultSettings({ cpus: 2, memTotalBytes: 4 * GiB }, { cpu: 10, memory: 10 }, 1 * GiB);
const mem = (usageBytes: number, oomKills = 0) => ({ usageBytes, workingSetBytes: usageBytes, oomKills });

function reading(t: number, over: Partial<Reading> & { others?: number } = {}): Reading {
  const turtleCores = over.turtleCores ?? 0.1;
  return {
    time: t * 1000,
    hostCores: over.hostCores ?? (over.others ?? 0) * 2 + turtleCores,
    turtleCores,
    memAvailableBytes: 3 * GiB,
    turtle: mem(300 * MiB),
    classes: { critical: mem(100 * MiB), normal: mem(100 * MiB), background: mem(100 * MiB) },
    ...over,
  };
}

/** Runs readings in order; returns every decision but the floor guard's quiet tracking, as `t kind detail`. */
function run(readings: Reading[], state: GovernorState = initialState(0)) {
  const log: string[] = [];
  for (const r of readings) {
    const out = step(state, r, settings);
    state = out.state;
    for (const d of out.decisions) if (!(d.kind === 'memory-limit' && d.quiet)) log.push(`${r.time / 1000} ${show(d)}`);
  }
  return { log, state };
}

function show(d: Decision): string {
  switch (d.kind) {
    case 'mode': return `mode ${d.from}->${d.to}`;
    case 'cpu-cap': return `cpu-cap ${d.cores}`;
    case 'memory-limit': return `memory-limit ${d.group} ${d.bytes === null ? 'none' : Math.round(d.bytes / MiB)}`;
    case 'pause': case 'resume': return `${d.kind} ${d.priority}`;
    case 'oom-kill': return `oom-kill ${d.group} ${d.count}`;
  }
}

test('an idle host: no cap, and only the floor guard (turtle may grow by MemAvailable above the floor)', () => {
  const { log, state } = run([reading(1), reading(2), reading(3)]);
  assert.deepEqual(log, ['1 memory-limit turtle 2332']); // 300 MiB used + (3 GiB - 1 GiB) - one 16 MiB step of margin
  assert.equal(state.mode, 'relaxed');
  assert.equal(state.cpuCapCores, null);
});

test('a busy host caps turtle at its budget on the first busy reading, and keeps the cap through short lulls', () => {
  const { log, state } = run([reading(1), reading(2, { others: 0.9 }), reading(3, { others: 0.1 }), reading(8, { others: 0.6 }), reading(9, { others: 0.1 }), reading(18, { others: 0.1 })]);
  assert.deepEqual(log, [
    '1 memory-limit turtle 2332',
    '2 mode relaxed->capped',
    '2 cpu-cap 0.2',
    '2 memory-limit turtle 410', // the budget: 10% of 4 GiB
  ]);
  assert.equal(state.mode, 'capped');
  assert.match(state.reason, /^the host's own work uses 90% of its CPU: turtle is held to its budget of 0.2 CPUs$/);
});

test('the cap is lifted after 10 s of calm (hysteresis), with the reason', () => {
  const { log, state } = run([reading(1), reading(2, { others: 0.9 }), reading(3, { others: 0.1 }), reading(12, { others: 0.1 }), reading(13, { others: 0.1 })]);
  assert.deepEqual(log.slice(4), ['13 mode capped->relaxed', '13 cpu-cap null', '13 memory-limit turtle 2332']);
  assert.equal(state.reason, 'the host has been calm for 10 s (its own work uses 10% of its CPU): the cap is lifted');
});

test('between calm and busy (25..50%) nothing changes in either direction', () => {
  assert.deepEqual(run([reading(1), reading(2, { others: 0.4 }), reading(30, { others: 0.4 })]).log, ['1 memory-limit turtle 2332']);
  const capped = run([reading(1), reading(2, { others: 0.9 }), reading(3, { others: 0.4 }), reading(30, { others: 0.4 })]);
  assert.equal(capped.state.mode, 'capped');
});

test('busy is the latest reading\'s verdict; the mode lags it (the health monitor\'s grace asks busy, not the mode)', () => {
  let state = initialState(0);
  const seen: [string, string | undefined][] = [];
  for (const r of [reading(1), reading(2, { others: 0.9 }), reading(3, { others: 0.4 }), reading(4, { others: 0.1 }), reading(5, { others: 0.1, pressure: { memorySome: 12, ioFull: 0 } }), reading(6, { others: 0.1 })]) {
    state = step(state, r, settings).state;
    seen.push([state.mode, state.busy]);
  }
  assert.deepEqual(seen, [
    ['relaxed', undefined],
    ['capped', "the host's own work uses 90% of its CPU"],
    ['capped', undefined], // between calm and busy: still capped, not busy
    ['capped', undefined], // calm, the cap waits out its 10 s
    ['capped', 'memory pressure 12.0% (PSI some avg10)'],
    ['capped', undefined],
  ]);
});

test('turtle\'s own CPU does not count as the host being busy', () => {
  const { state } = run([reading(1), reading(2, { turtleCores: 1.9, hostCores: 2 })]);
  assert.equal(state.mode, 'relaxed');
});

test('sustained pressure pauses background services; calm resumes them and lifts the cap', () => {
  const busy = Array.from({ length: 17 }, (_, i) => reading(2 + i, { others: 0.95 }));
  const calm = Array.from({ length: 11 }, (_, i) => reading(19 + i, { others: 0.05 }));
  const { log, state } = run([reading(1), ...busy, ...calm]);
  assert.deepEqual(log, [
    '1 memory-limit turtle 2332',
    '2 mode relaxed->capped', '2 cpu-cap 0.2', '2 memory-limit turtle 410',
    '17 mode capped->paused', '17 pause background',
    '29 mode paused->relaxed', '29 cpu-cap null', '29 resume background', '29 memory-limit turtle 2332',
  ]);
  assert.equal(state.mode, 'relaxed');
});

test('memory or IO pressure (PSI) caps too', () => {
  assert.equal(run([reading(1, { pressure: { memorySome: 12, ioFull: 0 } })]).state.reason, 'memory pressure 12.0% (PSI some avg10): turtle is held to its budget of 0.2 CPUs');
  assert.equal(run([reading(1, { pressure: { memorySome: 0, ioFull: 25 } })]).state.reason, 'IO pressure 25.0% (PSI full avg10): turtle is held to its budget of 0.2 CPUs');
});

test('below the floor, memory is freed from background first, then normal, never critical', () => {
  // MemAvailable 850 MiB: 174 MiB below the 1 GiB floor; background has 100 MiB, normal gives the rest
  const r = reading(1, { memAvailableBytes: 850 * MiB });
  const { log, state } = run([r]);
  assert.deepEqual(log, ['1 memory-limit turtle 300', '1 memory-limit background 0', '1 memory-limit normal 26']);
  assert.deepEqual(state.squeezed, { background: 0, normal: Math.round(26 * MiB) });
  const out = step(initialState(0), r, settings).decisions.find((d) => d.kind === 'memory-limit' && d.group === 'background');
  assert.equal(out?.reason, 'MemAvailable 850 MiB is below the floor of 1.00 GiB: freeing 100 MiB from background');
});

test('a shortfall background alone can cover leaves normal alone', () => {
  assert.deepEqual(run([reading(1, { memAvailableBytes: 1000 * MiB })]).log, ['1 memory-limit turtle 300', '1 memory-limit background 76']);
});

test('even a shortfall larger than background and normal never touches critical', () => {
  const { log } = run([reading(1, { memAvailableBytes: 100 * MiB })]);
  assert.deepEqual(log, ['1 memory-limit turtle 300', '1 memory-limit background 0', '1 memory-limit normal 0']);
});

test('squeezed classes are let go after 10 s back above the floor', () => {
  const { log, state } = run([reading(1, { memAvailableBytes: 900 * MiB }), reading(2), reading(11), reading(12)]);
  assert.deepEqual(log, ['1 memory-limit turtle 300', '1 memory-limit background 0', '1 memory-limit normal 76', '12 memory-limit normal none', '12 memory-limit background none']);
  assert.deepEqual(state.squeezed, {});
});

test('the floor guard follows MemAvailable quietly, and tightens however little near the floor', () => {
  let state = initialState(0);
  const guard = (avail: number) => {
    const out = step(state, reading(1, { memAvailableBytes: avail }), settings);
    state = out.state;
    return out.decisions.filter((d) => d.kind === 'memory-limit').map((d) => `${Math.round((d as { bytes: number }).bytes / MiB)}${(d as { quiet?: boolean }).quiet ? ' quiet' : ''}`);
  };
  assert.deepEqual(guard(3 * GiB), ['2332']);
  assert.deepEqual(guard(3 * GiB - 8 * MiB), []); // under the 16 MiB step
  assert.deepEqual(guard(2 * GiB), ['1308 quiet']);
  assert.deepEqual(guard(1 * GiB + 30 * MiB), ['314 quiet']);
  assert.deepEqual(guard(1 * GiB + 26 * MiB), ['310 quiet']); // within two steps of the floor: written however small
  assert.deepEqual(guard(1 * GiB + 4 * MiB), ['300 quiet']); // no growth at all inside the margin
});

test('OOM kills by the kernel are reported once, per class; kills from before turtle looked are not', () => {
  const r = (t: number, bg: number) => reading(t, { classes: { critical: mem(100 * MiB), normal: mem(100 * MiB), background: mem(100 * MiB, bg) } });
  const { log } = run([r(1, 4), r(2, 4), r(3, 5), r(4, 5)]);
  assert.deepEqual(log, ['1 memory-limit turtle 2332', '3 oom-kill background 1']);
  const out = run([r(1, 0), r(2, 2)]);
  assert.equal(out.log[1], '2 oom-kill background 2');
});

test('a kill the kernel counts only at turtle\'s own cgroup (where the cap was hit) is reported too, once', () => {
  const r = (t: number, turtle: number, bg: number) => reading(t, { turtle: mem(300 * MiB, turtle), classes: { critical: mem(100 * MiB), normal: mem(100 * MiB), background: mem(100 * MiB, bg) } });
  assert.deepEqual(run([r(1, 0, 0), r(2, 1, 0), r(3, 1, 0)]).log, ['1 memory-limit turtle 2332', '2 oom-kill turtle 1']);
  // counted at both (the kernels that count up the tree): the class alone
  assert.deepEqual(run([r(1, 0, 0), r(2, 1, 1)]).log, ['1 memory-limit turtle 2332', '2 oom-kill background 1']);
});

// bench:rollout-faults' faults on the test bed, each undone before it returns: an engine restarted, an
// agent killed (-9) and started again, a site cut off and healed. A health failure is in the spec
// itself (web:broken), so it needs nothing here.
import { setTimeout as sleep } from 'node:timers/promises';
import { testbedScript, type TestbedSiteName } from '../test/helpers/testbed.js';

export const FAULT_KINDS = ['none', 'health', 'engine', 'agent', 'cut'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  site: 'dc1' | 'dc2';
  /** after the deploy started */
  atMs: number;
  /** how long an agent stays dead or a site cut off */
  holdMs: number;
}

/** A seeded PRNG: the same seed injects the same faults at the same moments (the optimiser's mulberry32). */
export { rng as random } from '../src/optimise/random-input.js';

/** The i-th deployment's fault: kinds round-robin, the site alternating per kind, the moment and hold drawn. */
export function faultFor(i: number, rnd: () => number, window: { fromMs: number; toMs: number }): Fault {
  const kind = FAULT_KINDS[i % FAULT_KINDS.length]!;
  const round = Math.floor(i / FAULT_KINDS.length);
  const site = round % 2 === 0 ? 'dc1' : 'dc2';
  const atMs = Math.round(window.fromMs + rnd() * (window.toMs - window.fromMs));
  const holdMs = Math.round(1_000 + rnd() * 4_000);
  return { kind, site, atMs, holdMs };
}

export interface Injected {
  /** when it struck, after the deploy started; undefined when the deploy was over first */
  firedAtMs?: number;
  error?: string;
}

/** Waits for the fault's moment, strikes unless `over()` says the deploy already ended, and undoes it. */
export async function inject(fault: Fault, started: number, over: () => boolean): Promise<Injected> {
  if (fault.kind === 'none' || fault.kind === 'health') return {};
  await sleep(Math.max(0, started + fault.atMs - Date.now()));
  if (over()) return {};
  const firedAtMs = Date.now() - started;
  try {
    await strike(fault);
    return { firedAtMs };
  } catch (err) {
    return { firedAtMs, error: String(err) };
  }
}

async function strike({ kind, site, holdMs }: Fault): Promise<void> {
  const s: TestbedSiteName = site;
  if (kind === 'engine') {
    await testbedScript('restart-engine', s);
  } else if (kind === 'agent') {
    await testbedScript('kill-agent', s);
    await sleep(holdMs);
    await testbedScript('start-agent', s);
  } else if (kind === 'cut') {
    await testbedScript('cut', s, 'link');
    try {
      await sleep(holdMs);
    } finally {
      await testbedScript('heal', s);
    }
  }
}

// The good-citizen policy as a pure function: a reading of the host and of turtle's cgroups goes in, the
// next state and the decisions to carry out come out. No I/O here; actuators.ts does what it says.
import type { Priority } from '../domain/types.js';
import type { GroupMemory } from './share.js';
import type { Group } from './_paths.js';
import { describe, gib } from './_words.js';

export interface GovernorSettings {
  cpus: number;
  memTotalBytes: number;
  /** the site budget: a hard cap while the host is busy */
  budgetCores: number;
  budgetMemoryBytes: number;
  /** MemAvailable the host always keeps */
  floorBytes: number;
  /** share of the host's CPU used by everything but turtle that makes the host busy (0..1) */
  busyAbove: number;
  /** …and below which it is calm */
  calmBelow: number;
  /** PSI `some avg10` of memory, and `full avg10` of IO, in percent, that make the host busy */
  memoryPressureAbove: number;
  ioPressureAbove: number;
  /** calm this long before the cap is lifted (hysteresis) */
  relaxAfterMs: number;
  /** busy this long and background services are paused */
  pauseAfterMs: number;
  /** the floor guard follows MemAvailable; smaller changes than this are not written */
  memoryStepBytes: number;
}

export function defaultSettings(host: { cpus: number; memTotalBytes: number }, budget = { cpu: 10, memory: 10 }, floorBytes?: number): GovernorSettings {
  return {
    cpus: host.cpus,
    memTotalBytes: host.memTotalBytes,
    budgetCores: (host.cpus * budget.cpu) / 100,
    budgetMemoryBytes: percentOfBytes(host.memTotalBytes, budget.memory),
    floorBytes: floorBytes ?? percentOfBytes(host.memTotalBytes, 10),
    busyAbove: 0.5,
    calmBelow: 0.25,
    memoryPressureAbove: 10,
    ioPressureAbove: 20,
    relaxAfterMs: 10_000,
    pauseAfterMs: 15_000,
    memoryStepBytes: Math.min(16 * 2 ** 20, percentOfBytes(host.memTotalBytes, 1)),
  };
}

/**
 * `percent` % of `bytes`, rounded down to whole bytes. Rounded here, once, so that every reader (the API, the
 * events, the metrics, the tests) sees the same integer whatever the host's MemTotal: `total * 0.2` and
 * `total * 20 / 100` differ in the last bit for some totals. Multiplying first keeps it exact for whole
 * percentages (a MemTotal times 100 is far below 2^53).
 */
export function percentOfBytes(bytes: number, percent: number): number {
  return Math.floor((bytes * percent) / 100);
}

export interface Reading {
  time: number;
  /** busy cores of the whole host, and of turtle's cgroups, since the previous reading */
  hostCores: number;
  turtleCores: number;
  memAvailableBytes: number;
  turtle: GroupMemory;
  classes: Record<Priority, GroupMemory>;
  pressure?: { memorySome: number; ioFull: number };
}

/** relaxed: no cap, turtle uses idle CPU; capped: the budget is a hard cap; paused: capped and background paused. */
export type Mode = 'relaxed' | 'capped' | 'paused';

export interface GovernorState {
  mode: Mode;
  since: number;
  /**
   * What makes the host busy in the latest reading (a threshold crossed), or undefined: the host is not busy
   * now. The mode lags it on purpose (the cap is lifted only after `relaxAfterMs` of calm, and a host between
   * calm and busy keeps whatever mode it had), so "capped" alone does not mean "busy".
   */
  busy?: string;
  busySince?: number;
  calmSince?: number;
  /** since when MemAvailable is back above the floor, while classes are still squeezed */
  memoryOkSince?: number;
  cpuCapCores: number | null;
  /** the limit on the parent as last written (the floor guard, or the budget while capped) */
  memoryLimitBytes: number | null;
  /** what set that limit: the floor guard, or the budget while the host is busy */
  memoryCause?: 'floor' | 'budget';
  /** class limits set to free memory (background first, then normal, never critical) */
  squeezed: Partial<Record<'background' | 'normal', number>>;
  /** the kernel's OOM-kill counters as last read (absent before the first reading) */
  oomKills?: Record<Group, number>;
  reason: string;
}

export type Decision =
  | { kind: 'mode'; from: Mode; to: Mode; reason: string }
  | { kind: 'cpu-cap'; cores: number | null; reason: string }
  /** quiet: the guard following MemAvailable, which is not news */
  | { kind: 'memory-limit'; group: Group; bytes: number | null; reason: string; quiet?: boolean }
  | { kind: 'pause' | 'resume'; priority: 'background'; reason: string }
  /** `turtle`: a kill the kernel counted only where turtle's own cap was hit (some kernels count it at that cgroup, not the victim's class) */
  | { kind: 'oom-kill'; group: Priority | 'turtle'; count: number; reason: string };

export function initialState(now: number): GovernorState {
  return { mode: 'relaxed', since: now, cpuCapCores: null, memoryLimitBytes: null, squeezed: {}, reason: 'starting' };
}

export function step(prev: GovernorState, r: Reading, s: GovernorSettings): { state: GovernorState; decisions: Decision[] } {
  const state: GovernorState = { ...prev, squeezed: { ...prev.squeezed } };
  const decisions: Decision[] = [];
  cpuPolicy(state, r, s, decisions);
  memoryPolicy(state, r, s, decisions);
  oomKills(state, r, s, decisions);
  return { state, decisions };
}

function cpuPolicy(state: GovernorState, r: Reading, s: GovernorSettings, out: Decision[]): void {
  const others = Math.max(0, r.hostCores - r.turtleCores) / s.cpus;
  const memorySome = r.pressure?.memorySome ?? 0;
  const ioFull = r.pressure?.ioFull ?? 0;
  const busyReason =
    others >= s.busyAbove ? `the host's own work uses ${pct(others)} of its CPU`
    : memorySome >= s.memoryPressureAbove ? `memory pressure ${memorySome.toFixed(1)}% (PSI some avg10)`
    : ioFull >= s.ioPressureAbove ? `IO pressure ${ioFull.toFixed(1)}% (PSI full avg10)`
    : undefined;
  const calm = others < s.calmBelow && memorySome < s.memoryPressureAbove / 2 && ioFull < s.ioPressureAbove / 2;
  state.busy = busyReason;
  state.busySince = busyReason ? (state.busySince ?? r.time) : undefined;
  state.calmSince = calm ? (state.calmSince ?? r.time) : undefined;
  const to = (mode: Mode, reason: string) => {
    out.push({ kind: 'mode', from: state.mode, to: mode, reason });
    Object.assign(state, { mode, since: r.time, reason });
  };
  if (state.mode === 'relaxed' && busyReason) {
    to('capped', `${busyReason}: turtle is held to its budget of ${s.budgetCores} CPUs`);
    state.cpuCapCores = s.budgetCores;
    out.push({ kind: 'cpu-cap', cores: s.budgetCores, reason: busyReason });
  } else if (state.mode === 'capped' && busyReason && r.time - (state.busySince ?? r.time) >= s.pauseAfterMs) {
    to('paused', `${busyReason} for ${Math.round((r.time - (state.busySince ?? r.time)) / 1000)} s: background services pause`);
    out.push({ kind: 'pause', priority: 'background', reason: state.reason });
  } else if (state.mode !== 'relaxed' && calm && r.time - (state.calmSince ?? r.time) >= s.relaxAfterMs) {
    const was = state.mode;
    to('relaxed', `the host has been calm for ${Math.round(s.relaxAfterMs / 1000)} s (its own work uses ${pct(others)} of its CPU): the cap is lifted`);
    state.cpuCapCores = null;
    out.push({ kind: 'cpu-cap', cores: null, reason: state.reason });
    if (was === 'paused') out.push({ kind: 'resume', priority: 'background', reason: state.reason });
  }
}

function memoryPolicy(state: GovernorState, r: Reading, s: GovernorSettings, out: Decision[]): void {
  const headroom = r.memAvailableBytes - s.floorBytes;
  // The guard: turtle may grow only by what the host can spare above its floor; the kernel enforces it
  // between readings, however fast a service allocates.
  // One step of margin: the guard is rewritten only when it moves by a step, so that is its tolerance.
  let limit = r.turtle.usageBytes + Math.max(0, headroom - s.memoryStepBytes);
  let why = `MemAvailable ${gib(r.memAvailableBytes)} keeps the floor of ${gib(s.floorBytes)}`;
  let cause: 'floor' | 'budget' = 'floor';
  if (state.mode !== 'relaxed' && limit > Math.max(s.budgetMemoryBytes, r.turtle.usageBytes)) {
    limit = Math.max(s.budgetMemoryBytes, r.turtle.usageBytes);
    why = `the host is busy: turtle is held to its memory budget of ${gib(s.budgetMemoryBytes)}`;
    cause = 'budget';
  }
  limit = Math.round(limit);
  const applied = state.memoryLimitBytes;
  // a tightening close to the floor is written however small; elsewhere only steps worth a write
  if (applied === null || Math.abs(limit - applied) >= s.memoryStepBytes || (limit < applied && headroom < 2 * s.memoryStepBytes)) {
    out.push({ kind: 'memory-limit', group: 'turtle', bytes: limit, reason: why, quiet: applied !== null && state.memoryCause === cause });
    state.memoryLimitBytes = limit;
    state.memoryCause = cause;
  }
  if (headroom < 0) {
    state.memoryOkSince = undefined;
    squeeze(state, r, s, -headroom, out);
  } else if (Object.keys(state.squeezed).length > 0) {
    state.memoryOkSince ??= r.time;
    if (r.time - state.memoryOkSince >= s.relaxAfterMs) {
      for (const group of ['normal', 'background'] as const)
        if (state.squeezed[group] !== undefined)
          out.push({ kind: 'memory-limit', group, bytes: null, reason: `MemAvailable ${gib(r.memAvailableBytes)} has kept the floor for ${Math.round(s.relaxAfterMs / 1000)} s: ${group} may grow again` });
      state.squeezed = {};
      state.memoryOkSince = undefined;
    }
  }
}

/** Frees `need` bytes: from background first, then normal; critical is never touched. */
function squeeze(state: GovernorState, r: Reading, s: GovernorSettings, need: number, out: Decision[]): void {
  let left = need;
  for (const group of ['background', 'normal'] as const) {
    if (left <= 0) break;
    const usage = r.classes[group].usageBytes;
    if (usage <= 0) continue;
    const take = Math.min(usage, left);
    const bytes = Math.round(usage - take);
    left -= take;
    if (state.squeezed[group] !== undefined && Math.abs((state.squeezed[group] ?? 0) - bytes) < s.memoryStepBytes) continue;
    state.squeezed[group] = bytes;
    out.push({ kind: 'memory-limit', group, bytes, reason: `MemAvailable ${gib(r.memAvailableBytes)} is below the floor of ${gib(s.floorBytes)}: freeing ${gib(take)} from ${group}` });
  }
}

function oomKills(state: GovernorState, r: Reading, s: GovernorSettings, out: Decision[]): void {
  const before = state.oomKills;
  state.oomKills = { turtle: r.turtle.oomKills, critical: r.classes.critical.oomKills, normal: r.classes.normal.oomKills, background: r.classes.background.oomKills };
  if (!before) return; // kills before turtle looked are not news
  const cap = `turtle's cap ${state.memoryLimitBytes === null ? 'is not set' : `of ${gib(state.memoryLimitBytes)}`} keeps the host's floor of ${gib(s.floorBytes)}`;
  let inClasses = 0;
  for (const group of ['critical', 'normal', 'background'] as const) {
    const n = state.oomKills[group] - before[group];
    inClasses += Math.max(0, n);
    if (n > 0) out.push({ kind: 'oom-kill', group, count: n, reason: `the kernel stopped ${describe(n, 'process', 'processes')} in ${group} for lack of memory: ${cap}` });
  }
  const unplaced = state.oomKills.turtle - before.turtle - inClasses;
  if (unplaced > 0) out.push({ kind: 'oom-kill', group: 'turtle', count: unplaced, reason: `the kernel stopped ${describe(unplaced, 'process', 'processes')} in turtle's containers for lack of memory: ${cap}` });
}

const pct = (f: number) => `${Math.round(f * 100)}%`;

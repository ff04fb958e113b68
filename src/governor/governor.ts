// The governor loop: every second, sample the host and turtle's cgroups, let the pure controller decide,
// carry the decisions out and record each change as an event with its reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObservedContainer } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { NewEvent } from '../store/events.js';
import { errorMessage } from '../lib/errors.js';
import { files, localTree, type CgroupTree } from './_paths.js';
import { cpuPercent, hostExtras, sampleCore, type CoreSample, type HostSample } from './host.js';
import { readTurtleUsage, turtleCores, type TurtleUsage } from './share.js';
import { initialState, step, type Decision, type GovernorSettings, type GovernorState, type Reading } from './controller.js';
import { CgroupActuator, pauseAll } from './actuators.js';
import { setQuietSource } from './gate.js';
import { ParentLock } from './_lock.js';

export interface GovernorOptions {
  site: string;
  events: { append(e: NewEvent): unknown };
  settings: GovernorSettings;
  tree?: CgroupTree;
  intervalMs?: number;
  runtime?: () => ContainerRuntime;
  /** the containers of this site's background services (to pause), and of any class (to stop a hog on v1) */
  containers?: () => Promise<(ObservedContainer & { priority?: string | undefined })[]>;
  /** called after the governor paused, resumed or stopped containers (the health monitor re-reads) */
  onContainersChanged?: () => void;
  /** where the pid file naming the one governor that acts on the parent lives (default /run) */
  lockDir?: string;
}

export interface GovernorSnapshot {
  mode: GovernorState['mode'];
  since: string;
  reason: string;
  /** what makes the host busy in the latest reading, or null: not busy now (the mode may still be capped, see hostBusy) */
  busy: string | null;
  cpuCapCores: number | null;
  memoryLimitBytes: number | null;
  floorBytes: number;
  /** the site budget: the hard cap while the host is busy */
  budget: { cpuCores: number; memoryBytes: number };
  host: { cpus: number; cpuCores: number; memTotalBytes: number; memAvailableBytes: number; load1: number; pressure?: HostSample['pressure']; net: HostSample['net'] };
  turtle: { cpuCores: number; memoryBytes: number; cpuShare: number; memoryShare: number };
  /** false: another process's governor acts on this parent; this one only observes */
  acting: boolean;
  /** what one sample costs the agent: wall and CPU time, averaged */
  sampleCost: { wallMs: number; cpuMs: number; samples: number };
}

export class Governor {
  private state: GovernorState;
  private host: CoreSample;
  private usage: TurtleUsage;
  private last: Reading | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private cost = { wallMs: 0, cpuMs: 0, samples: 0 };
  readonly tree: CgroupTree;
  readonly actuator: CgroupActuator;
  private readonly lock: ParentLock;
  private acting = false;
  private settings: GovernorSettings;

  constructor(private readonly opts: GovernorOptions) {
    this.settings = opts.settings;
    this.tree = opts.tree ?? localTree();
    this.actuator = new CgroupActuator(this.tree);
    this.lock = new ParentLock(this.tree.parent, opts.lockDir);
    this.state = initialState(Date.now());
    this.host = sampleCore();
    this.usage = readTurtleUsage(this.tree);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
    setQuietSource(() => this.quiet());
  }

  /** Stops the loop and lifts what it set: no cap, background resumed. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    setQuietSource(undefined);
    if (!this.acting) return;
    this.actuator.reset();
    if (this.state.mode === 'paused') await this.pauseBackground(false);
    this.lock.release();
  }

  /**
   * Replaces the budget and floor (the site's desired state changed); false when they are the same.
   * A cap in force moves to the new budget; the next tick writes it, and the floor guard follows.
   */
  setSettings(next: GovernorSettings): boolean {
    if (JSON.stringify(next) === JSON.stringify(this.settings)) return false;
    this.settings = next;
    if (this.state.cpuCapCores !== null) this.state = { ...this.state, cpuCapCores: next.budgetCores };
    return true;
  }

  /** Quiet: no cap and memory above the floor; heavy work (image imports, pulls) may run. */
  quiet(): boolean {
    return this.state.mode === 'relaxed' && Object.keys(this.state.squeezed).length === 0;
  }

  /**
   * The host is busy now in the governor's terms: its latest reading crossed a threshold (host CPU outside
   * turtle, memory or IO pressure). Not the same as being capped: the cap stays for 10 s of calm after the
   * host quietened, and through any spell between calm and busy, so a one-second spike (an engine exec, a
   * container start) kept a capped governor for as long as an ordinary router's load stayed in that band.
   * The health monitor's busy-host grace asks this, not the mode.
   */
  hostBusy(): boolean {
    return this.state.busy !== undefined;
  }

  /** One sample, decision and action; the loop calls it every interval (tests call it directly). */
  async tick(): Promise<Decision[]> {
    if (this.busy) return [];
    this.busy = true;
    try {
      const reading = this.sample();
      if (!this.acting && this.lock.acquire()) {
        // taking over (first tick, or the acting governor went away): start from a clean slate
        this.acting = true;
        this.state = initialState(reading.time);
      }
      const { state, decisions } = step(this.state, reading, this.settings);
      this.state = state;
      if (!this.acting) return decisions; // observing: the acting governor carries them out
      for (const d of decisions) await this.apply(d);
      try {
        // within a step the guard's value is as good as any (another agent's governor on this host writes its own)
        this.actuator.enforce(this.state, this.settings.memoryStepBytes);
      } catch {
        // a parent the engine has not created yet
      }
      return decisions;
    } finally {
      this.busy = false;
    }
  }

  snapshot(): GovernorSnapshot {
    const r = this.last;
    const s = this.settings;
    const cpuCores = r?.hostCores ?? 0;
    const turtleCpu = r?.turtleCores ?? 0;
    const mem = r?.turtle.workingSetBytes ?? 0;
    const n = Math.max(1, this.cost.samples);
    return {
      mode: this.state.mode, since: new Date(this.state.since).toISOString(), reason: this.state.reason, busy: this.state.busy ?? null,
      cpuCapCores: this.state.cpuCapCores, memoryLimitBytes: this.state.memoryLimitBytes, floorBytes: s.floorBytes,
      budget: { cpuCores: s.budgetCores, memoryBytes: s.budgetMemoryBytes },
      host: { cpus: this.host.cpus, cpuCores, memTotalBytes: this.host.memTotalBytes, memAvailableBytes: this.host.memAvailableBytes, ...hostExtras(this.host.pressure) },
      turtle: { cpuCores: turtleCpu, memoryBytes: mem, cpuShare: turtleCpu / this.host.cpus, memoryShare: mem / Math.max(1, this.host.memTotalBytes) },
      acting: this.acting,
      sampleCost: { wallMs: this.cost.wallMs / n, cpuMs: this.cost.cpuMs / n, samples: this.cost.samples },
    };
  }

  private sample(): Reading {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const host = sampleCore();
    const usage = readTurtleUsage(this.tree);
    const used = process.cpuUsage(cpu);
    this.cost.wallMs += performance.now() - wall;
    this.cost.cpuMs += (used.user + used.system) / 1000;
    this.cost.samples++;
    const reading: Reading = {
      time: host.time,
      hostCores: cpuPercent(this.host, host) / 100,
      turtleCores: turtleCores(this.usage, usage),
      memAvailableBytes: host.memAvailableBytes,
      turtle: usage.memory,
      classes: usage.classes,
      ...(host.pressure ? { pressure: { memorySome: host.pressure.memory.someAvg10, ioFull: host.pressure.io.fullAvg10 } } : {}),
    };
    this.host = host;
    this.usage = usage;
    this.last = reading;
    return reading;
  }

  private async apply(d: Decision): Promise<void> {
    const event = (type: string, message: string, data?: Record<string, unknown>) =>
      this.opts.events.append({ site: this.opts.site, type, message, ...(data ? { data } : {}) });
    try {
      switch (d.kind) {
        case 'mode':
          return void event('governor.mode', `governor ${d.from} -> ${d.to}: ${d.reason}`, { from: d.from, to: d.to });
        case 'cpu-cap':
          this.actuator.setCpuCap(d.cores);
          return void event('governor.cpu-cap', d.cores === null ? `CPU cap lifted: ${d.reason}` : `turtle capped at ${d.cores} CPUs: ${d.reason}`, { cores: d.cores });
        case 'memory-limit':
          try {
            this.actuator.setMemoryLimit(d.group, d.bytes);
          } catch (err) {
            // v1 refuses a limit below what it cannot reclaim: stop the class's biggest container instead
            if (d.group === 'turtle' || d.group === 'critical' || d.bytes === null) throw err;
            const stopped = await this.stopBiggest(d.group);
            return void event('governor.memory', `${d.reason}; the kernel could not reclaim it (${errorMessage(err)}), so ${stopped}`, { group: d.group, bytes: d.bytes });
          }
          if (!d.quiet) event('governor.memory', `${d.group === 'turtle' ? 'turtle' : d.group} memory ${d.bytes === null ? 'limit lifted' : `limited to ${Math.round(d.bytes / 2 ** 20)} MiB`}: ${d.reason}`, { group: d.group, bytes: d.bytes });
          return;
        case 'pause':
        case 'resume': {
          const n = await this.pauseBackground(d.kind === 'pause');
          return void event(`governor.${d.kind}`, `${d.kind === 'pause' ? 'paused' : 'resumed'} ${n} background container${n === 1 ? '' : 's'}: ${d.reason}`, { containers: n });
        }
        case 'oom-kill':
          return void event('governor.oom-kill', d.reason, { group: d.group, count: d.count });
      }
    } catch (err) {
      event('governor.failed', `could not carry out ${d.kind}: ${errorMessage(err)}`);
    }
  }

  private async pauseBackground(pause: boolean): Promise<number> {
    const runtime = this.opts.runtime?.();
    if (!runtime || !this.opts.containers) return 0;
    const want = pause ? 'running' : 'paused';
    const ids = (await this.opts.containers()).filter((c) => c.priority === 'background' && c.state === want).map((c) => c.id);
    const problems = await pauseAll(runtime, ids, pause);
    if (problems.length) throw new Error(problems.join('; '));
    this.opts.onContainersChanged?.();
    return ids.length;
  }

  /** The container whose cgroup under `group` uses the most memory, stopped through the engine. */
  private async stopBiggest(group: 'normal' | 'background'): Promise<string> {
    const dir = files.memoryDir(this.tree, group);
    const sizes = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => ({ name: e.name, bytes: Number(readFileSync(join(dir, e.name, this.tree.version === 1 ? 'memory.usage_in_bytes' : 'memory.current'), 'utf8')) }))
      .sort((a, b) => b.bytes - a.bytes);
    const runtime = this.opts.runtime?.();
    const containers = (await this.opts.containers?.()) ?? [];
    const victim = containers.find((c) => sizes[0] && sizes[0].name.includes(c.id));
    if (!runtime || !victim) return `no ${group} container could be stopped`;
    await runtime.stop(victim.id, 2);
    this.opts.onContainersChanged?.();
    return `${victim.service} (replica ${victim.replica}, ${Math.round((sizes[0]?.bytes ?? 0) / 2 ** 20)} MiB) was stopped`;
  }
}


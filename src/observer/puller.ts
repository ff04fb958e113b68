// Pulls one site into the observer's store: events (long-poll, resumed from the stored cursor), desired and
// observed state, CPU and memory samples, and the logs of each service. Every loop only reads.
import { withoutEnvValues } from '../domain/redact.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../lib/backoff.js';
import { errorMessage } from '../lib/errors.js';
import type { TurtleEvent } from '../store/index.js';
import type { ObserverStore } from './store.js';
import type { StoredLogLine } from './_logs.js';
import type { Sample } from './_metrics.js';
import { AgentReader, AgentRequestError, type ObserverIdentity } from './reader.js';
import { LogFollowers } from './_follow.js';

export interface PullOptions {
  /** how long one events request may wait for news, seconds */
  waitS: number;
  /** events per request (the agent allows up to 10,000) */
  pageSize: number;
  stateMs: number;
  metricsMs: number;
  /** false: no log following (benchmarks) */
  logs: boolean;
}

export const DEFAULT_PULL: PullOptions = { waitS: 20, pageSize: 10_000, stateMs: 5_000, metricsMs: 5_000, logs: true };

export interface PullListener {
  events(site: string, fresh: TurtleEvent[]): void;
  state(site: string): void;
  sample(site: string, sample: Sample): void;
  logs(lines: StoredLogLine[]): void;
}

// events after which the state is read again at once, not at the next period
const STATE_CHANGING = /^(health\.|service\.|reconcile\.|desired\.|engine\.|agent\.|journal\.)/;

interface StatsReply {
  containers: { service: string; cpuPercent?: number; memoryBytes?: number }[];
  /** the agent's host (agents since the remote CLI added it) */
  host?: { cpuPercent: number; memTotalBytes: number; memAvailableBytes: number };
}

/** The part of the agent's GET /v1/governor the charts use (cores busy, bytes). */
interface GovernorReply {
  host: { cpuCores: number; memTotalBytes: number; memAvailableBytes: number };
  turtle: { cpuCores: number; memoryBytes: number };
}

export class SitePuller {
  private readonly reader: AgentReader;
  private readonly abort = new AbortController();
  private readonly running: Promise<void>[] = [];
  private pokeState: (() => void) | undefined;
  private readonly logs: LogFollowers;

  constructor(
    readonly site: string,
    agentUrl: string,
    identity: ObserverIdentity,
    private readonly store: ObserverStore,
    private readonly listener: PullListener,
    private readonly opts: PullOptions = DEFAULT_PULL,
  ) {
    this.reader = new AgentReader(agentUrl, identity);
    this.logs = new LogFollowers(site, this.reader, store, (lines) => listener.logs(lines));
    store.sites.ensure(site, agentUrl);
  }

  start(): void {
    this.running.push(this.eventsLoop(), this.periodic(this.opts.stateMs, () => this.readState(), true), this.periodic(this.opts.metricsMs, () => this.readStats(), false));
    if (this.opts.logs) this.running.push(this.periodic(1_000, async () => this.logs.flush(), false));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.pokeState?.();
    this.logs.stop();
    this.reader.close();
    await Promise.allSettled(this.running);
  }

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private async eventsLoop(): Promise<void> {
    let failures = 0;
    while (!this.signal.aborted) {
      try {
        const after = this.store.sites.cursor(this.site);
        const reply = await this.reader.json<{ events: TurtleEvent[] }>(`/v1/events?after=${after}&wait=${this.opts.waitS}&limit=${this.opts.pageSize}`, {
          signal: this.signal, timeoutMs: (this.opts.waitS + 15) * 1000,
        });
        const fresh = this.store.events.apply(this.site, reply.events);
        this.reached(failures > 0);
        failures = 0;
        if (fresh.length > 0) {
          this.listener.events(this.site, fresh);
          if (fresh.some((e) => STATE_CHANGING.test(e.type))) this.pokeState?.();
        }
      } catch (err) {
        if (this.signal.aborted) return;
        this.failed(err);
        await sleep(backoffMs(++failures, 250, 5_000), undefined, { signal: this.signal }).catch(() => undefined);
      }
    }
  }

  /** Runs `fn` now and every `ms` (and at once when poked, if `pokeable`), until stopped. */
  private async periodic(ms: number, fn: () => Promise<void>, pokeable: boolean): Promise<void> {
    while (!this.signal.aborted) {
      try {
        await fn();
      } catch (err) {
        if (this.signal.aborted) return;
        this.failed(err);
      }
      await new Promise<void>((resolve) => {
        const signal = this.signal;
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        if (pokeable) this.pokeState = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  private async readState(): Promise<void> {
    const [desired, observed] = await Promise.all([
      this.reader.json<{ desired: { project: string; specHash: string; containers: { service: string }[] } | null; stopped: string[] }>('/v1/desired', { signal: this.signal }),
      this.reader.json<unknown>('/v1/observed', { signal: this.signal }),
    ]);
    // the agent hides env values from observers already; whatever it sent, none is stored here
    const kept = desired.desired ? { ...desired, desired: withoutEnvValues(desired.desired as never) } : desired;
    this.store.sites.setState(this.site, { desired: kept, observed }, Date.now());
    this.reached(false);
    this.listener.state(this.site);
    if (this.opts.logs) this.logs.sync(new Set(desired.desired?.containers.map((c) => c.service) ?? []), this.signal);
  }

  /** false once the agent said it has no /v1/governor (older agents) */
  private governorRoute = true;

  /** The governor's view where the agent runs one (turtle's whole cgroup), else the sum of the containers' stats. */
  private async readStats(): Promise<void> {
    const governed = this.governorRoute ? await this.readGovernor() : undefined;
    if (governed) {
      this.store.metrics.add(this.site, governed);
      return this.listener.sample(this.site, governed);
    }
    const stats = await this.reader.json<StatsReply>('/v1/stats', { signal: this.signal });
    const sample: Sample = {
      at: Date.now(),
      turtleCpu: stats.containers.reduce((a, c) => a + (c.cpuPercent ?? 0), 0),
      turtleMem: stats.containers.reduce((a, c) => a + (c.memoryBytes ?? 0), 0),
      ...(stats.host ? { hostCpu: stats.host.cpuPercent, hostMem: stats.host.memTotalBytes - stats.host.memAvailableBytes } : {}),
    };
    this.store.metrics.add(this.site, sample);
    this.listener.sample(this.site, sample);
  }

  private async readGovernor(): Promise<Sample | undefined> {
    try {
      const { governor: g } = await this.reader.json<{ governor: GovernorReply | null }>('/v1/governor', { signal: this.signal });
      if (!g) return undefined;
      return { at: Date.now(), hostCpu: g.host.cpuCores * 100, hostMem: g.host.memTotalBytes - g.host.memAvailableBytes, turtleCpu: g.turtle.cpuCores * 100, turtleMem: g.turtle.memoryBytes };
    } catch (err) {
      if (err instanceof AgentRequestError && err.status === 404) this.governorRoute = false;
      else throw err;
      return undefined;
    }
  }

  private reached(changed: boolean): void {
    const wasDown = this.store.sites.isUnreachable(this.site);
    this.store.sites.reached(this.site, Date.now());
    if (changed || wasDown) this.listener.state(this.site);
  }

  /** An answer with an error status means the agent is there; only a failed connection makes the site unreachable. */
  private failed(err: unknown): void {
    if (err instanceof AgentRequestError && err.status !== undefined) return;
    this.store.sites.unreachable(this.site, errorMessage(err), Date.now());
    this.listener.state(this.site);
  }
}

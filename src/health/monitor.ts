// Continuous health on the site: turtle's own probes plus the engine's state and health. A container that
// exited or failed `failureThreshold` probes in a row is restarted; repeated restarts wait longer each time
// (capped), and three in a row without a stable spell in between are reported as a crash loop.
import { backoffMs } from '../lib/backoff.js';
import { errorMessage } from '../lib/errors.js';
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import type { EngineEvent } from '../runtime/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { Store } from '../store/index.js';
import { runProbe, timedOut } from './probes.js';

export interface MonitorOptions {
  site: string;
  store: Store;
  runtime: () => ContainerRuntime;
  desired: () => { project: string; containers: ContainerSpec[] } | undefined;
  /** runs an engine change when nothing else changes the engine (the reconciler's lock) */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * true while the host is busy now in the governor's terms (its latest reading over a threshold: CPU used
   * outside turtle, memory or IO pressure): then a probe that gets no answer in time is slow, not dead, and
   * does not count (for up to `busyGraceMs`). Exits and failing answers still do. Without this, a busy router
   * would make turtle restart its services for the host's load. Not "the governor is capped": a cap outlasts
   * the load that set it, and with it the grace delayed hang detection on an ordinary host by 10-30 s.
   */
  hostBusy?: () => boolean;
  /** how long a service may go unanswered under a busy host before that counts after all (default 30 s) */
  busyGraceMs?: number;
  /** the longest the monitor sleeps between passes (default 1 s); passes run when a probe or retry is due */
  tickMs?: number;
  restartBaseMs?: number;
  restartCapMs?: number;
  /** healthy this long and the restart streak (backoff, crash loop) starts over */
  stableMs?: number;
  crashLoopRestarts?: number;
}

interface Slot {
  failures: number;
  nextProbeAt: number;
  probing: boolean;
  healing: boolean;
  /** since when every probe timed out (none answered), if the last one did */
  unansweredSince?: number;
  /** set while the slot is failing: when it was first noticed */
  failingSince?: number;
  reason?: string;
  healthySince?: number;
  restarts: number;
  notBefore: number;
  crashLoop: boolean;
}

export interface SlotHealth {
  service: string;
  replica: number;
  status: 'healthy' | 'failing' | 'crash-loop' | 'starting';
  restarts: number;
  reason?: string;
}

export class HealthMonitor {
  private observed: ObservedContainer[] = [];
  /** the container serving each slot (`service#replica#configHash`), the running one first: rebuilt with `observed` */
  private keepers = new Map<string, ObservedContainer>();
  private readonly slots = new Map<string, Slot>();
  /**
   * One timer for every slot, armed for the next probe or retry due (or `tickMs`, whichever is sooner):
   * probes of the same interval fall due together, so one wake-up serves them all.
   */
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running = false;
  /** set by stop(): work still in flight records nothing (the store may be closed) */
  private stopped = false;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  /** services an operator is restarting, until when their exits are expected (not failures) */
  private readonly expected = new Map<string, number>();
  /** restarts turtle made, by service (for metrics) */
  readonly restartsByService = new Map<string, number>();

  constructor(private readonly opts: MonitorOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    void this.refresh();
    this.wakeAt(Date.now() + this.maxSleepMs());
  }

  stop(): void {
    this.running = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Re-reads the containers (after engine events, heals and resyncs); concurrent calls coalesce. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const desired = this.opts.desired();
        if (!desired) return;
        try {
          this.observe((await this.opts.runtime().list(desired.project)).filter((c) => c.site === this.opts.site));
        } catch {
          // engine away: the agent reconnects; keep the last view
        }
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = undefined;
      this.wakeAt(Date.now()); // judge the new view now
    });
    return this.refreshing;
  }

  /** A listing someone else just made (the reconciler's, when it changed nothing): used as if refreshed. */
  use(observed: readonly ObservedContainer[]): void {
    if (this.refreshing) return; // a listing of its own is on its way
    this.observe(observed.filter((c) => c.site === this.opts.site));
    this.wakeAt(Date.now());
  }

  noteEvent(event: EngineEvent): void {
    if (event.action === 'die' || event.action === 'died') this.died(event);
    if (/^(start|die|stop|destroy|oom|kill|health_status|restart|create)/.test(event.action)) void this.refresh().then(() => this.tick());
  }

  /**
   * Runs an operator's action on `service`; the exits it causes (and those the engine reports up to 1 s
   * later) are not failures. The reconciler's own steps never stop a container the monitor watches: it
   * stops only containers not desired running, or of another configuration.
   */
  async expectingExits<T>(service: string, fn: () => Promise<T>): Promise<T> {
    this.expected.set(service, Infinity);
    try {
      return await fn();
    } finally {
      this.expected.set(service, Date.now() + 1_000);
    }
  }

  health(): SlotHealth[] {
    const desired = this.opts.desired()?.containers ?? [];
    return desired.map((spec) => {
      const slot = this.slots.get(key(spec));
      const status = !slot ? 'starting' : slot.crashLoop ? 'crash-loop' : slot.failingSince !== undefined ? 'failing' : slot.healthySince !== undefined ? 'healthy' : 'starting';
      return { service: spec.service, replica: spec.replica, status, restarts: slot?.restarts ?? 0, ...(slot?.reason ? { reason: slot.reason } : {}) };
    });
  }

  /** One pass: judge every desired running container; probes run in the background. */
  tick(now = Date.now()): void {
    const desired = this.opts.desired();
    let next = now + this.maxSleepMs();
    if (desired) {
      for (const spec of desired.containers) {
        if (!spec.running) continue;
        const container = this.keepers.get(keeperKey(spec));
        if (!container) continue; // missing containers are the reconciler's job
        const slot = this.slot(spec);
        if (slot.healing) continue;
        if (container.state === 'exited' || container.state === 'dead') {
          this.failing(spec, container, slot, `exited with code ${container.exitCode ?? '?'}`, now, true);
        } else if (container.state !== 'running') {
          continue;
        } else if (container.health === 'unhealthy') {
          this.failing(spec, container, slot, "the engine's health check failed", now);
        } else if (spec.probe) {
          this.probe(spec, container, slot, now);
          if (!slot.probing) next = Math.min(next, slot.nextProbeAt);
        } else if (container.health !== 'starting') {
          this.passing(spec, slot, now);
        }
        // a restart held back by its backoff is tried again when the backoff ends
        if (slot.failingSince !== undefined && !slot.healing && slot.notBefore > now) next = Math.min(next, slot.notBefore);
      }
    }
    this.wakeAt(next);
  }

  private maxSleepMs(): number {
    return this.opts.tickMs ?? 1_000;
  }

  /** Arms the one timer for `at`, unless it already fires sooner. */
  private wakeAt(at: number): void {
    if (!this.running || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, Math.max(0, at - Date.now()));
  }

  /**
   * An exit the engine reports is a failure at once. Waiting for the next look at the container is not
   * enough: by then the engine's restart policy or a resync may have started it again, and the failure
   * (and so the recovery) would go unrecorded.
   */
  private died(event: EngineEvent, now = Date.now()): void {
    const container = this.observed.find((c) => c.id === event.id);
    if (container && (this.expected.get(container.service) ?? 0) > now) return;
    const spec = container && this.opts.desired()?.containers.find((s) => s.running && s.service === container.service && s.replica === container.replica && s.configHash === container.configHash);
    if (!spec) return;
    const slot = this.slot(spec);
    if (slot.healing) return;
    slot.failures = 0;
    slot.nextProbeAt = 0;
    // restart now rather than after the next listing: `failing` inspects the container before it starts it,
    // so the listing only delayed the restart (by one engine round trip, ~0.1-1 s on a loaded router)
    this.failing(spec, { ...container, state: 'exited', ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}) }, slot, `exited with code ${event.exitCode ?? '?'}`, now, true);
  }

  private probe(spec: ContainerSpec, container: ObservedContainer, slot: Slot, now: number): void {
    const probe = spec.probe;
    if (!probe || slot.probing || now < slot.nextProbeAt) return;
    const started = Date.parse(container.startedAt ?? '') || 0;
    const inGrace = now - started < probe.startPeriodMs;
    slot.probing = true;
    slot.nextProbeAt = now + probe.intervalMs;
    void runProbe(probe.check, { id: container.id, ...(container.ipAddress ? { ip: container.ipAddress } : {}) }, probe.timeoutMs, this.opts.runtime())
      .then((why) => {
        slot.probing = false;
        if (this.stopped) return;
        const at = Date.now();
        slot.unansweredSince = timedOut(why) ? (slot.unansweredSince ?? at - probe.timeoutMs) : undefined;
        if (why !== '' && !inGrace && !this.slowNotDead(slot, why, at)) {
          slot.failures++;
          if (slot.failures >= probe.failureThreshold) this.failing(spec, container, slot, `probe failed ${slot.failures} times: ${why}`, Date.now());
          else slot.nextProbeAt = Math.min(slot.nextProbeAt, Date.now() + confirmDelayMs(why, probe.intervalMs));
        } else if (why === '') {
          slot.failures = 0;
          this.passing(spec, slot, Date.now());
        }
        this.wakeAt(slot.nextProbeAt); // a probe that outlasted its interval is due again at once
      });
  }

  /**
   * A probe that got no answer in time while the host is busy is slowness, not a failure, as long as the
   * service answered within the last `busyGraceMs`: a hung service is still restarted on a busy host.
   */
  private slowNotDead(slot: Slot, why: string, now: number): boolean {
    if (!timedOut(why) || !this.opts.hostBusy?.()) return false;
    return now - (slot.unansweredSince ?? now) < (this.opts.busyGraceMs ?? 30_000);
  }

  private passing(spec: ContainerSpec, slot: Slot, now: number): void {
    if (slot.failingSince !== undefined) {
      this.event(spec, 'health.recovered', `${spec.service}#${spec.replica} is healthy again after ${now - slot.failingSince} ms`, { downMs: now - slot.failingSince });
      slot.failingSince = undefined;
      slot.reason = undefined;
    }
    slot.healthySince ??= now;
    if (slot.restarts > 0 && now - slot.healthySince >= (this.opts.stableMs ?? 30_000)) {
      slot.restarts = 0;
      slot.crashLoop = false;
    }
  }

  private noteFailing(spec: ContainerSpec, slot: Slot, reason: string, now: number): void {
    slot.healthySince = undefined;
    if (slot.failingSince !== undefined) return;
    slot.failingSince = now;
    slot.reason = reason;
    this.event(spec, 'health.failed', `${spec.service}#${spec.replica}: ${reason}`, { reason });
  }

  private failing(spec: ContainerSpec, container: ObservedContainer, slot: Slot, reason: string, now: number, exited = false): void {
    this.noteFailing(spec, slot, reason, now);
    if (now < slot.notBefore) return;
    slot.healing = true;
    void this.opts
      .exclusive(async () => {
        const runtime = this.opts.runtime();
        const current = await runtime.inspect(container.id);
        if (!current) return false; // removed meanwhile: the reconciler makes a new one
        // an exited container that runs again was started meanwhile (a resync, the engine's restart policy)
        if (current.state === 'running' && exited) return false;
        if (current.state === 'running') await runtime.restart(container.id, 2);
        else await runtime.start(container.id);
        return true;
      })
      .then(
        (restarted) => {
          if (!restarted) return;
          slot.restarts++;
          this.restartsByService.set(spec.service, (this.restartsByService.get(spec.service) ?? 0) + 1);
          slot.notBefore = Date.now() + backoffMs(slot.restarts, this.opts.restartBaseMs ?? 1_000, this.opts.restartCapMs ?? 60_000);
          this.event(spec, 'health.restarted', `${spec.service}#${spec.replica} restarted (${reason}); restart ${slot.restarts} in a row`, { restarts: slot.restarts });
          if (slot.restarts >= (this.opts.crashLoopRestarts ?? 3) && !slot.crashLoop) {
            slot.crashLoop = true;
            this.event(spec, 'service.crash-loop', `${spec.service}#${spec.replica} is crash-looping: ${slot.restarts} restarts without a stable spell (${reason})`, { restarts: slot.restarts });
          }
        },
        (err: unknown) => {
          slot.notBefore = Date.now() + backoffMs(slot.restarts + 1, this.opts.restartBaseMs ?? 1_000, this.opts.restartCapMs ?? 60_000);
          this.event(spec, 'health.restart-failed', `${spec.service}#${spec.replica}: restart failed: ${errorMessage(err)}`);
        },
      )
      .finally(() => {
        slot.healing = false;
        slot.failures = 0;
        slot.unansweredSince = undefined;
        slot.nextProbeAt = 0;
        void this.refresh();
      });
  }

  /** A new view of the containers; each slot's keeper is the container of the desired config, running first. */
  private observe(observed: ObservedContainer[]): void {
    this.observed = observed;
    const keepers = new Map<string, ObservedContainer>();
    for (const c of observed) {
      const k = keeperKey(c);
      const held = keepers.get(k);
      if (!held || (held.state !== 'running' && c.state === 'running')) keepers.set(k, c);
    }
    this.keepers = keepers;
  }

  private slot(spec: ContainerSpec): Slot {
    let slot = this.slots.get(key(spec));
    if (!slot) {
      slot = { failures: 0, nextProbeAt: 0, probing: false, healing: false, restarts: 0, notBefore: 0, crashLoop: false };
      this.slots.set(key(spec), slot);
    }
    return slot;
  }

  private event(spec: ContainerSpec, type: string, message: string, data?: Record<string, unknown>): void {
    if (this.stopped) return;
    this.opts.store.events.append({ site: this.opts.site, type, service: spec.service, message, data: { replica: spec.replica, ...data } });
  }
}

/**
 * When a failed probe is tried again. A healthy service is probed every `interval` (2 s by default: probes
 * are most of the agent's CPU); one failure is confirmed soon after instead of a whole interval later, so a
 * failing service is still noticed within about `interval` + 250 ms. A probe that got no answer in time was
 * already unanswered for its whole timeout: it is confirmed at once.
 */
export function confirmDelayMs(why: string, intervalMs: number): number {
  return timedOut(why) ? 0 : Math.min(intervalMs, CONFIRM_MS);
}

const CONFIRM_MS = 250;

function key(c: { service: string; replica: number }): string {
  return `${c.service}#${c.replica}`;
}

function keeperKey(c: { service: string; replica: number; configHash: string }): string {
  return `${c.service}#${c.replica}#${c.configHash}`;
}

// The site agent: its desired state in its own SQLite store, a reconcile loop driven by the engine's
// events and a periodic resync, turtle's health monitor, and the mutual-TLS API.
import { join } from 'node:path';
import { loadOrCreateKey, type AgeKey } from '../secrets/age.js';
import { DEFAULT_SECRETS_DIR, SecretDelivery } from '../secrets/deliver.js';
import { LeaseTable } from './leases.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../lib/backoff.js';
import { errorMessage } from '../lib/errors.js';
import type { RuntimeKind } from '../domain/types.js';
import { createRuntime, watchesEvents, type ContainerRuntime, type EngineInfo } from '../runtime/index.js';
import { managesNetworks } from '../runtime/types.js';
import { CGROUP_PARENT } from '../domain/cgroup.js';
import { cgroupTree } from '../governor/_paths.js';
import type { Store } from '../store/index.js';
import { HealthMonitor } from '../health/index.js';
import { prepareLocalHost } from '../governor/prepare.js';
import { retuneGovernor, startGovernor, type AgentGovernorOptions, type AgentParts } from '../governor/agent.js';
import type { Governor } from '../governor/governor.js';
import { RateBudget } from '../lib/streams.js';
import { AgentApi } from './api/server.js';
import { AgentMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
import { ForeignWatch } from './foreign.js';
import { SiteFirewall } from '../firewall/site.js';
import { SiteBandwidth, type ShapingState } from '../bandwidth/site.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface AgentOptions {
  site: string;
  runtime: RuntimeKind;
  engine: string;
  store: Store;
  tlsDir: string;
  host: string;
  port: number;
  /** where secrets are decrypted to, a tmpfs (default /run/turtle/secrets; one is mounted there if it is not) */
  secretsDir?: string;
  /** full observe -> plan -> execute even without events (default 30 s) */
  resyncMs?: number;
  /** the governor's budget and floor until a desired state names the site's (default: 10% of the host, floor 10% of its memory) */
  governor?: AgentGovernorOptions;
}

export class Agent {
  readonly metrics = new AgentMetrics();
  readonly reconciler: Reconciler;
  readonly monitor: HealthMonitor;
  /** undefined under TURTLE_FIREWALL=off (agents sharing one host's network namespace in tests) */
  readonly firewall: SiteFirewall | undefined;
  /** tc shaping of resources.egress|ingress and budget.network (TURTLE_BANDWIDTH=off: none) */
  readonly bandwidth: SiteBandwidth | undefined;
  private readonly runtime: ContainerRuntime;
  /** the site's age key (<tlsDir>/age.key, made on first start): secrets are sealed to its public part */
  private readonly key: () => Promise<AgeKey>;
  private readonly closing = new AbortController();
  private api: AgentApi | undefined;
  private governor: Governor | undefined;
  private hostPrepared = false;
  private resync: NodeJS.Timeout | undefined;
  private readonly foreign: ForeignWatch;
  private watching: Promise<void> | undefined;
  /** set while the engine watcher waits for a desired state to watch: ends the wait */
  private wake: (() => void) | undefined;

  constructor(private readonly opts: AgentOptions) {
    const engineRuntime = createRuntime({ kind: opts.runtime, endpoint: opts.engine });
    let key: Promise<AgeKey> | undefined;
    this.key = () => {
      key ??= loadOrCreateKey(join(opts.tlsDir, 'age.key'));
      key.catch(() => (key = undefined));
      return key;
    };
    engineRuntime.secrets = new SecretDelivery({ root: opts.secretsDir ?? DEFAULT_SECRETS_DIR, site: opts.site, identity: async () => (await this.key()).identity });
    this.runtime = engineRuntime;
    const runtime = () => this.runtime;
    this.foreign = new ForeignWatch({ site: opts.site, store: opts.store, runtime });
    this.reconciler = new Reconciler({
      site: opts.site,
      store: opts.store,
      runtime,
      onReconciled: ({ steps, failed, durationMs, observed }) => {
        this.metrics.reconciles.inc({ outcome: failed ? 'failed' : 'succeeded' });
        this.metrics.reconcileSeconds.observe(durationMs / 1000);
        // the first desired state (or a new project) must be watched now, not after the next resync
        this.wake?.();
        // a reconcile that changed nothing hands the monitor what it saw: one engine listing per resync
        if (observed) this.monitor.use(observed);
        else if (steps > 0) void this.monitor.refresh();
        // networks made or removed, or rules changed by hand since: the host's isolation rules follow
        void this.foreign.check();
        if (!failed) void this.firewall?.sync();
        if (!failed) void this.bandwidth?.sync();
      },
      // a push may carry a new budget: the governor keeps to it from its next tick
      onDesiredChanged: () => {
        if (this.governor) retuneGovernor(this.governor, this.governorParts(), this.opts.governor);
      },
    });
    const engine = this.runtime;
    const host = { site: opts.site, endpoint: opts.engine, events: opts.store.events };
    this.firewall = process.env.TURTLE_FIREWALL === 'off' || !managesNetworks(engine) ? undefined
      : new SiteFirewall({ ...host, kind: opts.runtime, engine, containers: () => this.reconciler.desired()?.containers });
    this.bandwidth = process.env.TURTLE_BANDWIDTH === 'off' || !managesNetworks(engine) ? undefined : new SiteBandwidth({ ...host, engine, state: () => this.shapingState() });
    this.monitor = new HealthMonitor({
      site: opts.site,
      store: opts.store,
      runtime,
      desired: () => this.reconciler.desired(),
      exclusive: (fn) => this.reconciler.exclusive(fn),
      hostBusy: () => this.governor?.hostBusy() ?? false,
    });
  }

  async start(): Promise<{ port: number }> {
    await this.key(); // made now, so the CLI can seal secrets to this site before its first deploy
    this.api = new AgentApi(
      { tlsDir: this.opts.tlsDir, host: this.opts.host, port: this.opts.port },
      { site: this.opts.site, store: this.opts.store, reconciler: this.reconciler, monitor: this.monitor, metrics: this.metrics, runtime: () => this.runtime, closing: this.closing.signal, governor: () => this.governor?.snapshot(), leases: new LeaseTable(), logBudget: new RateBudget(), foreign: () => this.foreign.now(), recipient: async () => (await this.key()).recipient },
    );
    const address = await this.api.listen();
    this.opts.store.events.append({ site: this.opts.site, type: 'agent.started', message: `agent for ${this.opts.site} listening on ${this.opts.host}:${address.port}` });
    // Kernel weights before any container: the agent runs on its site's host. Where they go depends on the
    // engine's cgroup driver, so an engine that does not answer yet has them set when it first does.
    const giveUp = new AbortController();
    const info = await Promise.race([this.runtime.ping(), sleep(5_000, undefined, { signal: giveUp.signal }).then(() => undefined)])
      .catch(() => undefined)
      .finally(() => giveUp.abort());
    if (info) this.prepareHost(info);
    this.watching = this.watchEngine();
    // the monitor's view is renewed by the reconcile (onReconciled), or by its own listing after steps
    this.resync = setInterval(() => void this.reconciler.trigger(), this.opts.resyncMs ?? 30_000);
    this.monitor.start();
    void this.foreign.check();
    return address;
  }

  async stop(): Promise<void> {
    this.closing.abort();
    if (this.resync) clearInterval(this.resync);
    this.monitor.stop();
    await this.governor?.stop();
    await this.api?.close();
    await this.reconciler.stop();
    await this.watching;
  }

  /** What the site's tc shaping follows: the desired containers and the budget's network cap. */
  private shapingState(): ShapingState | undefined {
    const desired = this.reconciler.desired();
    const cap = this.opts.store.agent.desired(this.opts.site)?.site?.budget.network;
    return desired && { ...desired, ...(cap !== undefined ? { cap } : {}) };
  }

  /** Sets up turtle's cgroups for the engine's driver, then the governor on them (once). */
  private prepareHost(info: EngineInfo): void {
    if (this.hostPrepared) return;
    this.hostPrepared = true;
    const driver = info.cgroupDriver ?? 'cgroupfs';
    const prepared = prepareLocalHost({ name: this.opts.site, engine: this.opts.engine }, CGROUP_ROOT, driver);
    if (!prepared) return;
    this.opts.store.events.append({ site: this.opts.site, type: prepared.ok ? 'governor.cgroups' : 'governor.cgroups-failed', message: prepared.message });
    // The adaptive budget on top of the weights: only where turtle's cgroups are this host's.
    if (prepared.ok && prepared.result) {
      const tree = cgroupTree(prepared.result.version, CGROUP_ROOT, CGROUP_PARENT, driver);
      this.governor = startGovernor(this.governorParts(), { ...this.opts.governor, tree });
    }
  }

  private governorParts(): AgentParts {
    const { site, store } = this.opts;
    return {
      site, events: store.events, registry: this.metrics.registry, runtime: () => this.runtime,
      desired: () => this.reconciler.desired(),
      budget: () => store.agent.desired(site)?.site,
      changed: () => void this.monitor.refresh(),
    };
  }

  /** Follows the engine's events; when the engine goes away, waits for it and reconverges. */
  private async watchEngine(): Promise<void> {
    const signal = this.closing.signal;
    let attempt = 0;
    let wasDown = false;
    while (!signal.aborted) {
      try {
        const info = await this.runtime.ping();
        this.prepareHost(info);
        this.metrics.engineUp.set(1);
        if (wasDown) this.opts.store.events.append({ site: this.opts.site, type: 'engine.reconnected', message: `${this.runtime.kind} at ${this.runtime.endpoint} answers again` });
        wasDown = false;
        attempt = 0;
        void this.reconciler.trigger();
        void this.monitor.refresh();
        const project = this.reconciler.desired()?.project;
        if (!project || !watchesEvents(this.runtime)) {
          // nothing to watch yet: look again when a reconcile ran (a desired state arrived) or at the next resync
          await this.pause(this.opts.resyncMs ?? 30_000, signal);
          continue;
        }
        for await (const event of this.runtime.events(project, signal)) {
          this.monitor.noteEvent(event);
          // a started container has new veths
          if (event.action === 'start') void this.bandwidth?.sync();
          if (event.action === 'destroy') void this.reconciler.trigger(); // exits are the health monitor's
          if (this.reconciler.desired()?.project !== project) break;
        }
        if (signal.aborted) return;
        throw new Error('the event stream ended');
      } catch (err) {
        if (signal.aborted) return;
        this.metrics.engineUp.set(0);
        if (!wasDown) {
          this.opts.store.events.append({ site: this.opts.site, type: 'engine.unreachable', message: `${this.runtime.kind} at ${this.runtime.endpoint}: ${errorMessage(err)}` });
        }
        wasDown = true;
        await sleep(backoffMs(++attempt, 500, 10_000), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Waits `ms`, until `signal` aborts, or until `wake` is called, whichever comes first. */
  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}

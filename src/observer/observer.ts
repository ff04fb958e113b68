// The observer: a puller per site into its own store, alerts over the current view, retention, and the
// read-only server with the dashboard. It holds no credential that could change a site.
import { X509Certificate } from 'node:crypto';
import type { Server } from 'node:https';
import { ExitCode, TurtleError } from '../lib/errors.js';
import { ServerTls } from '../pki/server-tls.js';
import { ObserverStore } from './store.js';
import { SitePuller, DEFAULT_PULL, type PullOptions } from './puller.js';
import type { TurtleEvent } from '../store/index.js';
import { AlertManager, DEFAULT_THRESHOLDS, blips, conditions, type AlertThresholds, type Condition } from './alerts.js';
import { buildSummary, type Summary } from './summary.js';
import { certificateNames, observerServer } from './server.js';
import { Hub } from './hub.js';
import { DEFAULT_RETENTION, type Retention } from './_metrics.js';
import type { ObserverIdentity } from './reader.js';

export interface WatchedSite {
  name: string;
  /** the agent's URL (https://host:port) */
  agent: string;
}

export interface ObserverOptions {
  sites: readonly WatchedSite[];
  identity: ObserverIdentity;
  store: ObserverStore;
  host: string;
  port: number;
  webhook?: string;
  thresholds?: Partial<AlertThresholds>;
  pull?: Partial<PullOptions>;
  retention?: Partial<Retention> & { logLines?: number; logAgeMs?: number };
  /** how often alerts are evaluated and retention applied, ms */
  alertEveryMs?: number;
}

export class Observer {
  readonly hub: Hub;
  private readonly pullers: SitePuller[];
  private readonly alerts: AlertManager;
  private readonly thresholds: AlertThresholds;
  private server: Server | undefined;
  private timers: NodeJS.Timeout[] = [];
  private cached: { at: number; summary: Summary } | undefined;

  constructor(private readonly opts: ObserverOptions) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
    this.hub = new Hub(() => this.summary());
    const changed = () => {
      this.cached = undefined;
      this.hub.changed();
    };
    this.alerts = new AlertManager(opts.store, opts.webhook, (change) => {
      changed();
      this.hub.broadcast('alert', change);
    });
    const listener = {
      events: (site: string, fresh: TurtleEvent[]) => {
        changed();
        this.hub.broadcast('events', fresh.slice(-50));
        const brief = blips(site, fresh);
        if (brief.length > 0) this.evaluate(brief);
        this.evaluate();
      },
      state: () => {
        changed();
        this.evaluate();
      },
      sample: (site: string, sample: unknown) => {
        this.cached = undefined;
        this.hub.broadcast('sample', { site, sample });
      },
      logs: (lines: unknown[]) => this.hub.broadcast('logs', lines),
    };
    const pull = { ...DEFAULT_PULL, ...opts.pull };
    this.pullers = opts.sites.map((s) => new SitePuller(s.name, s.agent, opts.identity, opts.store, listener, pull));
  }

  /** The current view, rebuilt at most every 200 ms however many dashboards ask. */
  summary(): Summary {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > 200) this.cached = { at: now, summary: buildSummary(this.opts.store, now) };
    return this.cached.summary;
  }

  async start(): Promise<{ port: number }> {
    const { identity } = this.opts;
    const names = servingNames(identity.cert);
    const tls = new ServerTls(() => identity, (problem) => {
      console.error(`observer: ${problem ? `the CRL cannot be used (${problem}): every client is refused until it is fixed` : 'the CRL is usable again'}`);
    });
    const server = observerServer({ store: this.opts.store, summary: () => this.summary(), hub: this.hub, tls, names });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.server = server;
    for (const p of this.pullers) p.start();
    this.timers.push(setInterval(() => this.evaluate(), this.opts.alertEveryMs ?? 1_000));
    this.timers.push(setInterval(() => this.compact(), 60_000));
    return { port: (server.address() as { port: number }).port };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.hub.close();
    await Promise.all(this.pullers.map((p) => p.stop()));
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  /** Applies retention: metric rollups, then old samples and log lines go. */
  compact(now = Date.now()): void {
    const r = { ...DEFAULT_RETENTION, ...this.opts.retention };
    this.opts.store.metrics.compact(now, r);
    this.opts.store.logs.prune(this.opts.retention?.logLines ?? 2_000, this.opts.retention?.logAgeMs ?? 86_400_000, now);
  }

  /** `extra`: conditions that held for a moment within the events just applied (see blips) */
  private evaluate(extra: readonly Condition[] = []): void {
    const now = Date.now();
    const current = conditions(this.summary(), now, this.thresholds);
    this.alerts.sync([...current, ...extra.filter((c) => !current.some((x) => x.key === c.key))], now);
  }
}

/** The names the observer's certificate serves; refused when it cannot serve at all. */
export function servingNames(cert: Buffer): string[] {
  const x = new X509Certificate(cert);
  const names = certificateNames(x.subjectAltName);
  const serves = (x.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.1');
  if (!serves || names.length === 0) {
    throw new TurtleError('the observer\'s certificate cannot serve HTTPS: it names no host (the dashboard is private, behind mutual TLS)', {
      exitCode: ExitCode.invalid,
      hint: 'issue it with the names browsers will use: turtle ca issue --role observer --name observer --host localhost,127.0.0.1[,observer.example]',
    });
  }
  return names;
}

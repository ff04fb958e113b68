// Alerts: which conditions hold now (pure), and a manager that opens and resolves incidents in the store and
// tells the webhook, the observer's one outbound write, to a URL the operator chose.
import type { Alert, AlertKind } from './_alerts.js';
import type { ObserverStore } from './store.js';
import { FAILING, type Summary } from './summary.js';
import { postWebhook } from './webhook.js';

export interface AlertThresholds {
  /** a site unreachable this long is an alert */
  unreachableMs: number;
  /** drift that lasts this long is an alert (a reconcile in progress is drift for a moment) */
  driftMs: number;
  /** skew that lasts this long is an alert (a rollout in progress skews for a while) */
  skewMs: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { unreachableMs: 30_000, driftMs: 15_000, skewMs: 60_000 };

export interface Condition {
  key: string;
  kind: AlertKind;
  site?: string;
  service?: string;
  message: string;
  /** how long it must hold before it is an alert */
  holdMs: number;
}

export function conditions(summary: Pick<Summary, 'sites' | 'skew'>, now: number, t: AlertThresholds): Condition[] {
  const out: Condition[] = [];
  for (const site of summary.sites) {
    if (site.unreachableSince !== undefined) {
      const secs = Math.round((now - site.unreachableSince) / 1000);
      out.push({ key: `site.unreachable/${site.name}`, kind: 'site.unreachable', site: site.name, message: `${site.name} unreachable for ${secs} s: ${site.lastError ?? 'no answer'}`, holdMs: t.unreachableMs });
      continue; // what an unreachable site last reported is not news
    }
    for (const svc of site.services) {
      if (svc.status === 'unhealthy') {
        out.push({ key: `service.unhealthy/${site.name}/${svc.name}`, kind: 'service.unhealthy', site: site.name, service: svc.name, message: `${site.name}/${svc.name} is unhealthy (${svc.running}/${svc.replicas} running, ${svc.restarts} restarts)`, holdMs: 0 });
      }
    }
    if (site.foreign.length) {
      out.push({ key: `foreign.container/${site.name}`, kind: 'foreign.container', site: site.name, message: `${site.name} runs containers turtle did not start: ${site.foreign.join(', ')}`, holdMs: 0 });
    }
    if (site.drift.length) {
      out.push({ key: `drift/${site.name}`, kind: 'drift', site: site.name, message: `${site.name} drifted from its desired state: ${site.drift.join('; ')}`, holdMs: t.driftMs });
    }
  }
  for (const skew of summary.skew) {
    const what = Object.entries(skew.bySite).map(([s, v]) => `${s} ${v}`).join(', ');
    out.push({
      key: `version.skew/${skew.subject}`, kind: 'version.skew', ...(skew.subject === 'spec' ? {} : { service: skew.subject }),
      message: skew.subject === 'spec' ? `sites run different specs: ${what}` : `${skew.subject} runs different versions: ${what}`, holdMs: t.skewMs,
    });
  }
  return out;
}

/**
 * Services whose failure is in `fresh` events although the state read after them may already be healthy
 * again (a kill healed in under a second, all in one batch of events): each is an unhealthy condition for
 * that moment, so the outage is alerted and then resolved rather than never seen.
 */
export function blips(site: string, fresh: readonly { type: string; service?: string; message: string; time: string }[], now = Date.now()): Condition[] {
  const out = new Map<string, Condition>();
  for (const e of fresh) {
    // a backlog replayed after a cut-off is history, not an outage to tell anyone about now
    if (!e.service || !FAILING.has(e.type) || now - Date.parse(e.time) > BLIP_AGE_MS) continue;
    const key = `service.unhealthy/${site}/${e.service}`;
    if (!out.has(key)) out.set(key, { key, kind: 'service.unhealthy', site, service: e.service, message: `${site}/${e.service} is unhealthy (${e.message})`, holdMs: 0 });
  }
  return [...out.values()];
}

const BLIP_AGE_MS = 60_000;

export type AlertListener = (change: { state: 'opened' | 'resolved'; alert: Alert }) => void;

export class AlertManager {
  /** when each condition was first seen holding (conditions with a hold time) */
  private readonly since = new Map<string, number>();

  constructor(private readonly store: ObserverStore, private readonly webhook: string | undefined, private readonly listener: AlertListener) {}

  /** Opens alerts for conditions that held long enough and resolves those that no longer hold. */
  sync(current: readonly Condition[], now = Date.now()): void {
    const open = new Map(this.store.alerts.active().map((a) => [a.key, a]));
    const holding = new Set(current.map((c) => c.key));
    for (const key of this.since.keys()) if (!holding.has(key)) this.since.delete(key);
    for (const c of current) {
      const first = this.since.get(c.key) ?? now;
      this.since.set(c.key, first);
      if (open.has(c.key) || now - first < c.holdMs) continue;
      const alert = this.store.alerts.open({ key: c.key, kind: c.kind, message: c.message, openedAt: now, ...(c.site ? { site: c.site } : {}), ...(c.service ? { service: c.service } : {}) });
      this.tell('opened', alert);
    }
    for (const [key, alert] of open) {
      if (holding.has(key)) continue;
      this.store.alerts.resolve(alert.id, now);
      this.tell('resolved', { ...alert, resolvedAt: now });
    }
  }

  private tell(state: 'opened' | 'resolved', alert: Alert): void {
    this.listener({ state, alert });
    if (this.webhook) void postWebhook(this.webhook, { state, ...alert });
  }
}

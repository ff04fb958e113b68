// The dashboard served by an agent for its own site, under /dashboard/ on its mutual-TLS API (a browser
// needs a client certificate; any role may read). Same page as the observer's, fed from the agent itself.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Call } from '../agent/api/routes.js';
import { cpuPercent, sampleHost } from '../governor/host.js';
import type { TurtleEvent } from '../store/index.js';
import { DEPLOYMENT_TYPES, siteView, type Summary } from '../observer/summary.js';
import type { Sample } from '../observer/_metrics.js';
import { dashboardAsset, CSP } from './assets.js';
import { writeOrWait } from '../lib/streams.js';

export const DASHBOARD_PATH = /^\/dashboard(\/.*)?$/;

export async function serveSiteDashboard({ res, url, ctx, holdStream }: Call): Promise<void> {
  const rest = url.pathname.slice('/dashboard'.length);
  if (rest === '') {
    res.writeHead(308, { location: '/dashboard/' });
    return void res.end();
  }
  if (rest === '/') return send(res, 'index.html');
  const file = /^\/assets\/([A-Za-z.]+)$/.exec(rest);
  if (file) return send(res, file[1] as string);
  switch (rest) {
    case '/api/v1/summary':
      return json(res, await summary(ctx));
    case '/api/v1/metrics':
      return json(res, { site: ctx.site, samples: [] }); // an agent keeps no history: the stream brings samples
    case '/api/v1/logs':
      return json(res, { lines: await logs(ctx, url.searchParams.get('service') ?? '') });
    case '/api/v1/stream':
      return stream(res, ctx, holdStream);
    default:
      json(res, { error: 'no such page' }, 404);
  }
}

type Ctx = Call['ctx'];

/** The newest events, kept per store: read forward from where the last call stopped, never the whole log again. */
const recent = new WeakMap<object, { after: number; events: TurtleEvent[]; deployments: TurtleEvent[] }>();

function newest(ctx: Ctx): { after: number; events: TurtleEvent[]; deployments: TurtleEvent[] } {
  const r = recent.get(ctx.store) ?? { after: 0, events: [], deployments: [] };
  for (;;) {
    const page = ctx.store.events.list({ site: ctx.site, after: r.after, limit: 5_000 });
    if (page.length === 0) break;
    r.after = page.at(-1)?.seq ?? r.after;
    r.events = [...r.events, ...page].slice(-50);
    r.deployments = [...r.deployments, ...page.filter((e) => (DEPLOYMENT_TYPES as readonly string[]).includes(e.type))].slice(-30);
  }
  recent.set(ctx.store, r);
  return r;
}

async function summary(ctx: Ctx): Promise<Summary> {
  const desired = ctx.store.agent.desired(ctx.site);
  const containers = desired ? (await ctx.runtime().list(desired.project)).filter((c) => c.site === ctx.site) : [];
  const r = newest(ctx);
  const now = Date.now();
  const stamp = (e: TurtleEvent) => ({ ...e, appliedAt: Date.parse(e.time) });
  const view = siteView({
    site: ctx.site, agent: 'this agent', lastSeq: r.after, lastContact: now, observedAt: now,
    desired: { desired: desired ?? null, stopped: [...ctx.store.stoppedServices(ctx.site)] },
    observed: { containers, health: ctx.monitor.health() },
  }, []);
  return { generatedAt: new Date(now).toISOString(), sites: [view], skew: [], alerts: [], recentAlerts: [], deployments: r.deployments.map(stamp).reverse(), events: r.events.map(stamp).reverse() };
}

async function sample(ctx: Ctx): Promise<Sample> {
  const desired = ctx.store.agent.desired(ctx.site);
  const runtime = ctx.runtime();
  const running = desired ? (await runtime.list(desired.project)).filter((c) => c.site === ctx.site && c.state === 'running') : [];
  const before = sampleHost();
  const stats = await Promise.all(running.map((c) => runtime.stats(c.id).catch(() => undefined)));
  if (running.length === 0) await sleep(250);
  const after = sampleHost();
  return {
    at: Date.now(), hostCpu: cpuPercent(before, after), hostMem: after.memTotalBytes - after.memAvailableBytes,
    turtleCpu: stats.reduce((a, s) => a + (s?.cpuPercent ?? 0), 0), turtleMem: stats.reduce((a, s) => a + (s?.memoryBytes ?? 0), 0),
  };
}

async function logs(ctx: Ctx, service: string) {
  const desired = ctx.store.agent.desired(ctx.site);
  if (!desired) return [];
  const runtime = ctx.runtime();
  const lines: unknown[] = [];
  for (const c of (await runtime.list(desired.project)).filter((x) => x.site === ctx.site && x.service === service)) {
    for await (const l of runtime.logs(c.id, { tail: 200, follow: false })) lines.push({ site: ctx.site, service, replica: c.replica, ...l });
  }
  return lines;
}

/** Live updates: a summary every 2 s and a sample every 5 s, until the browser or the agent goes. */
async function stream(res: ServerResponse, ctx: Ctx, holdStream: () => void): Promise<void> {
  holdStream();
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  const signal = AbortSignal.any([closed.signal, ctx.closing]);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  for (let tick = 0; !signal.aborted; tick++) {
    // every open dashboard shares one listing and one sample: ten browsers cost the engine what one does
    if (!(await writeOrWait(res, `event: summary\ndata: ${JSON.stringify(await shared(ctx, 'summary', 1_900, () => summary(ctx)))}\n\n`))) return;
    if (tick % 3 === 0) {
      const s = await shared(ctx, 'sample', 5_500, () => sample(ctx));
      if (!(await writeOrWait(res, `event: sample\ndata: ${JSON.stringify({ site: ctx.site, sample: s })}\n\n`))) return;
    }
    await sleep(2_000, undefined, { signal }).catch(() => undefined);
  }
  res.end();
}

/** One answer per store and kind, reused while younger than `maxAgeMs` (a failed one is not kept). */
const cache = new WeakMap<object, Map<string, { at: number; value: Promise<unknown> }>>();

function shared<T>(ctx: Ctx, kind: string, maxAgeMs: number, make: () => Promise<T>): Promise<T> {
  const mine = cache.get(ctx.store) ?? new Map<string, { at: number; value: Promise<unknown> }>();
  cache.set(ctx.store, mine);
  const hit = mine.get(kind);
  if (hit && Date.now() - hit.at < maxAgeMs) return hit.value as Promise<T>;
  const value = make();
  mine.set(kind, { at: Date.now(), value });
  value.catch(() => mine.delete(kind));
  return value;
}

function send(res: ServerResponse, name: string): void {
  const a = dashboardAsset(name);
  if (!a) return json(res, { error: 'no such page' }, 404);
  res.writeHead(200, { 'content-type': a.type, 'content-length': a.body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-security-policy': CSP, 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
  res.end(a.body);
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

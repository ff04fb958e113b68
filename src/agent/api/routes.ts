// The agent's endpoints. Each route names itself (for 403 messages and metrics) and says whether it writes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { mayWrite, seesEnv, type ClientRole } from '../../pki/roles.js';
import type { Client } from '../../pki/server-tls.js';
import { withoutEnvValues } from '../../domain/redact.js';
import { writeOrWait, type RateBudget } from '../../lib/streams.js';
import { MAX_IMAGE_REFS, inspectsImages, type ContainerRuntime, type ForeignContainer } from '../../runtime/types.js';
import { IMAGE_REF } from '../../domain/image.js';
import type { Store } from '../../store/index.js';
import type { HealthMonitor } from '../../health/index.js';
import type { Reconciler } from '../reconciler.js';
import type { AgentMetrics } from '../metrics.js';
import type { GovernorSnapshot } from '../../governor/governor.js';
import { HttpError, intParam, query, readJson, sendJson } from './_http.js';
import { SERVICE, parseDesired } from './_validate.js';
import { serviceAction, type ServiceAction } from '../actions.js';
import { cpuPercent, sampleHost } from '../../governor/host.js';
import { DASHBOARD_PATH, serveSiteDashboard } from '../../dashboard/agent.js';
import type { LeaseTable } from '../leases.js';
import { describeHolder } from '../../converge/lock.js';
import { parseLeaseRequest } from './_lease.js';

export interface ApiContext {
  site: string;
  store: Store;
  reconciler: Reconciler;
  monitor: HealthMonitor;
  metrics: AgentMetrics;
  runtime: () => ContainerRuntime;
  /** resolves when the agent shuts down: long-lived answers end then */
  closing: AbortSignal;
  /** the good-citizen governor's state, where it runs (undefined: kernel weights only, or not this host) */
  governor?: () => GovernorSnapshot | undefined;
  /** the site's deployment lease (one deployment at a time) */
  leases: LeaseTable;
  /** log lines readers may be sent a second, per certificate and per address */
  logBudget: RateBudget;
  /** containers on the engine that turtle did not start, at the last check */
  foreign: () => ForeignContainer[];
  /** the site's age public key, which secrets for it are sealed to */
  recipient: () => Promise<string>;
}

/** The client, from its certificate: `identity` is unique per certificate (role, name and serial). */
export type Caller = Client;

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  role: ClientRole;
  caller: Caller;
  ctx: ApiContext;
  /** takes one of the caller's slots for a long-lived answer until it ends; 429 when none is left */
  holdStream: () => void;
}

export interface Route {
  name: string;
  method: string;
  path: RegExp;
  /** who may call it */
  roles: readonly ClientRole[];
  /** changes state: JSON only, never from another site's page */
  write: boolean;
  run: (call: Call) => Promise<void>;
}

const OPERATOR: readonly ClientRole[] = ['operator'];
const READERS: readonly ClientRole[] = ['operator', 'observer'];
const ANYONE: readonly ClientRole[] = ['operator', 'observer', 'peer'];

export const routes: Route[] = [
  { name: 'read health', method: 'GET', path: /^\/healthz$/, roles: ANYONE, write: false, run: getHealth },
  { name: 'read the site\'s secrets recipient', method: 'GET', path: /^\/v1\/recipient$/, roles: ['operator', 'peer'], write: false, run: getRecipient },
  { name: 'read desired state', method: 'GET', path: /^\/v1\/desired$/, roles: READERS, write: false, run: getDesired },
  { name: 'replace desired state', method: 'PUT', path: /^\/v1\/desired$/, roles: OPERATOR, write: true, run: putDesired },
  { name: 'take the deployment lease', method: 'POST', path: /^\/v1\/lease$/, roles: OPERATOR, write: true, run: postLease },
  { name: 'renew the deployment lease', method: 'POST', path: /^\/v1\/lease\/([0-9a-f-]{36})$/, roles: OPERATOR, write: true, run: renewLease },
  { name: 'release the deployment lease', method: 'DELETE', path: /^\/v1\/lease\/([0-9a-f-]{36})$/, roles: OPERATOR, write: true, run: releaseLease },
  { name: 'read observed state', method: 'GET', path: /^\/v1\/observed$/, roles: READERS, write: false, run: getObserved },
  { name: 'read events', method: 'GET', path: /^\/v1\/events$/, roles: READERS, write: false, run: getEvents },
  { name: 'read logs', method: 'GET', path: /^\/v1\/services\/([^/]+)\/logs$/, roles: READERS, write: false, run: getLogs },
  { name: 'read logs', method: 'GET', path: /^\/v1\/logs$/, roles: READERS, write: false, run: getSiteLogs },
  { name: 'read stats', method: 'GET', path: /^\/v1\/stats$/, roles: READERS, write: false, run: getStats },
  { name: 'act on a service', method: 'POST', path: /^\/v1\/services\/([^/]+)\/(start|stop|restart)$/, roles: OPERATOR, write: true, run: postAction },
  { name: 'read metrics', method: 'GET', path: /^\/metrics$/, roles: READERS, write: false, run: getMetrics },
  { name: 'read images', method: 'GET', path: /^\/v1\/images$/, roles: READERS, write: false, run: getImages },
  { name: 'read governor', method: 'GET', path: /^\/v1\/governor$/, roles: READERS, write: false, run: getGovernor },
  { name: 'read the dashboard', method: 'GET', path: DASHBOARD_PATH, roles: READERS, write: false, run: serveSiteDashboard },
];

async function getHealth({ res, url, ctx }: Call) {
  query(url, []);
  sendJson(res, 200, { ok: true, site: ctx.site });
}

async function getRecipient({ res, url, ctx }: Call) {
  query(url, []);
  sendJson(res, 200, { site: ctx.site, recipient: await ctx.recipient() });
}

async function getDesired({ res, url, role, ctx }: Call) {
  query(url, []);
  const state = ctx.store.agent.desired(ctx.site);
  const shown = state && !seesEnv(role) ? withoutEnvValues(state) : state;
  sendJson(res, 200, { site: ctx.site, desired: shown ?? null, stopped: [...ctx.store.stoppedServices(ctx.site)].sort() });
}

async function putDesired({ req, res, url, caller, ctx }: Call) {
  query(url, []);
  const holder = ctx.leases.blocking(leaseHeader(req));
  if (holder) throw new HttpError(409, `${ctx.site} is being deployed by ${describeHolder(holder)}`, ['wait for it to finish; a holder that died loses the lease within its TTL']);
  const parsed = parseDesired(await readJson(req), ctx.site);
  if (!parsed.ok) throw new HttpError(400, parsed.invalid.error, parsed.invalid.issues);
  ctx.store.agent.setDesired(ctx.site, parsed.value);
  ctx.reconciler.desiredChanged();
  const replaced = ctx.store.events.append({ site: ctx.site, type: 'desired.replaced', message: `desired state replaced by ${who(caller)}: ${parsed.value.containers.length} containers`, data: { specHash: parsed.value.specHash, by: who(caller) } });
  // Queued behind a run already under way (which still uses the old state): reconcile events after this
  // marker come from runs that saw the new state. The CLI's deploy waits for the first one.
  void ctx.reconciler.exclusive(async () => {
    ctx.store.events.append({ site: ctx.site, type: 'desired.applied', message: 'the next reconcile uses the new desired state', data: { replaced: replaced.seq } });
  });
  void ctx.reconciler.trigger();
  sendJson(res, 202, { site: ctx.site, specHash: parsed.value.specHash, containers: parsed.value.containers.length, seq: replaced.seq });
}

async function getObserved({ res, url, role, ctx, holdStream }: Call) {
  const q = query(url, ['wait']);
  // wait=1: answer after the reconcile this request triggers (the CLI's deploy uses it). A reader may not
  // start one (it pulls images and replaces containers): it waits for the one under way, if any.
  if (q.wait !== undefined && q.wait !== '1') throw new HttpError(400, '`wait` must be 1');
  if (q.wait === '1') {
    holdStream();
    if (mayWrite(role)) await ctx.reconciler.trigger();
    else await ctx.reconciler.exclusive(async () => undefined);
  }
  const desired = ctx.store.agent.desired(ctx.site);
  const containers = desired ? (await ctx.runtime().list(desired.project)).filter((c) => c.site === ctx.site) : [];
  const lastReconcile = ctx.store.events.last({ site: ctx.site, typePrefix: 'reconcile.' });
  sendJson(res, 200, { site: ctx.site, containers, health: ctx.monitor.health(), reconciling: ctx.reconciler.busy, failures: ctx.reconciler.consecutiveFailures, lastReconcile: lastReconcile ?? null, foreign: ctx.foreign() });
}

async function getEvents({ req, res, url, ctx, holdStream }: Call) {
  const q = query(url, ['after', 'wait', 'limit']);
  const lastId = req.headers['last-event-id'];
  let after = intParam(q.after ?? (typeof lastId === 'string' ? lastId : undefined), 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const wait = intParam(q.wait, 'wait', 0, 300) ?? 0;
  const limit = intParam(q.limit, 'limit', 1, 10_000) ?? 1000;
  const sse = /text\/event-stream/.test(req.headers.accept ?? '');
  if (sse || wait > 0) holdStream();
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  const signal = AbortSignal.any([closed.signal, ctx.closing]);
  if (!sse) {
    // long-poll: answer at once when there are events, else when one arrives or `wait` seconds pass
    const until = Date.now() + wait * 1000;
    let events = ctx.store.events.list({ after, limit, site: ctx.site });
    while (events.length === 0 && Date.now() < until && !signal.aborted) {
      await sleep(200, undefined, { signal }).catch(() => undefined);
      events = ctx.store.events.list({ after, limit, site: ctx.site });
    }
    return sendJson(res, 200, { site: ctx.site, events, next: events.at(-1)?.seq ?? after });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': turtle agent events\n\n');
  let idle = 0;
  while (!signal.aborted) {
    const events = ctx.store.events.list({ after, limit, site: ctx.site });
    for (const e of events) {
      if (!(await writeOrWait(res, `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`))) return;
      after = e.seq;
    }
    if (events.length === 0 && ++idle % 75 === 0 && !(await writeOrWait(res, ': keep-alive\n\n'))) return;
    await sleep(200, undefined, { signal }).catch(() => undefined);
  }
  res.end();
}

async function getLogs(call: Call) {
  const service = serviceParam(call.params[0]);
  await sendLogs(call, [service], false);
}

/** `GET /v1/logs?services=a,b`: several services in one answer (the observer mirrors a site with one follow). */
async function getSiteLogs(call: Call) {
  const raw = new URLSearchParams(call.url.search).get('services') ?? '';
  const services = [...new Set(raw.split(',').filter(Boolean))];
  if (services.length === 0 || services.length > 200) throw new HttpError(400, '`services` must name 1 to 200 services, comma-separated');
  for (const s of services) if (!SERVICE.test(s)) throw new HttpError(400, `\`${s.slice(0, 64)}\` is not a valid service name (lower-case letters, digits, _ and -)`);
  // a container that goes (replaced, removed) ends the whole follow: the client opens it again for the new ones
  await sendLogs(call, services, true);
}

async function sendLogs({ res, url, caller, ctx, holdStream }: Call, services: readonly string[], endWithFirst: boolean): Promise<void> {
  const q = query(url, endWithFirst ? ['tail', 'follow', 'services'] : ['tail', 'follow']);
  const tail = intParam(q.tail, 'tail', 0, MAX_TAIL) ?? 100;
  if (q.follow !== undefined && q.follow !== '0' && q.follow !== '1') throw new HttpError(400, '`follow` must be 0 or 1');
  if (q.follow === '1') holdStream();
  const desired = ctx.store.agent.desired(ctx.site);
  const runtime = ctx.runtime();
  const wanted = new Set(services);
  const containers = desired ? (await runtime.list(desired.project)).filter((c) => c.site === ctx.site && wanted.has(c.service)) : [];
  if (containers.length === 0) throw new HttpError(404, `${ctx.site}/${services.join(',').slice(0, 200)} has no containers`);
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  const signal = AbortSignal.any([closed.signal, ctx.closing]);
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  res.flushHeaders(); // a quiet service's follow still answers at once
  // a reader (not an operator) gets its share of log lines a second, however many streams it opens
  const who = { identity: caller.identity, address: caller.address, operator: caller.role === 'operator' };
  await Promise.all(
    containers.map(async (c) => {
      try {
        // waiting on a full socket buffer stops reading the engine's stream: a client that reads slowly
        // slows its own follow, and one that stops reading is cut after a minute
        for await (const line of runtime.logs(c.id, { tail, follow: q.follow === '1', signal })) {
          const wait = ctx.logBudget.delayMs(who);
          if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
          if (signal.aborted || !(await writeOrWait(res, JSON.stringify({ site: ctx.site, service: c.service, replica: c.replica, ...line }) + '\n'))) break;
        }
      } catch {
        // a container removed while following: its stream simply ends
      } finally {
        if (endWithFirst && q.follow === '1') closed.abort();
      }
    }),
  );
  res.end();
}

/** the most lines a log read starts with (the engine reads them all before the first is sent) */
const MAX_TAIL = 10_000;

async function getStats({ res, url, ctx }: Call) {
  query(url, []);
  const desired = ctx.store.agent.desired(ctx.site);
  const runtime = ctx.runtime();
  const running = desired ? (await runtime.list(desired.project)).filter((c) => c.site === ctx.site && c.state === 'running') : [];
  const before = sampleHost();
  const stats = await Promise.all(running.map(async (c) => ({ service: c.service, replica: c.replica, id: c.id, ...(await runtime.stats(c.id).catch(() => undefined)) })));
  // the host's CPU over the reads above, or over a quarter of a second when there was nothing to read
  await sleep(Math.max(0, 250 - (Date.now() - before.time)));
  const after = sampleHost();
  const host = { cpuPercent: cpuPercent(before, after), cpus: after.cpus, memTotalBytes: after.memTotalBytes, memAvailableBytes: after.memAvailableBytes };
  sendJson(res, 200, { site: ctx.site, host, containers: stats });
}

async function postAction({ res, url, params, caller, ctx }: Call) {
  const service = serviceParam(params[0]);
  query(url, []);
  const action = params[1] as ServiceAction;
  const desired = ctx.store.agent.desired(ctx.site);
  if (!desired?.containers.some((c) => c.service === service)) throw new HttpError(404, `${service} is not in ${ctx.site}'s desired state`);
  const count = await serviceAction(ctx, desired.project, service, action, who(caller));
  sendJson(res, 200, { site: ctx.site, service, action, containers: count });
}

async function getMetrics({ res, url, ctx }: Call) {
  query(url, []);
  const health = ctx.monitor.health();
  ctx.metrics.containers.reset();
  for (const status of ['healthy', 'failing', 'crash-loop', 'starting']) ctx.metrics.containers.set({ status }, health.filter((h) => h.status === status).length);
  for (const [service, n] of ctx.monitor.restartsByService) ctx.metrics.restarts.set({ service }, n);
  ctx.metrics.lastSeq.set(ctx.store.events.last({ site: ctx.site })?.seq ?? 0);
  const text = await ctx.metrics.registry.metrics();
  res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
  res.end(text);
}

async function getImages({ res, url, ctx }: Call) {
  const { refs } = query(url, ['refs']);
  const list = (refs ?? '').split(',').filter((r) => r !== '');
  if (list.length === 0) throw new HttpError(400, '`refs` is required: image references, comma-separated', ['GET /v1/images?refs=nginx:1.25,redis:7']);
  if (list.length > MAX_IMAGE_REFS) throw new HttpError(400, `at most ${MAX_IMAGE_REFS} images a request, not ${list.length}`);
  const bad = list.find((r) => !IMAGE_REF.test(r));
  if (bad !== undefined) throw new HttpError(400, `\`${bad.slice(0, 80)}\` is not an image reference`);
  const runtime = ctx.runtime();
  if (!inspectsImages(runtime)) throw new HttpError(501, `this site's ${runtime.kind} engine cannot inspect images`);
  const images = await Promise.all(list.map(async (ref) => (await runtime.imageFacts(ref)) ?? { ref, missing: true }));
  sendJson(res, 200, { site: ctx.site, images });
}

async function getGovernor({ res, url, ctx }: Call) {
  query(url, []);
  sendJson(res, 200, { site: ctx.site, governor: ctx.governor?.() ?? null });
}

/** How events name the certificate that made a change: `operator alice`. */
function who(caller: Caller): string {
  return `${caller.role} ${caller.name}`;
}

function serviceParam(raw: string | undefined): string {
  let value: string;
  try {
    value = decodeURIComponent(raw ?? '');
  } catch {
    throw new HttpError(400, 'the service name is not valid URL encoding');
  }
  if (!SERVICE.test(value)) throw new HttpError(400, 'not a valid service name (lower-case letters, digits, _ and -)');
  return value;
}

function leaseHeader(req: IncomingMessage): string | undefined {
  const said = req.headers['x-turtle-lease'];
  return typeof said === 'string' ? said : undefined;
}

async function postLease({ req, res, url, ctx }: Call) {
  query(url, []);
  const { holder, ttlMs } = parseLeaseRequest(await readJson(req));
  const got = ctx.leases.take(holder, ttlMs);
  if ('heldBy' in got) return sendJson(res, 409, { error: `${ctx.site} is being deployed by ${describeHolder(got.heldBy)}`, heldBy: got.heldBy });
  sendJson(res, 201, { site: ctx.site, id: got.id, expiresAt: new Date(got.expiresAt).toISOString() });
}

async function renewLease({ req, res, url, params, ctx }: Call) {
  query(url, []);
  const { ttlMs } = parseLeaseRequest(await readJson(req));
  if (!ctx.leases.renew(params[0] as string, ttlMs)) throw new HttpError(409, 'this lease is not held any more (it expired or was released)');
  sendJson(res, 200, { site: ctx.site, id: params[0] });
}

async function releaseLease({ res, url, params, ctx }: Call) {
  query(url, []);
  sendJson(res, 200, { site: ctx.site, released: ctx.leases.release(params[0] as string) });
}

// The observer against two real agents (dc1 on Docker, dc2 on Podman): replication that loses and doubles
// nothing across a 60 s cut-off, an agent restart and its own restart; read-only both ways; alerts and the
// webhook; the summary API.
import assert from 'node:assert/strict';
import { METHODS, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'node:https';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { routes } from '../../src/agent/api/routes.js';
import { createRuntime } from '../../src/runtime/index.js';
import { Observer, ObserverStore, buildSummary, type Summary } from '../../src/observer/index.js';
import { engineRequest, engines, skipEngines } from '../helpers/engines.js';
import { api, until, type Identity } from '../helpers/agent.js';
import { Forwarder } from '../helpers/forwarder.js';
import { agentEvents, desiredFor, pushDesired, startTwoSites, stopTwoSites, type TwoSites } from '../helpers/observer-sites.js';

const project = `obs-${process.pid}`;

describe('turtle observer on Docker and Podman agents', { skip: skipEngines }, () => {
  let sites: TwoSites;
  const forwarders = new Map<string, Forwarder>();
  const dir = mkdtempSync(join(tmpdir(), 'turtle-observer-'));
  const storePath = join(dir, 'observer.db');
  let store: ObserverStore;
  let observer: Observer;
  let port = 0;
  let hook: Server;
  const hooked: { state: string; kind: string; site?: string; service?: string; message: string }[] = [];

  const startObserver = async () => {
    store = ObserverStore.open(storePath);
    observer = new Observer({
      sites: ['dc1', 'dc2'].map((name) => ({ name, agent: `https://127.0.0.1:${forwarders.get(name)?.port}` })),
      identity: sites.observer, store, host: '127.0.0.1', port,
      webhook: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`,
      thresholds: { unreachableMs: 2_000, driftMs: 1_000, skewMs: 1_000 },
      pull: { stateMs: 1_000, metricsMs: 1_000 },
    });
    port = (await observer.start()).port;
  };
  const stopObserver = async () => {
    await observer.stop();
    store.close();
  };
  const summary = async (): Promise<Summary> => JSON.parse((await get('/api/v1/summary')).text) as Summary;
  const get = (path: string, method = 'GET') => call(port, method, path, sites.operator);

  before(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooked.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    sites = await startTwoSites();
    for (const s of [sites.dc1, sites.dc2]) {
      const f = new Forwarder(s.port);
      await f.start();
      forwarders.set(s.site, f);
      await pushDesired(s, sites.operator, desiredFor(project, s));
    }
    await startObserver();
  });

  after(async () => {
    await stopObserver().catch(() => undefined);
    for (const f of forwarders.values()) await f.stop();
    await stopTwoSites(sites, project);
    hook.closeAllConnections();
    hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('agents refuse the observer certificate for every change', async () => {
    const samples = ['/v1/desired', '/v1/services/web/start', '/v1/services/web/stop', '/v1/services/web/restart', '/v1/lease', '/v1/lease/00000000-0000-4000-8000-000000000000'];
    const writes = routes.filter((r) => r.write);
    assert.ok(writes.length >= 2);
    for (const route of writes) {
      const paths = samples.filter((p) => route.path.test(p));
      assert.ok(paths.length > 0, `no sample path for the write route "${route.name}": add one to this test`);
      for (const site of [sites.dc1, sites.dc2]) {
        for (const path of paths) {
          const body = route.method === 'PUT' ? JSON.stringify(desiredFor(project, site, [{ name: 'web', image: 'turtle-test/web:3' }])) : undefined;
          const r = await api(site.port, sites.observer, route.method, path, body);
          assert.deepEqual([r.status, r.body], [403, { error: `role observer may not ${route.name}` }], `${route.method} ${path} on ${site.site}`);
        }
      }
    }
    const d = await api(sites.dc1.port, sites.observer, 'GET', '/v1/desired');
    assert.equal((d.body as { desired: { containers: { image: string }[] } }).desired.containers[0]?.image, 'turtle-test/web:1');
  });

  test('the observer answers 405 to every method but GET and HEAD, on every path', async () => {
    const others = METHODS.filter((m) => m !== 'GET' && m !== 'HEAD');
    assert.ok(others.length > 20);
    for (const method of others) {
      for (const path of ['/', '/api/v1/summary', '/api/v1/stream', '/assets/app.js', '/nowhere']) {
        const r = await get(path, method);
        assert.equal(r.status, 405, `${method} ${path}`);
        assert.equal(r.headers.allow, 'GET, HEAD', `${method} ${path}`);
      }
    }
    const head = await get('/api/v1/summary', 'HEAD');
    assert.deepEqual([head.status, head.text, head.headers['content-type']], [200, '', 'application/json']);
  });

  test('the observer is private: 401 without a certificate, 403 for a peer, 421 for a foreign Host; /healthz is open', async () => {
    for (const path of ['/', '/api/v1/summary', '/api/v1/stream', '/api/v1/events', '/assets/app.js']) {
      const r = await call(port, 'GET', path, undefined);
      assert.equal(r.status, 401, path);
      assert.deepEqual(JSON.parse(r.text).error, 'the observer is private: no client certificate was presented');
    }
    assert.deepEqual(JSON.parse((await call(port, 'GET', '/healthz', undefined)).text), { ok: true });
    const peer = await sites.dc1.identity('peer', 'dc2-peer');
    const refused = await call(port, 'GET', '/api/v1/summary', peer);
    assert.deepEqual([refused.status, JSON.parse(refused.text).error], [403, 'role peer may not read the observer']);
    const rebound = await call(port, 'GET', '/api/v1/summary', sites.operator, { host: 'attacker.example:8080' });
    assert.equal(rebound.status, 421);
    assert.match(JSON.parse(rebound.text).error, /^this observer answers as 127\.0\.0\.1, localhost; Host "attacker\.example:8080" is not one of them$/);
    assert.equal((await call(port, 'GET', '/api/v1/summary', sites.observer, { host: `localhost:${port}` })).status, 200);
    const page = await get('/');
    assert.match(String(page.headers['content-security-policy']), /^default-src 'none'; script-src 'self'/);
  });

  test('the observer keeps env names, never values, whatever the agent sends', async () => {
    const stored = ObserverStore.open(storePath);
    try {
      const text = JSON.stringify(stored.sites.list());
      assert.doesNotMatch(text, /"env":/);
      assert.match(text, /"envNames":\["SITE"\]/);
    } finally {
      stored.close();
    }
  });

  test('an agent serves the dashboard for its own site, to operators and observers, read-only', async () => {
    const page = await api(sites.dc2.port, sites.observer, 'GET', '/dashboard/');
    assert.equal(page.status, 200);
    assert.match(page.text, /<script src="assets\/uPlot.iife.min.js"><\/script>/);
    const uplot = await api(sites.dc2.port, sites.observer, 'GET', '/dashboard/assets/uPlot.iife.min.js');
    assert.deepEqual([uplot.status, uplot.text.length > 20_000], [200, true]);
    const view = await until('dc2 healthy in its own summary', async () => {
      const r = await api(sites.dc2.port, sites.observer, 'GET', '/dashboard/api/v1/summary');
      const v = r.body as Summary;
      return v.sites[0]?.services[0]?.status === 'healthy' ? v : undefined;
    }, 60_000);
    assert.deepEqual(view.sites.map((x) => [x.name, x.reachable, x.services.map((v) => v.name), x.drift]), [['dc2', true, ['web'], []]]);
    assert.equal((await api(sites.dc2.port, sites.observer, 'POST', '/dashboard/api/v1/summary')).status, 405);
    assert.equal((await api(sites.dc2.port, sites.observer, 'GET', '/dashboard/nothing')).status, 404);
  });

  test('both sites replicate: services healthy in /api/v1/summary, every event once, logs and samples arrive', async () => {
    const s = await until('both sites healthy in the summary', async () => {
      const v = await summary();
      const ok = v.sites.every((x) => x.reachable && x.services.length === 1 && x.services[0]?.status === 'healthy');
      return ok && v.sites.length === 2 ? v : undefined;
    }, 60_000);
    assert.deepEqual(s.sites.map((x) => [x.name, x.services.map((v) => [v.name, v.status, v.running, v.replicas, v.images.join()]), x.drift]), [
      ['dc1', [['web', 'healthy', 1, 1, 'turtle-test/web:1']], []],
      ['dc2', [['web', 'healthy', 1, 1, 'turtle-test/web:1']], []],
    ]);
    assert.deepEqual(s.skew, []);
    for (const site of [sites.dc1, sites.dc2]) {
      const theirs = agentEvents(site);
      await until(`${site.site}'s events mirrored`, async () => (store.sites.cursor(site.site) >= (theirs.at(-1)?.seq ?? 0) ? true : undefined));
      const ours = store.events.list({ site: site.site, limit: 1_000_000 }).filter((e) => e.seq <= (theirs.at(-1)?.seq ?? 0));
      assert.deepEqual(ours.map(({ appliedAt: _, ...e }) => e), theirs);
    }
    await until('log lines of both sites', async () => {
      const lines = store.logs.tail('web', undefined, 100);
      return ['dc1', 'dc2'].every((site) => lines.some((l) => l.site === site && l.text === `started web on ${site}`)) ? true : undefined;
    }, 30_000);
    await until('samples of both sites, host and turtle', async () => (['dc1', 'dc2'].every((x) => store.metrics.series(x, 0).some((m) => m.hostCpu !== undefined && m.hostMem !== undefined && m.hostMem > m.turtleMem)) ? true : undefined));
  });

  test('dc1 cut off for 60 s while it produces events, its agent and the observer restarting meanwhile: every event exactly once', async () => {
    const produced: number[] = [];
    let producing = true;
    const producer = (async () => {
      let i = 0;
      while (producing) {
        // each accepted desired state is one `desired.replaced` event on dc1
        const ok = await pushDesired(sites.dc1, sites.operator, { ...desiredFor(project, sites.dc1), specHash: createHash('sha256').update(`cut-${i++}`).digest('hex') }).then(() => true, () => false);
        if (ok) produced.push(i);
        await sleep(250);
      }
    })();
    const before = store.sites.cursor('dc1');
    forwarders.get('dc1')?.cut();
    const cutAt = Date.now();
    await sleep(20_000);
    await sites.dc1.kill(); // the agent restarts during the cut: its seq numbers carry on from its store
    await sites.dc1.start();
    await sleep(10_000);
    await stopObserver(); // and so does the observer: it resumes from its stored cursor
    assert.equal(store_cursor(storePath, 'dc1'), before, 'nothing of dc1 arrived during the cut');
    await startObserver();
    await sleep(Math.max(0, 60_000 - (Date.now() - cutAt)));
    producing = false;
    await producer;
    forwarders.get('dc1')?.heal();
    const theirs = agentEvents(sites.dc1);
    const top = theirs.at(-1)?.seq ?? 0;
    await until('dc1 caught up', async () => (store.sites.cursor('dc1') >= top ? true : undefined), 30_000);
    const ours = store.events.list({ site: 'dc1', limit: 1_000_000 }).filter((e) => e.seq <= top);
    assert.ok(produced.length >= 150, `only ${produced.length} events produced`);
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(ours.map((e) => e.seq), theirs.map((e) => e.seq));
    assert.deepEqual(ours.map(({ appliedAt: _, ...e }) => e), theirs);
    assert.equal(store.events.stats('dc1').count, new Set(store.events.list({ site: 'dc1', limit: 1_000_000 }).map((e) => e.seq)).size);
    assert.ok(theirs.filter((e) => e.seq > before && e.type === 'desired.replaced').length >= produced.length);
    assert.equal(theirs.filter((e) => e.type === 'agent.started').length, 2);
    // the cut was an alert, resolved once healed; the webhook heard both
    await until('unreachable alert resolved', async () => (hooked.some((h) => h.kind === 'site.unreachable' && h.site === 'dc1' && h.state === 'resolved') ? true : undefined), 15_000);
    assert.ok(hooked.some((h) => h.kind === 'site.unreachable' && h.site === 'dc1' && h.state === 'opened'));
  });

  test('alerts: an unhealthy service, version skew and drift are events, in the summary and sent to the webhook', async () => {
    const dc2 = sites.dc2;
    const rt = createRuntime({ kind: 'podman', endpoint: dc2.engine });
    const web = await until('web running on dc2', async () => (await rt.list(project)).find((c) => c.service === 'web' && c.state === 'running'), 60_000);
    await until('dc2/web healthy in the summary', async () => ((await summary()).sites.find((x) => x.name === 'dc2')?.services[0]?.status === 'healthy' ? true : undefined), 30_000);
    await engineRequest(dc2.engine, 'POST', `/containers/${web.id}/kill?signal=KILL`);
    await until('unhealthy alert on dc2/web', async () => (hooked.some((h) => h.kind === 'service.unhealthy' && h.site === 'dc2' && h.service === 'web' && h.state === 'opened') ? true : undefined), 30_000);
    // healed by dc2's agent, replicated, then sent: 2.4 s alone; on a machine loaded by the other suites it
    // took over 20 s, and once over 60 s (a clean-clone run, 2026-12-03; not reproduced with three busy loops)
    await until('unhealthy alert resolved', async () => (hooked.some((h) => h.kind === 'service.unhealthy' && h.site === 'dc2' && h.state === 'resolved') ? true : undefined), 120_000);

    // dc2 moves web to version 2 (skew); dc1 is asked for a service whose image does not exist (drift: a
    // missing image fails the reconcile, leaving what runs running)
    await pushDesired(dc2, sites.operator, desiredFor(project, dc2, [{ name: 'web', image: 'turtle-test/web:2' }]));
    await pushDesired(sites.dc1, sites.operator, desiredFor(project, sites.dc1, [{ name: 'web' }, { name: 'extra', image: 'turtle-test/web:missing' }]));
    const v = await until('skew and drift alerts', async () => {
      const x = await summary();
      const kinds = x.alerts.map((a) => [a.kind, a.site, a.service].filter(Boolean).join(' '));
      // the skew opens while dc2 still runs both versions (a start-first replacement): wait for it to finish
      const settled = x.skew.find((k) => k.subject === 'web')?.bySite.dc2 === 'turtle-test/web:2';
      return kinds.includes('version.skew web') && kinds.includes('drift dc1') && settled ? x : undefined;
    }, 60_000);
    assert.deepEqual(v.skew.find((k) => k.subject === 'web')?.bySite, { dc1: 'turtle-test/web:1', dc2: 'turtle-test/web:2' });
    assert.deepEqual(v.sites.find((x) => x.name === 'dc1')?.drift, ['extra#1 is missing']);
    assert.match(v.alerts.find((a) => a.kind === 'drift')?.message ?? '', /^dc1 drifted from its desired state: extra#1 is missing$/);
    await until('webhook heard skew and drift', async () => (['version.skew', 'drift'].every((k) => hooked.some((h) => h.kind === k && h.state === 'opened')) ? true : undefined), 10_000);

    await pushDesired(dc2, sites.operator, desiredFor(project, dc2));
    await pushDesired(sites.dc1, sites.operator, desiredFor(project, sites.dc1));
    await until('skew and drift resolved', async () => {
      const x = await summary();
      // a container another test makes by hand on these shared engines is rightly foreign: not this test's
      return x.alerts.filter((a) => a.kind !== 'foreign.container').length === 0 ? true : undefined;
    }, 120_000); // two replacements and a reconcile, each agent's: under load, as the heal above
    const resolved = buildSummary(store).recentAlerts.filter((a) => a.resolvedAt !== undefined).map((a) => a.kind);
    for (const kind of ['service.unhealthy', 'version.skew', 'drift']) assert.ok(resolved.includes(kind as never), kind);
  });
});

function store_cursor(path: string, site: string): number {
  const s = ObserverStore.open(path);
  try {
    return s.sites.cursor(site);
  } finally {
    s.close();
  }
}

/** One request to the observer over TLS, as `who` (undefined: no client certificate). */
function call(port: number, method: string, path: string, who: Identity | undefined, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, timeout: 5_000, rejectUnauthorized: false, headers, ...(who ? { cert: who.cert, key: who.key } : {}) }, (res) => {
      if (path === '/api/v1/stream' && res.statusCode === 200 && method === 'GET') {
        res.destroy();
        return resolve({ status: 200, text: '', headers: res.headers });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, text: '', headers: res.headers });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

// The observer's pure rules (health, drift, skew, alert conditions), its store (idempotent applying,
// retention and rollups), the read-only code path, and the Fly files.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ObserverStore, conditions, drift, serviceStatus, siteView, versionSkew, DEFAULT_THRESHOLDS, AlertManager } from '../../src/observer/index.js';
import { flyConfig } from '../../src/observer/fly.js';
import { blips } from '../../src/observer/alerts.js';
import { desired } from '../helpers/fixtures.js';
import type { TurtleEvent } from '../../src/store/index.js';

const ev = (seq: number, type = 'x', site = 'dc1'): TurtleEvent => ({ seq, site, type, time: new Date(1_000 * seq).toISOString(), message: `e${seq}` });

test('applying the same events twice, overlapping, or out of order stores each once and moves the cursor forward only', () => {
  const store = ObserverStore.open(':memory:');
  store.sites.ensure('dc1', 'https://a');
  assert.deepEqual(store.events.apply('dc1', [ev(1), ev(2), ev(5)]).map((e) => e.seq), [1, 2, 5]);
  assert.deepEqual(store.events.apply('dc1', [ev(2), ev(5), ev(7)]).map((e) => e.seq), [7]);
  assert.deepEqual(store.events.apply('dc1', [ev(3)]).map((e) => e.seq), [3]);
  assert.equal(store.sites.cursor('dc1'), 7);
  assert.deepEqual(store.events.apply('dc1', [ev(9, 'x', 'dc2')]), []);
  assert.deepEqual(store.events.stats('dc1'), { count: 5, min: 1, max: 7 });
  store.close();
});

test('samples older than the raw window are folded into 5-minute rollups; past retention both go', () => {
  const store = ObserverStore.open(':memory:');
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 300_000);
  for (let i = 0; i < 60; i++) store.metrics.add('dc1', { at: t0 + i * 10_000, turtleCpu: i, turtleMem: 100, hostCpu: 50, hostMem: 1000 });
  const r = { rawMs: 5 * 60_000, rollupMs: 3_600_000, bucketMs: 300_000 };
  store.metrics.compact(t0 + 600_000, r);
  assert.deepEqual(store.metrics.counts(), { samples: 30, rollups: 2 });
  const series = store.metrics.series('dc1', 0);
  assert.deepEqual(series[0], { at: t0, turtleCpu: 14.5, turtleMem: 100, hostCpu: 50, hostMem: 1000 });
  assert.equal(series.length, 1 + 30);
  store.metrics.compact(t0 + 5 * 3_600_000, r);
  assert.deepEqual(store.metrics.counts(), { samples: 0, rollups: 0 });
  store.close();
});

test('log lines: a resent tail is stored once; each service keeps its newest lines', () => {
  const store = ObserverStore.open(':memory:');
  const base = Date.now() - 1000;
  const line = (i: number) => ({ site: 'dc1', service: 'web', replica: 1, time: new Date(base + i).toISOString(), stream: 'stdout', text: `l${i}` });
  assert.equal(store.logs.add([line(1), line(2)]).length, 2);
  assert.equal(store.logs.add([line(2), line(3)]).length, 1);
  store.logs.prune(2, 86_400_000);
  assert.deepEqual(store.logs.tail('web', 'dc1', 10).map((l) => l.text), ['l2', 'l3']);
  store.close();
});

const want = (service: string, replica = 1, configHash = 'aaaaaaaa11', running = true) => desired(service, { replica, image: 'web:1', configHash, running });
const have = (service: string, replica = 1, configHash = 'aaaaaaaa11', state = 'running', image = 'localhost/web:1') =>
  ({ id: `${service}${replica}`, name: `p-${service}-${replica}`, project: 'p', site: 'dc1', service, replica, image, configHash, resources: {}, state, health: 'none' }) as never;

test('drift names each replica that is missing, changed, not running, running while stopped, or not wanted', () => {
  assert.deepEqual(drift('dc1', [want('web'), want('db'), want('api', 1, 'bbbbbbbb22'), want('job'), want('cron')], new Set(['cron']),
    [have('web'), have('api', 1, 'aaaaaaaa11', 'running', 'web:1'), have('job', 1, 'aaaaaaaa11', 'exited'), have('cron'), have('old')]), [
    'api#1 differs from the spec (config aaaaaaaa, wanted bbbbbbbb)',
    'cron#1 is running, should be stopped (`turtle stop`)',
    'db#1 is missing',
    'job#1 is exited, should be running',
    'old#1 is not in the desired state (container p-old-1)',
  ]);
  assert.deepEqual(drift('dc1', [want('web', 1, 'aaaaaaaa11', false)], new Set(), [have('web', 1, 'aaaaaaaa11', 'exited')]), []);
});

test('a health event applied after the last state read wins over it, in both directions', () => {
  const failing = [{ service: 'web', replica: 1, status: 'failing' as const, restarts: 1 }];
  const healthy = [{ service: 'web', replica: 1, status: 'healthy' as const, restarts: 0 }];
  assert.equal(serviceStatus('web', 1, 1, false, healthy, [], 100), 'healthy');
  assert.equal(serviceStatus('web', 1, 1, false, healthy, [{ service: 'web', replica: 1, type: 'health.failed', appliedAt: 150 }], 100), 'unhealthy');
  assert.equal(serviceStatus('web', 1, 1, false, healthy, [{ service: 'web', replica: 1, type: 'health.failed', appliedAt: 50 }], 100), 'healthy');
  assert.equal(serviceStatus('web', 1, 1, false, failing, [{ service: 'web', replica: 1, type: 'health.recovered', appliedAt: 150 }], 100), 'healthy');
  assert.equal(serviceStatus('web', 1, 0, false, failing, [], 100), 'unhealthy');
  assert.equal(serviceStatus('web', 1, 0, true, failing, [], 100), 'stopped');
  assert.equal(serviceStatus('web', 1, 0, false, [], [], 100), 'missing');
});

test('version skew: different images of a service across sites, and different specs', () => {
  const site = (name: string, image: string, specHash: string) => siteView({ site: name, agent: 'a', lastSeq: 0, lastContact: 1,
    desired: { desired: { project: 'p', specHash, containers: [want('web')] }, stopped: [] },
    observed: { containers: [have('web', 1, 'aaaaaaaa11', 'running', image)], health: [] } }, []);
  assert.deepEqual(versionSkew([site('dc1', 'localhost/web:1', 'a'.repeat(64)), site('dc2', 'web:1', 'a'.repeat(64))]), []);
  assert.deepEqual(versionSkew([site('dc1', 'web:1', 'a'.repeat(64)), site('dc2', 'web:2', 'b'.repeat(64))]), [
    { subject: 'spec', bySite: { dc1: 'aaaaaaaaaaaa', dc2: 'bbbbbbbbbbbb' } },
    { subject: 'web', bySite: { dc1: 'web:1', dc2: 'web:2' } },
  ]);
});

test('alert conditions, and the manager opens after the hold time and resolves once', () => {
  const sites = [
    { name: 'dc1', agent: 'a', reachable: false, unreachableSince: 0, lastError: 'connect ECONNREFUSED', lastSeq: 3, services: [], drift: [], foreign: ['miner (xmrig:latest)'] },
    { name: 'dc2', agent: 'b', reachable: true, lastSeq: 9, services: [{ name: 'web', replicas: 1, running: 0, status: 'unhealthy' as const, images: [], restarts: 2 }], drift: ['web#1 is exited, should be running'], foreign: ['miner (xmrig:latest)'] },
  ];
  const found = conditions({ sites, skew: [] }, 45_000, DEFAULT_THRESHOLDS);
  assert.deepEqual(found.map((c) => [c.key, c.message, c.holdMs]), [
    ['site.unreachable/dc1', 'dc1 unreachable for 45 s: connect ECONNREFUSED', 30_000],
    ['service.unhealthy/dc2/web', 'dc2/web is unhealthy (0/1 running, 2 restarts)', 0],
    ['foreign.container/dc2', 'dc2 runs containers turtle did not start: miner (xmrig:latest)', 0],
    ['drift/dc2', 'dc2 drifted from its desired state: web#1 is exited, should be running', 15_000],
  ]);
  const store = ObserverStore.open(':memory:');
  const told: string[] = [];
  const manager = new AlertManager(store, undefined, (c) => told.push(`${c.state} ${c.alert.key}`));
  manager.sync(found, 1_000);
  assert.deepEqual(told, ['opened service.unhealthy/dc2/web', 'opened foreign.container/dc2']);
  manager.sync(found, 31_000);
  assert.deepEqual(told.slice(2), ['opened site.unreachable/dc1', 'opened drift/dc2']);
  manager.sync(found, 32_000);
  manager.sync([], 33_000);
  assert.deepEqual(told.slice(4).sort(), ['resolved drift/dc2', 'resolved foreign.container/dc2', 'resolved service.unhealthy/dc2/web', 'resolved site.unreachable/dc1']);
  assert.equal(store.alerts.active().length, 0);
  store.close();
});

test('read-only by construction: the observer code sends GET to agents and POST only to the webhook', () => {
  const dir = 'src/observer';
  const found: string[] = [];
  for (const file of readdirSync(dir)) {
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    for (const m of text.matchAll(/method:\s*'([A-Z]+)'/g)) found.push(`${file} ${m[1]}`);
  }
  assert.deepEqual(found.sort(), ['reader.ts GET', 'webhook.ts POST']);
});

test('fly-config: a volume for the store, a health check, the internal port; the image runs `turtle observer`', () => {
  const files = flyConfig({ app: 'my-observer', region: 'ams', port: 8080, volume: 'turtle_observer', spec: 'examples/turtle.yaml' });
  const toml = files['fly.toml'];
  assert.match(toml, /^app = "my-observer"$/m);
  assert.match(toml, /\[\[mounts\]\]\n  source = "turtle_observer"\n  destination = "\/data"/);
  assert.match(toml, /\[checks\.healthz\]\n  type = "http"\n  port = 8080\n  path = "\/healthz"\n  protocol = "https"\n  tls_skip_verify = true/);
  assert.match(toml, /TURTLE_OBSERVER_STATE = "\/data\/observer.db"/);
  assert.match(toml, /TURTLE_OBSERVER_LISTEN = "\[::\]:8080"/);
  assert.match(files['Dockerfile.observer'], /^COPY examples\/turtle.yaml \/app\/turtle.yaml$/m);
  assert.match(files['Dockerfile.observer'], /^CMD \["node", "bin\/turtle.js", "observer"\]$/m);
});

test('fly-config is private by default: no service on Fly\'s proxy, the way in is `fly proxy`; --public passes TCP through', () => {
  const base = { app: 'my-observer', region: 'ams', port: 8080, volume: 'v', spec: 'turtle.yaml' };
  const priv = flyConfig(base)['fly.toml'];
  assert.doesNotMatch(priv, /^\s*\[\[?(http_service|services)/m);
  assert.match(priv, /^#   fly proxy 8080:8080 -a my-observer      then https:\/\/localhost:8080\/$/m);
  const pub = flyConfig({ ...base, public: true })['fly.toml'];
  assert.doesNotMatch(pub, /^\s*\[http_service\]/m);
  // TLS is not ended by Fly's proxy (no tls/http handlers): the client certificate reaches the observer
  assert.match(pub, /\[\[services\]\]\n  internal_port = 8080\n  protocol = "tcp"\n[\s\S]*\[\[services.ports\]\]\n    port = 443\n    handlers = \[\]\n/);
});

test('an outage healed within one batch of events is still an alert, opened and then resolved; a replayed backlog is not', () => {
  const at = (seq: number, type: string, service?: string): TurtleEvent => ({ ...ev(seq, type), ...(service ? { service } : {}), message: `${type} ${service ?? ''}`.trim() });
  const batch = [at(100, 'health.failed', 'web'), at(101, 'health.restarted', 'web'), at(102, 'health.recovered', 'web'), at(103, 'health.failed', 'db'), at(104, 'desired.replaced')];
  const found = blips('dc2', batch, 110_000);
  assert.deepEqual(found.map((c) => [c.key, c.message, c.holdMs]), [
    ['service.unhealthy/dc2/web', 'dc2/web is unhealthy (health.failed web)', 0],
    ['service.unhealthy/dc2/db', 'dc2/db is unhealthy (health.failed db)', 0],
  ]);
  assert.deepEqual(blips('dc2', batch, 170_000), [], 'events over a minute old are history');
  const store = ObserverStore.open(':memory:');
  const told: string[] = [];
  const manager = new AlertManager(store, undefined, (c) => told.push(`${c.state} ${c.alert.key}`));
  manager.sync(found, 110_000);
  manager.sync([], 110_000);
  assert.deepEqual([told.slice(0, 2), told.slice(2).sort()], [
    ['opened service.unhealthy/dc2/web', 'opened service.unhealthy/dc2/db'],
    ['resolved service.unhealthy/dc2/db', 'resolved service.unhealthy/dc2/web'],
  ]);
  store.close();
});

test("the observer's store is its owner's only: the file 0600, the folder turtle makes 0700", () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-observer-'));
  try {
    const store = ObserverStore.open(join(dir, 'volume', 'observer.db'));
    store.close();
    assert.equal(statSync(join(dir, 'volume', 'observer.db')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'volume')).mode & 0o777, 0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The health monitor against a fake engine and a real local HTTP endpoint standing in for the container:
// failures counted to the threshold, a restart with its events, and a busy host's slowness not counted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSpec, servicesForSite } from '../../src/spec/index.js';
import { renderSite } from '../../src/domain/render.js';
import { HealthMonitor } from '../../src/health/index.js';
import { defaultSettings } from '../../src/governor/controller.js';
import { Governor } from '../../src/governor/governor.js';
import { cgroupTree } from '../../src/governor/_paths.js';
import { Store } from '../../src/store/index.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

let server: Server;
let port = 0;
let mode: 'ok' | 'silent' | '404' = 'ok';
let requests = 0;
/** when each request arrived (ms since the epoch) */
const arrivals: number[] = [];

before(async () => {
  server = createServer((_req, res) => {
    requests++;
    arrivals.push(Date.now());
    if (mode === 'ok') res.writeHead(200).end('ok');
    else if (mode === '404') res.writeHead(404).end();
    // silent: never answers
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as { port: number }).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function site(intervalMs = 50, tickMs: number | undefined = 20, busyGraceMs?: number, hostBusy?: () => boolean) {
  const spec = parseSpec(`version: 1\nproject: p\nsites:\n  dc1: { capacity: { cpus: 2, memory: 1g } }\nservices:\n  web:\n    image: web:1\n    probe: { http: { port: ${port}, path: /health } }\n`, 'turtle.yaml', {});
  const containers = renderSite(servicesForSite(spec, 'dc1'), { project: 'p', site: 'dc1' }).map((c) => ({
    ...c, probe: { ...c.probe!, intervalMs, timeoutMs: 100, failureThreshold: 2 },
  }));
  const runtime = new FakeRuntime();
  runtime.images.add('web:1');
  const id = await runtime.create(containers[0]!);
  await runtime.start(id);
  runtime.containers.get(id)!.ipAddress = '127.0.0.1';
  runtime.calls.length = 0;
  const store = Store.open(':memory:');
  let busy = false;
  const monitor = new HealthMonitor({
    site: 'dc1', store, runtime: () => runtime, desired: () => ({ project: 'p', containers }),
    exclusive: (fn) => fn(), hostBusy: hostBusy ?? (() => busy), ...(tickMs ? { tickMs } : {}), ...(busyGraceMs ? { busyGraceMs } : {}), restartBaseMs: 50,
  });
  const types = () => store.events.list().map((e) => `${e.type}: ${e.message}`);
  /** the endpoint answering, the monitor started and the service seen healthy: where every test begins */
  const startHealthy = async () => {
    mode = 'ok';
    monitor.start();
    await until('healthy', () => monitor.health()[0]?.status === 'healthy');
  };
  return { runtime, monitor, types, startHealthy, setBusy: (b: boolean) => (busy = b), close: () => { monitor.stop(); store.close(); } };
}

async function until(what: string, fn: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a failing answer counts to the threshold, then the container is restarted and recovers', async () => {
  const s = await site();
  try {
    await s.startHealthy();
    mode = '404';
    await until('restarted', () => s.types().some((t) => t.startsWith('health.restarted')));
    mode = 'ok';
    await until('recovered', () => s.types().some((t) => t.startsWith('health.recovered')));
    assert.deepEqual(s.types().map((t) => t.replace(/after \d+ ms/, 'after N ms')), [
      'health.failed: web#1: probe failed 2 times: GET /health answered 404',
      'health.restarted: web#1 restarted (probe failed 2 times: GET /health answered 404); restart 1 in a row',
      'health.recovered: web#1 is healthy again after N ms',
    ]);
    assert.deepEqual(s.runtime.calls, ['stop c1', 'start c1']);
  } finally {
    s.close();
  }
});

test('while the governor holds turtle back, no answer in time is slowness, not a failure; a bad answer still is', async () => {
  const s = await site();
  try {
    await s.startHealthy();
    s.setBusy(true);
    mode = 'silent';
    await sleep(800); // 16 intervals, 8 times the threshold
    assert.deepEqual([s.types(), s.runtime.calls, s.monitor.health()[0]?.status], [[], [], 'healthy']);
    mode = '404';
    await until('failed', () => s.types().length > 0);
    assert.equal(s.types()[0], 'health.failed: web#1: probe failed 2 times: GET /health answered 404');
    s.setBusy(false);
    mode = 'silent';
    await until('restarted twice', () => s.types().filter((t) => t.startsWith('health.restarted')).length === 2);
    assert.match(s.types().at(-1)!, /^health\.restarted: web#1 restarted \(probe failed 2 times: GET \/health: no answer within 100 ms\); restart 2 in a row$/);
  } finally {
    mode = 'ok';
    s.close();
  }
});

test('the monitor wakes when a probe is due: a 100 ms interval is kept though passes are otherwise 1 s apart', async () => {
  const s = await site(100, undefined);
  try {
    await s.startHealthy();
    requests = 0;
    await sleep(1_000);
    const seen = requests;
    assert.ok(seen >= 9 && seen <= 11, `${seen} probes in 1 s at a 100 ms interval`);
  } finally {
    s.close();
  }
});

test('a first failure is confirmed 250 ms later, not a whole interval later; a probe that timed out, at once', async () => {
  const s = await site(1_500, undefined);
  try {
    await s.startHealthy();
    await sleep(100);
    arrivals.length = 0;
    mode = '404';
    await until('restarted', () => s.types().some((t) => t.startsWith('health.restarted')), 4_000);
    // the probe after the healthy one comes a whole interval later; the confirming one 250 ms after it
    const [first, second] = arrivals;
    assert.ok(second! - first! >= 240 && second! - first! < 450, `confirmed ${second! - first!} ms after the first failure`);
    mode = 'ok';
    await until('recovered', () => s.types().some((t) => t.startsWith('health.recovered')), 4_000);
    await sleep(100);
    arrivals.length = 0;
    mode = 'silent';
    await until('restarted again', () => s.types().filter((t) => t.startsWith('health.restarted')).length === 2, 6_000);
    // timeout 100 ms: the confirming probe is sent as soon as the first one gave up
    const [a, b] = arrivals;
    assert.ok(b! - a! >= 95 && b! - a! < 250, `confirmed ${b! - a!} ms after the first probe, which timed out after 100 ms`);
  } finally {
    mode = 'ok';
    s.close();
  }
});

test('on a busy host a service that stays unanswered longer than the grace is restarted all the same', async () => {
  const s = await site(50, 20, 700);
  try {
    await s.startHealthy();
    s.setBusy(true);
    mode = 'silent';
    const hung = Date.now();
    await until('restarted', () => s.types().some((t) => t.startsWith('health.restarted')));
    const after = Date.now() - hung;
    assert.ok(after >= 700 && after < 1_500, `restarted ${after} ms after it stopped answering (grace 700 ms)`);
    assert.match(s.types()[0]!, /^health\.failed: web#1: probe failed 2 times: GET \/health: no answer within 100 ms$/);
  } finally {
    mode = 'ok';
    s.close();
  }
});

test("the grace follows the governor's busy reading, not its cap: capped but calm, a hang is confirmed after the normal timeouts", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-grace-'));
  // a governor of its own (cgroup tree and lock in a temporary directory) on this host's real /proc readings;
  // busyAbove 0 makes any reading busy, calmBelow -1 none calm (the cap is never lifted), and thresholds no
  // host reaches none busy
  const host = { cpus: 2, memTotalBytes: 4 * 2 ** 30 };
  const busy = { ...defaultSettings(host), busyAbove: 0, calmBelow: -1 };
  const notBusy = { ...busy, busyAbove: 1e9, memoryPressureAbove: 1e9, ioPressureAbove: 1e9 };
  const g = new Governor({ site: 'dc1', events: { append: () => undefined }, settings: busy, tree: cgroupTree(2, join(dir, 'cg'), 'turtle-unit'), lockDir: dir });
  const s = await site(50, 20, undefined, () => g.hostBusy());
  try {
    await g.tick();
    assert.deepEqual([g.snapshot().mode, g.hostBusy()], ['capped', true]);
    assert.match(g.snapshot().busy ?? '', /^the host's own work uses \d+% of its CPU$/);
    await s.startHealthy();
    mode = 'silent';
    await sleep(600); // a dozen intervals: under the 30 s grace nothing counts while the reading is busy
    assert.deepEqual([s.types(), s.runtime.calls], [[], []]);
    // the load is gone, the cap is not (never calm: it is lifted only after 10 s of calm)
    g.setSettings(notBusy);
    await g.tick();
    assert.deepEqual([g.snapshot().mode, g.hostBusy(), g.snapshot().busy], ['capped', false, null]);
    const calmAt = Date.now();
    await until('restarted', () => s.types().some((t) => t.startsWith('health.restarted')));
    // two probes of 100 ms timing out, the second sent at once: well under a second, not the 30 s grace
    const after = Date.now() - calmAt;
    assert.ok(after < 1_000, `restarted ${after} ms after the host stopped being busy`);
    assert.deepEqual(s.types().slice(0, 2), [
      'health.failed: web#1: probe failed 2 times: GET /health: no answer within 100 ms',
      'health.restarted: web#1 restarted (probe failed 2 times: GET /health: no answer within 100 ms); restart 1 in a row',
    ]);
  } finally {
    mode = 'ok';
    s.close();
    await g.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an exit the engine reports is restarted at once, without waiting for a fresh listing of the containers', async () => {
  const s = await site(60_000, 1_000); // probes and passes far apart: only the event can cause the restart
  try {
    await s.startHealthy();
    const [id, c] = [...s.runtime.containers.entries()][0]!;
    // a slow engine listing (a loaded router): the restart must not wait for it
    const list = s.runtime.list.bind(s.runtime);
    s.runtime.list = async (project) => (await sleep(2_000), list(project));
    c.state = 'exited';
    c.exitCode = 137;
    const died = Date.now();
    s.monitor.noteEvent({ id, action: 'die', time: new Date().toISOString(), exitCode: 137 });
    await until('restarted', () => s.types().some((t) => t.startsWith('health.restarted')), 1_500);
    const after = Date.now() - died;
    assert.ok(after < 500, `restarted ${after} ms after the exit (the listing takes 2 s)`);
    assert.deepEqual([s.runtime.calls, s.types()], [
      [`start ${id}`],
      ['health.failed: web#1: exited with code 137', 'health.restarted: web#1 restarted (exited with code 137); restart 1 in a row'],
    ]);
  } finally {
    s.close();
  }
});

// The issue's rollout evidence on the three-site test bed, through the real CLI and the sites' agents:
// a broken version (its health check fails) rolled out with order [dc2, dc1] is caught on dc2, never
// reaches dc1, and dc2 ends on the previous version, while clients of both sites (through each site's
// proxy) see no failed request. Then a good version rolls out to both, and `turtle rollback` takes both back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { until, type Identity } from '../helpers/agent.js';
import { Workdir } from '../helpers/cli.js';
import { cutSite, healSite, siteApi, skipTestbed, testbed, testbedDown, testbedIdentity, testbedScript, testbedUp } from '../helpers/testbed.js';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { TurtleEvent } from '../../src/store/index.js';

const PORT = 18_481;
const project = `rotb-${process.pid}`;
const SITES = ['dc1', 'dc2'] as const;

const spec = (image: string, unreachable = 'wait', bake = '3s') => `version: 1
project: ${project}
sites:
  dc1: { runtime: docker, agent: "${testbed.sites.dc1.agent}", capacity: { cpus: 2, memory: 2g } }
  dc2: { runtime: podman, agent: "${testbed.sites.dc2.agent}", capacity: { cpus: 2, memory: 2g } }
  dc3: { role: observer, runtime: docker }
services:
  web:
    image: turtle-test/web:${image}
    ports: ["${PORT}:80"]
    proxy: http
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 1s, timeout: 10s, retries: 3 }
    update: { min_healthy: 1s, drain_timeout: 3s }
rollout: { order: [dc2, dc1], bake: ${bake}, unreachable: ${unreachable}, wait_timeout: 2m }
`;

interface DeployJson {
  id: number;
  version: string;
  outcome: string;
  sites: { site: string; outcome: string; version?: string; error?: string; rollback?: { error?: string } }[];
}

/** One request to a site's proxy, no retry: what it serves, or the error a client would see. */
async function request(site: 'dc1' | 'dc2'): Promise<string> {
  const res = await fetch(`http://${testbed.sites[site].address}:${PORT}/`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${site}: HTTP ${res.status}`);
  return (await res.text()).trim();
}

/**
 * What a site's proxy serves, for checks of the version (not of availability: `underLoad` counts every
 * failure). A failed connection is tried again for up to 10 s: right after a heal a site takes a moment to
 * be reachable again.
 */
async function served(site: 'dc1' | 'dc2'): Promise<string> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      return await request(site);
    } catch (err) {
      if (Date.now() > end || /HTTP \d+/.test(String(err))) throw err;
      await sleep(250);
    }
  }
}

/** Requests both sites without pause while `during` runs, each once (no retry); every request and every failure counted. */
async function underLoad<T>(during: () => Promise<T>): Promise<{ value: T; requests: number; failures: string[] }> {
  let loading = true;
  let requests = 0;
  const failures: string[] = [];
  const loops = SITES.map(async (site) => {
    while (loading) {
      requests++;
      try {
        await request(site);
      } catch (err) {
        failures.push(`${site}: ${String(err)}`);
        await sleep(100);
      }
    }
  });
  try {
    return { value: await during(), requests, failures };
  } finally {
    loading = false;
    await Promise.all(loops);
  }
}

describe('a rollout across the test bed (dc2 canary, then dc1)', { skip: skipTestbed, timeout: 900_000 }, () => {
  const work = new Workdir();
  let operator: Identity;
  let broughtUp = false;
  const deploy = async (args: string[] = ['deploy']) => {
    const r = await work.run([...args, '--json', '--identity', testbed.tls.operator]);
    return { ...r, result: JSON.parse(r.stdout) as DeployJson };
  };
  /**
   * Both sites on turtle-test/web:IMAGE, whatever ran before: each test starts from a known version instead
   * of the one an earlier test left (in file order this deploy has nothing to do).
   */
  const onVersion = async (image: string) => {
    work.write(spec(image));
    const r = await deploy();
    assert.equal(r.code, 0, r.stderr);
    for (const site of SITES) await until(`web ${image} at ${site}`, async () => ((await served(site).catch(() => '')) === `web ${image}` ? true : undefined), 60_000);
  };
  const desiredOf = async (site: 'dc1' | 'dc2') => (await siteApi(site, operator, 'GET', '/v1/desired')).body as { desired: { specHash: string } | null };
  const eventsOf = async (site: 'dc1' | 'dc2', after: number) => ((await siteApi(site, operator, 'GET', `/v1/events?after=${after}&limit=10000`)).body as { events: TurtleEvent[] }).events;

  before(async () => {
    broughtUp = !/dc1 10\.231\.0\.11: link UP; engine: docker up; agent .*: answers/.test((await testbedScript('status')).output);
    if (broughtUp) await testbedUp();
    operator = testbedIdentity('operator');
  });
  after(async () => {
    await healSite('dc1').catch(() => undefined);
    for (const site of SITES) {
      await siteApi(site, operator, 'PUT', '/v1/desired', { body: JSON.stringify({ project, specHash: '0'.repeat(64), containers: [] }) }).catch(() => undefined);
    }
    await sleep(3_000);
    if (broughtUp) await testbedDown();
    work.remove();
  });

  test('a broken version never reaches dc1; dc2 is back on the previous version; no client saw an error', async () => {
    await onVersion('1');
    const first = await deploy(); // the same spec again: its version, with nothing to do
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.result.sites.map((s) => [s.site, s.outcome]), [['dc2', 'no-op'], ['dc1', 'no-op']]);
    const dc1Seq = (await eventsOf('dc1', 0)).at(-1)?.seq ?? 0;

    work.write(spec('broken'));
    const { value: broken, requests, failures } = await underLoad(() => deploy());
    assert.equal(broken.code, 3, broken.stderr);
    assert.match(broken.stderr, /^error: deployment \d+ failed on dc2; every site it changed is back on its previous version$/m);
    assert.equal(broken.result.outcome, 'rolled-back');
    assert.deepEqual(broken.result.sites.map((s) => [s.site, s.outcome, s.version]), [['dc2', 'rolled-back', first.result.version], ['dc1', 'skipped', undefined]]);
    assert.match(broken.result.sites[0]?.error ?? '', /web#1 became unhealthy/);
    // dc1 never received it: no push reached its agent since the first deployment
    assert.deepEqual((await eventsOf('dc1', dc1Seq)).filter((e) => e.type.startsWith('desired.')), []);
    assert.equal((await desiredOf('dc1')).desired?.specHash, first.result.version);
    // dc2 keeps the previous version as its desired state and serves it
    assert.equal((await desiredOf('dc2')).desired?.specHash, first.result.version);
    assert.deepEqual([await served('dc2'), await served('dc1')], ['web 1', 'web 1']);
    console.log(`broken version rolled out [dc2, dc1]: ${requests} requests during it; failures: ${failures.length}`);
    assert.deepEqual(failures, []);
    assert.ok(requests > 0, 'the clients ran during the rollout');

    const status = JSON.parse((await work.run(['status', '--json', '--identity', testbed.tls.operator])).stdout) as { skew: unknown[] };
    assert.deepEqual(status.skew, []);
  });

  test('a good version reaches both sites in order; turtle rollback takes both back', async () => {
    await onVersion('1'); // the release rollback goes back to
    work.write(spec('2'));
    const good = await deploy();
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(good.result.sites.map((s) => [s.site, s.outcome]), [['dc2', 'succeeded'], ['dc1', 'succeeded']]);
    assert.deepEqual([await served('dc2'), await served('dc1')], ['web 2', 'web 2']);

    const { value: back, requests, failures } = await underLoad(() => deploy(['rollback']));
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.result.outcome, 'succeeded');
    assert.deepEqual(back.result.sites.map((s) => s.site), ['dc2', 'dc1']);
    assert.deepEqual([await served('dc2'), await served('dc1')], ['web 1', 'web 1']);
    for (const site of SITES) assert.equal((await desiredOf(site)).desired?.specHash, back.result.version);
    console.log(`rollback [dc2, dc1]: ${requests} requests during it; failures: ${failures.length}`);
    assert.deepEqual(failures, []);
    assert.ok(requests > 0, 'the clients ran during the rollback');
  });

  // It once failed 1 in 3 CI runs ("the wait line never came"): the client's 10 s connect limit did nothing
  // (node relays a socket's timeout to a request only when the request has its own `timeout`), so a connect
  // to the cut-off dc1 took until the kernel gave up (EHOSTUNREACH after 38.6 s on the test bed here, against
  // ETIMEDOUT at 10.0 s now): with the 15 s bake that is close to the 60 s this test waits for the line.
  test('dc1 cut off while dc2 bakes: the rollout waits, and dc1 is updated once it is back', async () => {
    await onVersion('1'); // dc2 has something to do, so it bakes
    // a bake long enough that dc1 is cut off before the rollout reaches it
    work.write(spec('3', 'wait', '15s'));
    // without --json: the progress lines on stderr say when dc2 bakes and when the rollout waits for dc1
    const child = spawn(process.execPath, [resolve('bin/turtle.js'), '-f', work.spec, 'deploy', '--identity', testbed.tls.operator], {
      env: { ...process.env, TURTLE_STATE: join(work.dir, 'state.db') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    await until('dc2 baking', async () => (/dc2: converged; watching it/.test(stderr) ? true : undefined), 120_000);
    await cutSite('dc1');
    // matched up to its parenthesis: what follows (the time left) is a status that updates in place on a terminal
    await until('the rollout waiting for dc1', async () => (/dc1: unreachable \(.*\); waiting for it/.test(stderr) ? true : undefined), 60_000);
    await sleep(5_000);
    await healSite('dc1');
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /^deployment \d+ \(version [0-9a-f]{12}\): succeeded \(dc2 succeeded, dc1 succeeded\)$/m);
    assert.deepEqual([await served('dc2'), await served('dc1')], ['web 3', 'web 3']);
  });

  test('with unreachable: skip a site down at the start is left pending; the next deploy brings only it up to date', async () => {
    await onVersion('3');
    work.write(spec('2', 'skip'));
    const dc1Before = await served('dc1');
    await cutSite('dc1');
    const pending = await deploy();
    await healSite('dc1');
    assert.equal(pending.code, 4, pending.stderr);
    assert.match(pending.stderr, /^error: deployment \d+: dc1 could not be reached and did not get version [0-9a-f]{12}$/m);
    assert.deepEqual(pending.result.sites.map((s) => [s.site, s.outcome]), [['dc2', 'succeeded'], ['dc1', 'pending']]);
    assert.equal(await served('dc2'), 'web 2');
    assert.equal(await served('dc1'), dc1Before);
    const later = await deploy();
    assert.equal(later.code, 0, later.stderr);
    assert.deepEqual(later.result.sites.map((s) => [s.site, s.outcome]), [['dc2', 'no-op'], ['dc1', 'succeeded']]);
    assert.equal(await served('dc1'), 'web 2');
  });
});

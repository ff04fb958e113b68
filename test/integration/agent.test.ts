// The site agent as a real process on real Docker: mutual TLS and roles, strict input (fuzzed), continuous
// reconcile and healing, recovery after kill -9 mid-deploy, and Prometheus metrics.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { revokeCert } from '../../src/pki/index.js';
import type { ObservedContainer } from '../../src/domain/types.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import { AgentFixture, api, until, type Identity } from '../helpers/agent.js';
import { desiredState } from '../helpers/desired.js';

const engine = engines()[0]!;
const project = `agent-${process.pid}`;

function desired(image = 'turtle-test/web:1', healthInterval = '500ms') {
  return desiredState(`version: 1
project: ${project}
sites:
  dc1: { runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g } }
services:
  db:
    image: turtle-test/web:1
    probe: { http: { port: 80, path: /health } }
  web:
    image: ${image}
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: ${healthInterval}, timeout: 1s, retries: 2 }
    probe: { http: { port: 80, path: /health } }
    depends_on: { db: { condition: service_healthy } }
`, 'dc1');
}

describe(`turtle agent on ${engine.kind}`, { skip: skipEngines }, () => {
  const agent = new AgentFixture('dc1', engine.kind, engine.endpoint);
  const rt = createRuntime(engine);
  let operator: Identity;
  let observer: Identity;
  const mine = async () => (await rt.list(project)).sort((a, b) => a.service.localeCompare(b.service));
  const running = (cs: ObservedContainer[]) => cs.map((c) => `${c.service}#${c.replica}:${c.image}:${c.state}`);
  const events = async (after = 0) => (await api(agent.port, observer, 'GET', `/v1/events?after=${after}`)).body as { events: { seq: number; type: string; service?: string; site: string; time: string; message: string; data?: Record<string, unknown> }[] };

  before(async () => {
    await agent.init();
    operator = await agent.identity('operator', 'alice');
    observer = await agent.identity('observer', 'bob');
    await agent.start();
  });
  after(async () => {
    await agent.kill();
    await removeProject(rt, project);
    agent.remove();
  });

  test('mutual TLS only: no certificate fails the handshake; observers read but get 403 on writes', async () => {
    await assert.rejects(api(agent.port, undefined, 'GET', '/v1/desired', undefined, {}, operator.ca), /certificate|socket hang up|ECONNRESET|alert/);
    const read = await api(agent.port, observer, 'GET', '/v1/desired');
    assert.deepEqual([read.status, read.body], [200, { site: 'dc1', desired: null, stopped: [] }]);
    const write = await api(agent.port, observer, 'PUT', '/v1/desired', JSON.stringify(desired()));
    assert.deepEqual([write.status, write.body], [403, { error: 'role observer may not replace desired state' }]);
    const act = await api(agent.port, observer, 'POST', '/v1/services/web/restart');
    assert.deepEqual([act.status, act.body], [403, { error: 'role observer may not act on a service' }]);
  });

  test('an operator pushes desired state; the agent converges, dependencies first', async () => {
    const put = await api(agent.port, operator, 'PUT', '/v1/desired', JSON.stringify(desired()));
    assert.deepEqual([put.status, (put.body as { containers: number }).containers], [202, 2]);
    const cs = await until('both containers running', async () => {
      const c = await mine();
      return running(c).join() === 'db#1:turtle-test/web:1:running,web#1:turtle-test/web:1:running' ? c : undefined;
    });
    assert.equal(cs.length, 2);
    const ev = (await events()).events;
    assert.ok(ev.every((e) => e.site === 'dc1' && typeof e.time === 'string' && e.seq > 0));
    assert.deepEqual(ev.map((e) => e.seq), [...ev.map((e) => e.seq)].sort((a, b) => a - b));
    assert.equal(ev.find((e) => e.type === 'governor.cgroups')?.message.startsWith("turtle's containers run under /turtle (cgroup v"), true);
    const done = ev.find((e) => e.type === 'reconcile.succeeded');
    assert.deepEqual(done?.data?.steps, [`create network ${project}_default done`, 'create db#1 (turtle-test/web:1) done', 'create web#1 (turtle-test/web:1) done']);
  });

  // Runs straight after the first push: the agent must already follow the engine's events (it used to wait
  // a whole resync before subscribing, and a resync then started the container with no health events).
  test('a killed process and a failing health endpoint are detected within 3 s and healed', async () => {
    const from = (await events()).events.at(-1)?.seq ?? 0;
    const web = (await mine()).find((c) => c.service === 'web')!;
    const killed = Date.now();
    await engineRequest(engine.endpoint, 'POST', `/containers/${web.id}/kill?signal=KILL`);
    const recovered = await until('web healthy again', async () => (await events(from)).events.find((e) => e.type === 'health.recovered' && e.service === 'web'));
    const web1 = (await events(from)).events.filter((e) => e.service === 'web').map((e) => e.type);
    assert.deepEqual(web1, ['health.failed', 'health.restarted', 'health.recovered']);
    const failed = (await events(from)).events.find((e) => e.type === 'health.failed' && e.service === 'web')!;
    assert.equal(failed.data?.reason, 'exited with code 137');
    assert.ok(Date.parse(failed.time) - killed <= 1_000, `detected after ${Date.parse(failed.time) - killed} ms`);
    assert.ok(Date.parse(recovered.time) - killed < 10_000);

    const db = (await mine()).find((c) => c.service === 'db')!;
    const from2 = (await events()).events.at(-1)?.seq ?? 0;
    const broke = Date.now();
    // the health file goes away: busybox httpd answers 404 while the process keeps running
    await engineRequest(engine.endpoint, 'POST', `/containers/${db.id}/exec`, { Cmd: ['/bin/busybox', 'rm', '-f', '/www/health'] }).then((r) =>
      engineRequest(engine.endpoint, 'POST', `/exec/${(r.body as { Id: string }).Id}/start`, { Detach: true }),
    );
    const dbFailed = await until('db failing noticed', async () => (await events(from2)).events.find((e) => e.type === 'health.failed' && e.service === 'db'));
    assert.ok(Date.parse(dbFailed.time) - broke <= 3_000, `detected after ${Date.parse(dbFailed.time) - broke} ms`);
    assert.match(String(dbFailed.data?.reason), /^probe failed 2 times: GET \/health answered 404$/);
  });

  // The engine's restart policy (or a resync) may start a killed container before the agent looks at it:
  // the exit still counts, from the engine's `die` event, and recovery is reported once the probe passes.
  test('an exit is a failure even when the container runs again before the agent looks', async () => {
    const healthy = async () => ((await api(agent.port, observer, 'GET', '/v1/observed')).body as { health: { service: string; status: string }[] }).health.find((h) => h.service === 'web' && h.status === 'healthy');
    await until('web healthy', healthy);
    const from = (await events()).events.at(-1)?.seq ?? 0;
    const web = (await mine()).find((c) => c.service === 'web')!;
    await engineRequest(engine.endpoint, 'POST', `/containers/${web.id}/kill?signal=KILL`);
    await engineRequest(engine.endpoint, 'POST', `/containers/${web.id}/start`);
    const recovered = await until('web healthy again', async () => (await events(from)).events.find((e) => e.type === 'health.recovered' && e.service === 'web'));
    const failed = (await events(from)).events.find((e) => e.type === 'health.failed' && e.service === 'web')!;
    assert.equal(failed.data?.reason, 'exited with code 137');
    assert.ok(Date.parse(recovered.time) >= Date.parse(failed.time));
    assert.deepEqual((await mine()).filter((c) => c.service === 'web').map((c) => [c.id, c.state]), [[web.id, 'running']]);
  });

  test('a container deleted by hand comes back without a human', async () => {
    const web = (await mine()).find((c) => c.service === 'web')!;
    await rt.remove(web.id);
    await until('web re-created', async () => {
      const c = (await mine()).find((x) => x.service === 'web' && x.state === 'running');
      return c && c.id !== web.id ? c : undefined;
    });
  });

  test('2,000 malformed requests get a 4xx JSON error; the agent keeps running and its state is unchanged', async () => {
    const before = (await api(agent.port, operator, 'GET', '/v1/desired')).text;
    const good = desired();
    const bads: [string, string, string | Buffer | undefined, Record<string, string>?][] = [];
    const mutate = (i: number): unknown => {
      const d = structuredClone(good) as unknown as Record<string, unknown> & { containers: Record<string, unknown>[] };
      const c = d.containers[0]!;
      switch (i % 12) {
        case 0: return { ...d, extra: i };
        case 1: return { ...d, containers: 'no' };
        case 2: c.service = `../etc${i}`; return d;
        case 3: c.image = `web\u0000${i}`; return d;
        case 4: c.replica = -i; return d;
        case 5: c.site = 'dc2'; return d;
        case 6: c.ports = [{ container: 70_000 + i, protocol: 'tcp' }]; return d;
        case 7: c.unknown = true; return d;
        case 8: delete c.configHash; return d;
        case 9: c.env = { [`K${i}`]: 5 }; return d;
        case 10: c.probe = { check: { kind: 'http', port: 80, path: '../x' }, intervalMs: 1000, timeoutMs: 800, failureThreshold: 2, startPeriodMs: 0 }; return d;
        default: return [i];
      }
    };
    for (let i = 0; i < 2_000; i++) {
      switch (i % 8) {
        case 0: bads.push(['PUT', '/v1/desired', JSON.stringify(mutate(i))]); break;
        case 1: bads.push(['PUT', '/v1/desired', `{"project": "p", ${'x'.repeat(i % 50)}`]); break;
        case 2: bads.push(['PUT', '/v1/desired', Buffer.alloc(1024 * 1024 + 1 + i, 0x20)]); break;
        case 3: bads.push(['POST', `/v1/services/${encodeURIComponent(['../web', 'web\u0007', 'WEB', '%zz', 'a'.repeat(80)][i % 5]!)}/restart`, undefined]); break;
        case 4: bads.push(['GET', `/v1/events?after=${['-1', 'x', '1e9999', '1&after=2', ''][i % 5]}`, undefined]); break;
        case 5: bads.push(['GET', `/v1/services/web/logs?tail=${['-5', 'many', '1&bogus=1'][i % 3]}`, undefined]); break;
        case 6: bads.push(['PUT', '/v1/desired', JSON.stringify(good), { 'content-type': 'text/plain' }]); break;
        default: bads.push([['DELETE', 'PATCH', 'POST'][Math.floor(i / 8) % 3]!, ['/v1/desired', '/v1/desired/../../etc/passwd', '/v1/nothing', '/v1/services/web/explode'][Math.floor(i / 8) % 4]!, undefined]); break;
      }
    }
    const statuses = new Map<number, number>();
    for (let i = 0; i < bads.length; i += 20) {
      const replies = await Promise.all(bads.slice(i, i + 20).map(([m, p, b, h]) => api(agent.port, operator, m, p, b, h)));
      for (const [j, r] of replies.entries()) {
        const [m, p] = bads[i + j]!;
        assert.ok(r.status >= 400 && r.status < 500, `${m} ${p.slice(0, 80)} -> ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(typeof (r.body as { error?: unknown }).error, 'string', `${m} ${p.slice(0, 80)}: ${r.text.slice(0, 200)}`);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }
    assert.equal([...statuses.values()].reduce((a, b) => a + b, 0), 2_000);
    assert.deepEqual([...statuses.keys()].sort(), [400, 404, 405, 413, 415]);
    assert.equal(agent.child?.exitCode, null);
    assert.equal((await api(agent.port, operator, 'GET', '/v1/desired')).text, before);
  });

  test('/metrics is Prometheus text that promtool accepts', async () => {
    const r = await api(agent.port, observer, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, /^turtle_agent_reconciles_total\{outcome="succeeded"\} \d+$/m);
    assert.match(r.text, /^turtle_agent_engine_up 1$/m);
    // promtool is not optional: scripts/test.sh installs it (Debian's prometheus package); missing, this fails
    const check = spawnSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool is missing: bash scripts/test.sh installs it, or apt-get install --no-install-recommends prometheus');
    // Exit 3 is "parsed, with lint problems" (1 would be text Prometheus cannot read). The only problems are
    // prom-client's default Node metrics, gauges it names *_total; any other problem fails here.
    const lint = ['handles', 'requests', 'resources'].map((n) => `nodejs_active_${n}_total non-counter metrics should not have "_total" suffix\n`).join('');
    assert.deepEqual([check.status, check.stdout, check.stderr], [3, '', lint]);
  });

  test('after kill -9 in the middle of a replacement, the restarted agent leaves exactly the desired containers', async () => {
    const put = await api(agent.port, operator, 'PUT', '/v1/desired', JSON.stringify(desired('turtle-test/web:2', '2s')));
    assert.equal(put.status, 202);
    // the new web:2 container exists while it waits to be healthy: that is the middle of the step
    await until('the replacement under way', async () => ((await mine()).some((c) => c.image === 'turtle-test/web:2') ? true : undefined), 20_000);
    await agent.kill('SIGKILL');
    const during = running(await mine());
    assert.ok(during.length >= 2, during.join());
    await agent.start();
    const final = await until('converged after restart', async () => {
      const cs = await mine();
      return running(cs).join() === 'db#1:turtle-test/web:1:running,web#1:turtle-test/web:2:running' ? cs : undefined;
    }, 60_000);
    assert.equal(final.length, 2);
    const types = (await events()).events.map((e) => e.type);
    // one step was in flight (web#1's replacement): one journal entry recovered
    assert.equal(types.filter((t) => t === 'journal.recovered').length, 1, types.join());
  });

  test('a revoked operator certificate is refused at the handshake, also on a connection opened before', async () => {
    await revokeCert(agent.caDir, 'alice');
    execFileSync('cp', [`${agent.caDir}/crl.pem`, `${agent.tlsDir}/crl.pem`]);
    await until('refused', async () => {
      try {
        await api(agent.port, operator, 'GET', '/v1/desired');
        return undefined;
      } catch (err) {
        return /revoked|alert|ECONNRESET|socket hang up/.test(String(err)) ? true : undefined;
      }
    }, 10_000);
    // everyone else still gets in
    assert.equal((await api(agent.port, observer, 'GET', '/v1/desired')).status, 200);
  });
});

// The deployment lease on a real agent (Docker): one holder at a time over mutual TLS, a desired state
// pushed without the live lease refused, observers refused, and the real CLI waiting or giving up on a
// site another deployment holds; an agent that cannot be reached locks nothing and changes nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueCert } from '../../src/pki/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { AgentFixture, api, type Identity } from '../helpers/agent.js';
import { desiredState } from '../helpers/desired.js';

describe('the deployment lease on an agent', { skip: skipEngines }, () => {
  const [docker] = engines() as [ReturnType<typeof engines>[number]];
  const project = `lease-${process.pid}`;
  const agent = new AgentFixture('dc1', docker.kind, docker.endpoint);
  const work = new Workdir();
  const identity = join(work.dir, 'identity');
  const rt = createRuntime(docker);
  let operator: Identity;
  let observer: Identity;
  const spec = (image: string) => `version: 1
project: ${project}
sites:
  dc1: { runtime: docker, engine: "${docker.endpoint}", agent: "https://127.0.0.1:${agent.port}", capacity: { cpus: 2, memory: 2g } }
services:
  web: { image: ${image} }
`;
  const holder = { who: 'carol@ci', host: 'ci-runner', pid: 4242, command: 'deploy', deployment: 9, since: '2026-12-02T10:00:00.000Z' };
  const take = () => api(agent.port, operator, 'POST', '/v1/lease', JSON.stringify({ holder, ttlMs: 60_000 }));

  before(async () => {
    await agent.init();
    await agent.start();
    await issueCert(agent.caDir, { role: 'operator', name: 'alice', out: identity });
    operator = await agent.identity('operator', 'bob');
    observer = await agent.identity('observer', 'eve');
  });
  after(async () => {
    await agent.kill();
    await removeProject(rt, project);
    agent.remove();
    work.remove();
  });

  test('one holder at a time; a push without the lease is refused naming the holder, with it accepted; observers may not take it', async () => {
    const first = await take();
    assert.equal(first.status, 201);
    const id = (first.body as { id: string }).id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    const second = await take();
    assert.equal(second.status, 409);
    const { error, heldBy } = second.body as { error: string; heldBy: unknown };
    assert.deepEqual(heldBy, holder);
    assert.match(error, /^dc1 is being deployed by deployment 9 \(`turtle deploy`\) by carol@ci, pid 4242, since 2026-12-02T10:00:00\.000Z \(\d+ s ago\)$/);
    const body = JSON.stringify(desiredState(spec('turtle-test/web:1'), 'dc1'));
    const refused = await api(agent.port, operator, 'PUT', '/v1/desired', body);
    assert.equal(refused.status, 409);
    assert.match((refused.body as { error: string }).error, /^dc1 is being deployed by deployment 9 \(`turtle deploy`\) by carol@ci, pid 4242, since /);
    assert.equal((await api(agent.port, operator, 'PUT', '/v1/desired', body, { 'x-turtle-lease': id })).status, 202);
    assert.equal((await api(agent.port, observer, 'POST', '/v1/lease', JSON.stringify({ holder, ttlMs: 60_000 }))).status, 403);
    assert.equal((await api(agent.port, operator, 'POST', `/v1/lease/${id}`, JSON.stringify({ ttlMs: 60_000 }))).status, 200);
    assert.equal((await api(agent.port, operator, 'POST', '/v1/lease', JSON.stringify({ ttlMs: 5 }))).status, 400);
    assert.deepEqual((await api(agent.port, operator, 'DELETE', `/v1/lease/${id}`, '{}')).body, { site: 'dc1', released: true });
    assert.equal((await api(agent.port, operator, 'POST', `/v1/lease/${id}`, JSON.stringify({ ttlMs: 60_000 }))).status, 409);
  });

  test('the CLI: --no-wait on a held site exits 5 naming the holder and changes nothing; once released, the deploy goes through', async () => {
    work.write(spec('turtle-test/web:2'));
    const lease = await take();
    assert.equal(lease.status, 201);
    const before = await api(agent.port, operator, 'GET', '/v1/desired');
    const refused = await work.run(['deploy', '--no-wait'], { TURTLE_IDENTITY: identity });
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /^error: dc1 is being deployed by deployment 9 \(`turtle deploy`\) by carol@ci, pid 4242, since 2026-12-02T10:00:00\.000Z \(\d+ s ago\)$/m);
    assert.deepEqual((await api(agent.port, operator, 'GET', '/v1/desired')).body, before.body);
    await api(agent.port, operator, 'DELETE', `/v1/lease/${(lease.body as { id: string }).id}`, '{}');
    const ok = await work.run(['deploy'], { TURTLE_IDENTITY: identity });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual((await rt.list(project)).map((c) => c.image), ['turtle-test/web:2']);
    // the deploy let its lease go: another may take it at once
    const again = await take();
    assert.equal(again.status, 201);
    await api(agent.port, operator, 'DELETE', `/v1/lease/${(again.body as { id: string }).id}`, '{}');
  });

  test('an unreachable agent: the deploy exits 4 before it locks or changes any site', async () => {
    work.write(spec('turtle-test/web:3'));
    await agent.kill();
    const r = await work.run(['deploy'], { TURTLE_IDENTITY: identity });
    assert.equal(r.code, 4, r.stderr);
    assert.doesNotMatch(r.stderr, /being deployed by/);
    assert.deepEqual((await rt.list(project)).map((c) => c.image), ['turtle-test/web:2']);
  });
});

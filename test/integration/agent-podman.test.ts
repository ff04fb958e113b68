// The agent on Podman, through an API service of its own (the same storage as the shared test Podman, on a
// socket only this suite uses): converge, heal, and an engine that goes away and comes back while a
// container is deleted by hand, then a restart of the agent itself. No human step anywhere.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import { AgentFixture, api, until, type Identity } from '../helpers/agent.js';
import { desiredState } from '../helpers/desired.js';

const shared = engines()[1]!;
const socket = `/run/turtle-test/podman-agent-${process.pid}.sock`;
const endpoint = `unix://${socket}`;
const project = `agent-podman-${process.pid}`;

/** `podman system service` on its own socket, over the storage the shared test engine uses. */
function startService(): ChildProcess {
  return spawn('podman', ['--root', '/var/lib/turtle-test/podman', '--runroot', '/run/turtle-test/podman-run', 'system', 'service', '--time=0', endpoint], { stdio: 'ignore' });
}

function desired() {
  return desiredState(`version: 1
project: ${project}
sites:
  dc2: { runtime: podman, engine: "${endpoint}", capacity: { cpus: 2, memory: 1g } }
services:
  web:
    image: turtle-test/web:1
    probe: { http: { port: 80, path: /health } }
`, 'dc2');
}

describe('turtle agent on podman', { skip: skipEngines }, () => {
  const agent = new AgentFixture('dc2', 'podman', endpoint);
  const rt = createRuntime(shared);
  let service: ChildProcess;
  let operator: Identity;
  const web = async () => (await rt.list(project)).filter((c) => c.service === 'web');
  const events = async (after = 0) => ((await api(agent.port, operator, 'GET', `/v1/events?after=${after}`)).body as { events: { seq: number; type: string; service?: string; message: string; data?: Record<string, unknown> }[] }).events;
  const lastSeq = async () => (await events()).at(-1)?.seq ?? 0;

  before(async () => {
    service = startService();
    await until('the private podman service answers', async () => ((await engineRequest(endpoint, 'GET', '/_ping')).status === 200 ? true : undefined), 30_000);
    await agent.init();
    operator = await agent.identity('operator', 'alice');
    await agent.start();
  });
  after(async () => {
    await agent.kill();
    service.kill();
    await removeProject(rt, project);
    agent.remove();
  });

  test('converges, and heals a killed container within seconds', async () => {
    assert.equal((await api(agent.port, operator, 'PUT', '/v1/desired', JSON.stringify(desired()))).status, 202);
    await until('web running', async () => ((await web()).some((c) => c.state === 'running') ? true : undefined), 60_000);
    await until('web healthy', async () => ((await events()).some((e) => e.type === 'reconcile.succeeded') ? true : undefined));
    const from = await lastSeq();
    const [c] = await web();
    await engineRequest(shared.endpoint, 'POST', `/containers/${c!.id}/kill?signal=KILL`);
    await until('web recovered', async () => ((await events(from)).some((e) => e.type === 'health.recovered' && e.service === 'web') ? true : undefined));
    const seen = (await events(from)).filter((e) => e.service === 'web').map((e) => e.type);
    // Podman's own restart policy may start it again before the agent acts: then there is no restart of turtle's
    const expected = seen.includes('health.restarted') ? ['health.failed', 'health.restarted', 'health.recovered'] : ['health.failed', 'health.recovered'];
    assert.deepEqual(seen, expected);
    assert.match(String((await events(from)).find((e) => e.type === 'health.failed')?.data?.reason), /^exited with code /);
  });

  test('the engine goes away, a container is deleted meanwhile, the engine comes back: the site converges again', async () => {
    const from = await lastSeq();
    const [old] = await web();
    const exited = new Promise((r) => service.once('exit', r));
    service.kill('SIGKILL');
    await exited;
    await until('the agent notices', async () => ((await events(from)).some((e) => e.type === 'engine.unreachable') ? true : undefined), 20_000);
    const metrics = await api(agent.port, operator, 'GET', '/metrics');
    assert.match(metrics.text, /^turtle_agent_engine_up 0$/m);
    await rt.remove(old!.id); // through the shared service: the agent's own engine is down
    service = startService();
    await until('reconnected', async () => ((await events(from)).some((e) => e.type === 'engine.reconnected') ? true : undefined), 30_000);
    const back = await until('web re-created and running', async () => (await web()).find((c) => c.state === 'running' && c.id !== old!.id), 60_000);
    assert.equal((await web()).length, 1);
    assert.match((await api(agent.port, operator, 'GET', '/metrics')).text, /^turtle_agent_engine_up 1$/m);
    assert.ok(back.id);
  });

  test('a restarted agent adopts what runs: nothing replaced, nothing doubled', async () => {
    const [before] = await web();
    await agent.kill();
    await agent.start();
    const from = await lastSeq();
    await api(agent.port, operator, 'GET', '/v1/observed?wait=1');
    const now = await web();
    assert.deepEqual(now.map((c) => [c.id, c.state]), [[before!.id, 'running']]);
    assert.equal((await events(from)).filter((e) => e.type.startsWith('reconcile.')).length, 0);
  });
});

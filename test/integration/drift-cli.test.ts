// `turtle drift` through the real CLI: on real Docker and Podman engines changed by hand behind turtle's
// back, and on a site whose agent records the drift as events before undoing it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueCert } from '../../src/pki/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { AgentFixture, api, until, type Identity } from '../helpers/agent.js';

interface DriftJson {
  sites: { site: string; clean: boolean; drift: { slot: string; kind: string; message: string; container?: string; wanted?: string; found?: string }[]; error?: string }[];
  clean: boolean;
}

const LIMIT = { timeout: 180_000 };

for (const engine of engines()) {
  describe(`turtle drift on ${engine.kind}`, { skip: skipEngines }, () => {
    const project = `drift-${engine.kind}-${process.pid}`;
    const work = new Workdir();
    const rt = createRuntime(engine);
    const spec = (web = 'turtle-test/web:1') => `version: 1
project: ${project}
sites:
  dc1: { runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
  dc9: { runtime: ${engine.kind}, engine: "unix:///run/turtle-test/nothing-here.sock", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
services:
  web:
    image: ${web}
    replicas: 2
    resources: { memory: 48m }
  db:
    image: turtle-test/web:1
`;
    const idOf = async (service: string, replica: number) => (await rt.list(project)).find((c) => c.service === service && c.replica === replica)?.id as string;

    before(() => work.write(spec()));
    after(async () => {
      await removeProject(rt, project);
      work.remove();
    });

    test('a deployed site is clean: exit 0', LIMIT, async () => {
      const deployed = await work.run(['deploy', '--site', 'dc1']);
      assert.equal(deployed.code, 0, deployed.stderr);
      const r = await work.run(['drift', '--site', 'dc1']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'dc1: clean\n', '']);
    });

    test('a container removed, one stopped and an extra one started by hand: each named, exit 2', LIMIT, async () => {
      const web1 = (await rt.list(project)).find((c) => c.service === 'web' && c.replica === 1)!;
      await rt.remove(await idOf('web', 2));
      await rt.stop(await idOf('db', 1), 1);
      const labels = { 'io.turtle.managed': 'true', 'io.turtle.project': project, 'io.turtle.site': 'dc1', 'io.turtle.service': 'web', 'io.turtle.replica': '3', 'io.turtle.config-hash': 'by-hand' };
      const made = await engineRequest(engine.endpoint, 'POST', `/containers/create?name=${project}-by-hand`, { Image: 'turtle-test/web:2', Labels: labels });
      assert.equal(made.status, 201, JSON.stringify(made.body));

      const r = await work.run(['drift', '--site', 'dc1']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, [
        'dc1: 3 differences',
        '  db#1 is exited, should be running',
        '  web#2 is missing',
        `  web#3 is not in the desired state (container ${project}-by-hand)`,
        '',
      ].join('\n'));
      assert.equal(r.stderr, 'error: drift found on dc1: 3 differences from turtle.yaml\nhint: `turtle deploy --site dc1` brings it back to turtle.yaml\n');

      // turtle.yaml moves web to version 2, not deployed yet: what runs is the old image
      work.write(spec('turtle-test/web:2'));
      const j = await work.run(['drift', '--site', 'dc1', '--json']);
      assert.equal(j.code, 2, j.stderr);
      const out = JSON.parse(j.stdout) as DriftJson;
      assert.equal(out.clean, false);
      assert.deepEqual(out.sites.map((s) => [s.site, s.clean, s.drift.map((d) => `${d.slot} ${d.kind}: ${d.message}`)]), [['dc1', false, [
        'db#1 state: db#1 is exited, should be running',
        'web#1 image: web#1 runs turtle-test/web:1, the spec says turtle-test/web:2',
        'web#2 missing: web#2 is missing',
        `web#3 extra: web#3 is not in the desired state (container ${project}-by-hand)`,
      ]]]);
      assert.deepEqual(out.sites[0]?.drift[1], {
        slot: 'web#1', service: 'web', replica: 1, kind: 'image', message: 'web#1 runs turtle-test/web:1, the spec says turtle-test/web:2',
        container: web1.name, wanted: 'turtle-test/web:2', found: 'turtle-test/web:1',
      });
    });

    test('a deploy puts it right: clean again', LIMIT, async () => {
      const deployed = await work.run(['deploy', '--site', 'dc1']);
      assert.equal(deployed.code, 0, deployed.stderr);
      const r = await work.run(['drift', '--site', 'dc1', '--json']);
      assert.deepEqual([r.code, JSON.parse(r.stdout)], [0, { sites: [{ site: 'dc1', clean: true, drift: [] }], clean: true }]);
    });

    test('a site that cannot be reached is named, exit 4; an unknown one is bad input, exit 1', LIMIT, async () => {
      const r = await work.run(['drift']);
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stdout, `dc1: clean\ndc9: not checked: site dc9: ${engine.kind} engine at unix:///run/turtle-test/nothing-here.sock is not reachable (ENOENT)\n`);
      assert.match(r.stderr, /^error: site dc9: .* is not reachable \(ENOENT\)\nhint: /);
      const bad = await work.run(['drift', '--site', 'nope']);
      assert.deepEqual([bad.code, bad.stdout], [1, '']);
      assert.equal(bad.stderr, `error: unknown site \`nope\` (sites in ${work.spec}: dc1, dc9)\nhint: pass one of the sites above to --site\n`);
    });
  });
}

describe('turtle drift on a site with an agent (Docker)', { skip: skipEngines }, () => {
  const [docker] = engines() as [ReturnType<typeof engines>[number]];
  const project = `drift-agent-${process.pid}`;
  const agent = new AgentFixture('dc1', docker.kind, docker.endpoint);
  const work = new Workdir();
  const identity = join(work.dir, 'identity');
  const rt = createRuntime(docker);
  let operator: Identity;
  const spec = (web = 'turtle-test/web:1') => `version: 1
project: ${project}
sites:
  dc1: { runtime: docker, engine: "${docker.endpoint}", agent: "https://127.0.0.1:${agent.port}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
services:
  web:
    image: ${web}
`;
  const turtle = (args: string[]) => work.run(args, { TURTLE_IDENTITY: identity });
  const driftEvents = async () => ((await api(agent.port, operator, 'GET', '/v1/events?after=0')).body as { events: { type: string; message: string; data?: { items?: { slot: string; kind: string }[] } }[] }).events
    .filter((e) => e.type.startsWith('drift.'));

  before(async () => {
    await agent.init();
    await issueCert(agent.caDir, { role: 'operator', name: 'alice', out: identity });
    operator = await agent.identity('operator', 'carol');
    await agent.start();
    work.write(spec());
  });
  after(async () => {
    await agent.kill();
    await removeProject(rt, project);
    agent.remove();
    work.remove();
  });

  test('a container removed by hand is a drift.detected event, then drift.resolved once the agent put it back', LIMIT, async () => {
    const deployed = await turtle(['deploy']);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual(await driftEvents(), [], 'a push is not drift');
    const web = (await rt.list(project)).find((c) => c.service === 'web')!;
    await rt.remove(web.id);
    const events = await until('drift resolved', async () => {
      const found = await driftEvents();
      return found.some((e) => e.type === 'drift.resolved') ? found : undefined;
    });
    assert.deepEqual(events.map((e) => [e.type, e.message.replace(/ in \d+ ms$/, ''), e.data?.items?.map((i) => `${i.slot} ${i.kind}`)]), [
      ['drift.detected', 'drift on dc1: web#1 is missing', ['web#1 missing']],
      ['drift.resolved', 'drift undone: 1 difference put back', ['web#1 missing']],
    ]);
    const r = await turtle(['drift']);
    assert.deepEqual([r.code, r.stdout], [0, 'dc1: clean\n']);
  });

  test('turtle.yaml changed but not deployed: drift through the agent, with the hint for agent sites', LIMIT, async () => {
    work.write(spec('turtle-test/web:2'));
    const r = await turtle(['drift']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, 'dc1: 1 difference\n  web#1 runs turtle-test/web:1, the spec says turtle-test/web:2\n');
    assert.equal(r.stderr, 'error: drift found on dc1: 1 difference from turtle.yaml\nhint: `turtle deploy --site dc1` brings it back to turtle.yaml; dc1: the agent also undoes changes made by hand at its next resync\n');
  });
});

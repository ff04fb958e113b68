// The whole single-site lifecycle through the real CLI, on real Docker and real Podman.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import type { ObservedContainer } from '../../src/domain/types.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

interface DeployJson {
  id: number;
  outcome: string;
  sites: { site: string; outcome: string; steps: { step: string; status: string; error?: string }[]; engineCalls?: { mutating: number; read: number }; error?: string }[];
}

/** `create web#1 (…) done`, with the error when a step failed so a failing assertion shows why */
const line = (s: { step: string; status: string; error?: string }) => `${s.step} ${s.status}${s.error ? `: ${s.error}` : ''}`;

const HEALTH = '{ test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 500ms, timeout: 3s, retries: 2 }';

for (const engine of engines()) {
  describe(`turtle CLI on ${engine.kind}`, { skip: skipEngines }, () => {
    const project = `cli-${engine.kind}-${process.pid}`;
    let port = 0;
    const work = new Workdir();
    const rt = createRuntime(engine);
    const spec = (web: { image?: string; memory?: string; extra?: string } = {}) => `
version: 1
project: ${project}
sites:
  dc1: { role: edge, runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
services:
  web:
    image: ${web.image ?? 'turtle-test/web:1'}
    ports: ["127.0.0.1:${port}:80"]
    healthcheck: ${HEALTH}
    resources: { cpus: 0.2, memory: ${web.memory ?? '48m'} }
    depends_on: { db: { condition: service_healthy } }
${web.extra ?? ''}
  db:
    image: turtle-test/web:1
    healthcheck: ${HEALTH}
  worker:
    image: turtle-test/tools:1
    replicas: 2
`;
    const mine = async () => (await rt.list(project)).sort((a, b) => a.service.localeCompare(b.service) || a.replica - b.replica);
    const slot = (cs: ObservedContainer[], service: string) => cs.find((c) => c.service === service && c.replica === 1);

    before(async () => {
      port = await freePort();
      work.write(spec());
    });
    after(async () => {
      await removeProject(rt, project);
      work.remove();
    });

    test('deploy from empty creates every replica, dependencies first, with ownership labels', async () => {
      const r = await work.json<DeployJson>(['deploy']);
      assert.equal(r.outcome, 'succeeded', JSON.stringify(r.sites));
      const steps = r.sites[0]?.steps.map(line);
      assert.deepEqual(steps, [
        `create network ${project}_default done`,
        'create db#1 (turtle-test/web:1) done',
        'create web#1 (turtle-test/web:1) done',
        'create worker#1 (turtle-test/tools:1) done',
        'create worker#2 (turtle-test/tools:1) done',
      ]);
      const cs = await mine();
      assert.deepEqual(cs.map((c) => `${c.service}#${c.replica}:${c.state}`), ['db#1:running', 'web#1:running', 'worker#1:running', 'worker#2:running']);
      const web = slot(cs, 'web');
      const inspect = await engineRequest(engine.endpoint, 'GET', `/containers/${web?.id}/json`);
      const labels = (inspect.body as { Config: { Labels: Record<string, string> } }).Config.Labels;
      assert.equal(labels['io.turtle.managed'], 'true');
      assert.equal(labels['io.turtle.site'], 'dc1');
      assert.equal(labels['io.turtle.service'], 'web');
      assert.match(labels['io.turtle.config-hash'] ?? '', /^[0-9a-f]{64}$/);
    });

    test('redeploying an unchanged spec makes zero mutating engine calls', async () => {
      const r = await work.json<DeployJson>(['deploy']);
      assert.equal(r.outcome, 'no-op');
      assert.deepEqual(r.sites[0]?.steps, []);
      // every request of the command: the check, the preflight's plan and the converge's, each one listing
      // that trusts turtle's labels (no inspect: every container is on its labelled limits)
      assert.deepEqual(r.sites[0]?.engineCalls, { mutating: 0, read: 3 });
    });

    test('a container made by hand, without turtle labels, is never touched', async () => {
      const made = await engineRequest(engine.endpoint, 'POST', `/containers/create?name=${project}-byhand`, {
        Image: 'turtle-test/tools:1',
        Labels: { 'io.turtle.service': 'web' },
      });
      const id = (made.body as { Id: string }).Id;
      try {
        work.write(spec().replace(/  worker:[\s\S]*$/, ''));
        const r = await work.json<DeployJson>(['deploy']);
        assert.deepEqual(r.sites[0]?.steps.map(line), [
          'remove worker#1 (service not in the spec for this site) done',
          'remove worker#2 (service not in the spec for this site) done',
        ]);
        assert.equal((await engineRequest(engine.endpoint, 'GET', `/containers/${id}/json`)).status, 200);
      } finally {
        // it has no project label, so the suite's cleanup would not find it
        await engineRequest(engine.endpoint, 'DELETE', `/containers/${id}?force=true`);
      }
      work.write(spec());
      assert.equal((await work.json<DeployJson>(['deploy'])).outcome, 'succeeded');
    });

    test('a new image replaces the container and serves the new version', async () => {
      work.write(spec({ image: 'turtle-test/web:2' }));
      const r = await work.json<DeployJson>(['deploy']);
      assert.deepEqual(r.sites[0]?.steps.map(line), [
        `replace web#1 (image turtle-test/web:1 -> turtle-test/web:2, stop-first) done`,
      ]);
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      assert.equal(body.trim(), 'web 2');
      assert.equal((await mine()).filter((c) => c.service === 'web').length, 1);
    });

    test('a limit change is applied to the running container and read back', async () => {
      work.write(spec({ image: 'turtle-test/web:2', memory: '40m' }));
      const r = await work.json<DeployJson>(['deploy']);
      assert.equal(r.outcome, 'succeeded');
      assert.equal(slot(await mine(), 'web')?.resources.memory, 40 * 1024 * 1024);
      assert.equal((await work.json<DeployJson>(['deploy'])).outcome, 'no-op');
    });

    test('a missing image fails with its name and site; the running version keeps running', async () => {
      const before = slot(await mine(), 'web');
      work.write(spec({ image: 'turtle-test/web:404', memory: '40m' }));
      const r = await work.run(['deploy']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /^dc1: failed after [\d.]+s: image turtle-test\/web:404 is not on site dc1 and could not be pulled: /m);
      assert.match(r.stderr, /^error: deployment \d+ failed on dc1; every site it changed is back on its previous version$/m);
      assert.match(r.stdout, /^dc1: rolled back to [0-9a-f]{12} in [\d.]+s\n/m);
      const now = slot(await mine(), 'web');
      assert.equal(now?.id, before?.id);
      assert.equal(now?.state, 'running');
    });

    test('a new version that never gets healthy is removed and the old one restarted (stop-first)', async () => {
      const before = slot(await mine(), 'web');
      work.write(spec({ image: 'turtle-test/web:broken', memory: '40m' }));
      try {
        const r = await work.json<DeployJson>(['deploy']);
        // the executor already restarted the old container; the rollback finds the site as it was
        assert.equal(r.outcome, 'rolled-back');
        assert.match(r.sites[0]?.error ?? '', /^dc1\/web#1 became unhealthy \(2 failed health checks in a row\); the new container was removed and the previous container was restarted$/);
        const webs = (await mine()).filter((c) => c.service === 'web');
        assert.deepEqual(webs.map((c) => [c.id, c.state]), [[before?.id, 'running']]);
        // stop-first: the old container was started again a moment ago, and its server takes a moment to listen
        assert.equal((await answer(`http://127.0.0.1:${port}/`, 10_000)).trim(), 'web 2');
      } finally {
        work.write(spec({ image: 'turtle-test/web:2', memory: '40m' })); // the next tests start from the good version
      }
    });

    test('stop is remembered across deploys until start', async () => {
      assert.equal((await work.run(['stop', 'worker'])).code, 0);
      assert.deepEqual((await mine()).filter((c) => c.service === 'worker').map((c) => c.state), ['exited', 'exited']);
      assert.equal((await work.json<DeployJson>(['deploy'])).outcome, 'no-op');
      assert.equal((await work.run(['start', 'worker'])).code, 0);
      assert.deepEqual((await mine()).filter((c) => c.service === 'worker').map((c) => c.state), ['running', 'running']);
    });

    test('a container deleted by hand comes back on the next deploy', async () => {
      const db = slot(await mine(), 'db');
      await rt.remove(db?.id ?? '');
      const r = await work.json<DeployJson>(['deploy']);
      assert.deepEqual(r.sites[0]?.steps.map(line), ['create db#1 (turtle-test/web:1) done']);
    });

    test('ps, logs and history read what happened', async () => {
      const ps = await work.json<ObservedContainer[]>(['ps']);
      assert.deepEqual(ps.map((c) => `${c.service}#${c.replica}`), ['db#1', 'web#1', 'worker#1', 'worker#2']);
      await fetch(`http://127.0.0.1:${port}/health`);
      const logs = await work.run(['logs', 'web', '-n', '5']);
      assert.equal(logs.code, 0, logs.stderr);
      const history = await work.json<{ id: number; outcome: string }[]>(['history']);
      assert.deepEqual(history.map((d) => d.outcome).reverse(), [
        'succeeded', 'no-op', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'no-op', 'rolled-back', 'rolled-back', 'no-op', 'succeeded',
      ]);
    });
  });
}

/** The body of the first answer from `url` within `ms` (connections refused meanwhile are retried). */
async function answer(url: string, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await (await fetch(url)).text();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

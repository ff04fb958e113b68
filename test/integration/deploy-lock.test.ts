// One deployment at a time per site, and deployments that survive interruption, through the real CLI on
// real Docker and Podman: concurrent deploys from separate stores (two laptops), --no-wait, a holder
// killed -9 (taken over and repaired), and Ctrl-C (the step in flight undone, exit 130).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import type { ObservedContainer } from '../../src/domain/types.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';

const BIN = resolve('bin/turtle.js');

/** A deploy left running, its stderr (progress) read as it comes. */
class Deploy {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;

  constructor(work: Workdir, args: string[] = []) {
    this.child = spawn(process.execPath, [BIN, '-f', work.spec, 'deploy', ...args], {
      env: { ...process.env, TURTLE_STATE: join(work.dir, 'state.db') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.child.once('close', (code, signal) => r(code ?? (signal === 'SIGKILL' ? 137 : -1))));
  }

  async sees(text: string | RegExp, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    const seen = () => (typeof text === 'string' ? this.stderr.includes(text) : text.test(this.stderr));
    while (!seen()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`deploy ended before printing ${text}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > end) throw new Error(`deploy did not print ${text} within ${ms} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  signal(name: NodeJS.Signals): Promise<number> {
    this.child.kill(name);
    return this.exited;
  }
}

for (const engine of engines()) {
  describe(`deployment lock and interruption on ${engine.kind}`, { skip: skipEngines }, () => {
    const project = `lock-${engine.kind}-${process.pid}`;
    const rt = createRuntime(engine);
    const works: Workdir[] = [];
    // Each Workdir is a separate store: as if each deploy ran on its own laptop.
    const laptop = (image: string) => {
      const w = new Workdir();
      w.write(specFor(project, engine, image));
      works.push(w);
      return w;
    };
    const web = async (): Promise<ObservedContainer[]> => (await rt.list(project)).filter((c) => c.service === 'web');
    const leases = async () => {
      const { leases } = await (rt as unknown as { leases(k: string): Promise<{ leases: { id: string; labels: Record<string, string> }[] }> }).leases(`${project}/dc1`);
      return leases;
    };

    after(async () => {
      await removeProject(rt, project);
      for (const l of await leases()) await (rt as unknown as { removeLease(id: string): Promise<void> }).removeLease(l.id);
      for (const w of works) w.remove();
    });

    test('three deploys of different versions at once: serialised, each exits 0 and says so, the site ends on one of them with one container', async () => {
      const first = laptop('turtle-test/web:1');
      assert.equal((await first.run(['deploy'])).code, 0);
      const [a, b, c] = [laptop('turtle-test/web:2'), laptop('turtle-test/web:3'), laptop('turtle-test/web:1')];
      const runs = [new Deploy(a), new Deploy(b), new Deploy(c)];
      const finished: number[] = [];
      const codes = await Promise.all(runs.map((r, i) => r.exited.then((code) => (finished.push(i), code))));
      assert.deepEqual(codes, [0, 0, 0], runs.map((r) => r.stderr).join('\n---\n'));
      const waited = runs.filter((r) => /dc1: being deployed by deployment \d+ \(`turtle deploy`\) by \S+, pid \d+, since /.test(r.stderr));
      assert.ok(waited.length >= 1, `no deploy printed the holder line:\n${runs.map((r) => r.stderr).join('\n---\n')}`);
      // Each store's history tells the truth about its own deployment: web:2 and web:3 always changed the
      // site; web:1 (what was there) is a no-op when it asked before either changed anything.
      const outcomes = await Promise.all([a, b, c].map(async (w) => (await w.json<{ outcome: string }[]>(['history']))[0]!.outcome));
      assert.deepEqual(outcomes.slice(0, 2), ['succeeded', 'succeeded']);
      assert.ok(['succeeded', 'no-op'].includes(outcomes[2]!), outcomes[2]);
      // the site ends on the version of the last deployment that changed it, in one running container
      const images = ['turtle-test/web:2', 'turtle-test/web:3', 'turtle-test/web:1'];
      const lastChange = finished.filter((i) => outcomes[i] === 'succeeded').at(-1)!;
      assert.deepEqual((await web()).map((c) => [c.image, c.state]), [[images[lastChange], 'running']]);
      assert.deepEqual(await leases(), []);
    });

    test('--no-wait while another deploy holds the site: exit 5 naming the holder, nothing changed', async () => {
      assert.equal((await laptop('turtle-test/web:1').run(['deploy'])).code, 0);
      const holder = new Deploy(laptop('turtle-test/web:2'));
      await holder.sees(/dc1: \d+ steps?/);
      const refused = await laptop('turtle-test/web:3').run(['deploy', '--no-wait']);
      assert.equal(refused.code, 5, refused.stderr);
      assert.match(refused.stderr, /^error: dc1 is being deployed by deployment \d+ \(`turtle deploy`\) by \S+, pid \d+, since \S+ \(\d+ s ago\)$/m);
      assert.equal(await holder.exited, 0, holder.stderr);
      assert.deepEqual((await web()).map((c) => [c.image, c.state]), [['turtle-test/web:2', 'running']]);
    });

    for (const point of ['after the new container was made', 'while the new container starts'] as const) {
      test(`a deploy killed -9 ${point} is taken over at once, repaired and converged by the next one`, async () => {
        const w = laptop('turtle-test/web:1');
        assert.equal((await w.run(['deploy'])).code, 0);
        w.write(specFor(project, engine, 'turtle-test/web:3'));
        const killed = new Deploy(w);
        if (point === 'after the new container was made') await waitFor(async () => (await web()).length === 2, 60_000);
        else await killed.sees('waiting for dc1/web#1 to be healthy');
        assert.equal(await killed.signal('SIGKILL'), 137);
        assert.equal((await leases()).length, 1, 'the dead deploy left its lease');
        const next = new Deploy(w);
        assert.equal(await next.exited, 0, next.stderr);
        assert.match(next.stderr, /dc1: repaired 1 step an interrupted deployment left unfinished/);
        // undone (the new container unproven: removed, the old one kept) and replaced again, or kept (it was already healthy)
        assert.match(next.stderr, /dc1: repair: replace web#1: the (new container was removed and the old one kept running|new container was healthy, the old one removed)/);
        const now = await web();
        assert.deepEqual(now.map((c) => [c.image, c.state]), [['turtle-test/web:3', 'running']]);
        const history = await w.json<{ id: number; outcome: string }[]>(['history']);
        assert.deepEqual(history.slice(0, 2).map((d) => d.outcome), ['succeeded', 'interrupted']);
        assert.deepEqual(await leases(), []);
      });
    }

    test('Ctrl-C while the new container starts: it is removed, the old one keeps serving, exit 130, history says interrupted; the next deploy converges', async () => {
      const w = laptop('turtle-test/web:1');
      assert.equal((await w.run(['deploy'])).code, 0);
      const old = (await web())[0]!;
      w.write(specFor(project, engine, 'turtle-test/web:2'));
      const d = new Deploy(w);
      await d.sees('waiting for dc1/web#1 to be healthy');
      assert.equal(await d.signal('SIGINT'), 130, d.stderr);
      assert.match(d.stderr, /interrupted: finishing or undoing the step in flight, starting nothing more/);
      assert.match(d.stderr, /^dc1: interrupted after [\d.]+s: the step in flight was finished or undone, the rest not started$/m);
      assert.match(d.stderr, /^error: deployment \d+ was interrupted: dc1 stopped after the step in flight$/m);
      assert.deepEqual((await web()).map((c) => [c.id, c.image, c.state]), [[old.id, 'turtle-test/web:1', 'running']]);
      const [last] = await w.json<{ outcome: string; sites: { site: string; outcome: string }[] }[]>(['history']);
      assert.deepEqual([last!.outcome, last!.sites.map((s) => `${s.site} ${s.outcome}`)], ['interrupted', ['dc1 interrupted']]);
      assert.deepEqual(await leases(), []);
      const again = await w.run(['deploy']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual((await web()).map((c) => c.image), ['turtle-test/web:2']);
    });
  });
}

function specFor(project: string, engine: { kind: string; endpoint: string }, image: string): string {
  return `version: 1
project: ${project}
sites:
  dc1: { role: edge, runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g } }
rollout: { bake: 0s }
services:
  web:
    image: ${image}
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 1s, timeout: 2s, retries: 2, start_period: 1s }
    resources: { memory: 32m }
`;
}

async function waitFor(ok: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`not so within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}


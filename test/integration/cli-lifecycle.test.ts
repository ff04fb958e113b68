// The commands around a deploy, through the real CLI on engine-driven sites (Docker and Podman): `plan`
// before and after, `history ID`, `rollback --to ID` and `--to VERSION` that succeed, `logs -f` straight
// from the engine, and `top`'s live view on a terminal, stopped with Ctrl-C.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { hostname, userInfo } from 'node:os';

interface DeployJson {
  id: number;
  version: string;
  outcome: string;
  sites: { site: string; outcome: string; error?: string }[];
}
interface HistoryJson {
  id: number;
  command: string;
  outcome: string;
  specHash: string;
  sites: { site: string; outcome: string; steps: { step: string; status: string }[] }[];
}

/** A slow engine fails a test instead of hanging the suite (the after hook still removes the containers). */
const LIMIT = { timeout: 120_000 };
// exits on TERM (sh as PID 1 would ignore it), so a replacement does not wait out the 10 s grace
const TICKER = `["sh", "-c", "trap 'exit 0' TERM; i=0; while true; do echo tick $$i; i=$$((i+1)); sleep 0.5; done"]`;
/** Durations and times vary from run to run; everything else in the text is exact. */
const steady = (text: string) => text.replace(/\d+\.\ds\b/g, 'N.Ns').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME');
const CLEAR = '\x1b[H\x1b[2J';

for (const engine of engines()) {
  describe(`turtle plan, history, rollback, logs -f and top on ${engine.kind}`, { skip: skipEngines }, () => {
    const project = `lifecycle-${engine.kind}-${process.pid}`;
    const work = new Workdir();
    const rt = createRuntime(engine);
    const spec = (webImage: string) => `version: 1
project: ${project}
sites:
  dc1: { runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
services:
  web: { image: "${webImage}" }
  ticker:
    image: turtle-test/tools:1
    command: ${TICKER}
`;
    const images = async () => (await rt.list(project)).map((c) => `${c.service}#${c.replica} ${c.image.replace(/^localhost\//, '')} ${c.state}`).sort();
    const deployed: DeployJson[] = [];
    after(async () => {
      await removeProject(rt, project);
      work.remove();
    });

    test('plan on an empty site lists every create, in order, and changes nothing', LIMIT, async () => {
      work.write(spec('turtle-test/web:1'));
      const r = await work.run(['plan']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, `dc1: 3 steps\n  create network ${project}_default\n  create ticker#1 (turtle-test/tools:1)\n  create web#1 (turtle-test/web:1)\n`, '']);
      assert.deepEqual(await images(), []);
    });

    test('after a deploy, plan says up to date; after an image change, it names the replacement', LIMIT, async () => {
      const first = await work.json<DeployJson>(['deploy']);
      assert.equal(first.outcome, 'succeeded', JSON.stringify(first.sites));
      deployed.push(first);
      assert.deepEqual(await work.run(['plan']), { code: 0, stdout: 'dc1: up to date\n', stderr: '' });
      work.write(spec('turtle-test/web:2'));
      const r = await work.json<{ site: string; steps: string[] }[]>(['plan']);
      assert.deepEqual(r, [{ site: 'dc1', steps: ['replace web#1 (image turtle-test/web:1 -> turtle-test/web:2, start-first)'] }]);
      assert.deepEqual(await images(), ['ticker#1 turtle-test/tools:1 running', 'web#1 turtle-test/web:1 running']);
      const second = await work.json<DeployJson>(['deploy']);
      assert.equal(second.outcome, 'succeeded', JSON.stringify(second.sites));
      deployed.push(second);
      assert.deepEqual(await images(), ['ticker#1 turtle-test/tools:1 running', 'web#1 turtle-test/web:2 running']);
    });

    test('history ID prints that deployment, each site and each step', LIMIT, async () => {
      const [first] = deployed;
      assert.ok(first, 'the deploy test ran');
      const r = await work.run(['history', String(first.id)]);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(
        steady(r.stdout),
        [
          `deployment ${first.id}: succeeded (deploy by ${userInfo().username}@${hostname()}, started TIME, spec ${first.version.slice(0, 12)})`,
          'dc1: succeeded in N.Ns',
          `  done    create network ${project}_default  N.Ns`,
          '  done    create ticker#1 (turtle-test/tools:1)  N.Ns',
          '  done    create web#1 (turtle-test/web:1)  N.Ns',
          '',
        ].join('\n'),
      );
      const one = await work.json<HistoryJson>(['history', String(first.id)]);
      assert.deepEqual(
        [one.id, one.command, one.outcome, one.specHash, one.sites.map((s) => [s.site, s.outcome, s.steps.map((x) => `${x.step} ${x.status}`)])],
        [first.id, 'deploy', 'succeeded', first.version, [['dc1', 'succeeded', [`create network ${project}_default done`, 'create ticker#1 (turtle-test/tools:1) done', 'create web#1 (turtle-test/web:1) done']]]],
      );
    });

    test('rollback --to ID brings that deployment\'s version back, and history records it', LIMIT, async () => {
      const [first, second] = deployed;
      assert.ok(first && second, 'the deploy test ran');
      const r = await work.run(['rollback', '--to', String(first.id)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(steady(r.stdout), `dc1: 1 replace in N.Ns\ndeployment ${second.id + 1} (version ${first.version.slice(0, 12)}): succeeded (dc1 succeeded)\n`);
      assert.equal(
        r.stderr.split('\n').at(-2),
        `note: ${work.spec} still describes what you deployed last; change it back before the next \`turtle deploy\`, or that deploy brings the newer version again`,
      );
      assert.deepEqual(await images(), ['ticker#1 turtle-test/tools:1 running', 'web#1 turtle-test/web:1 running']);
      const [newest] = await work.json<HistoryJson[]>(['history']);
      assert.deepEqual(
        newest && [newest.id, newest.command, newest.outcome, newest.specHash, newest.sites.map((s) => s.steps.map((x) => `${x.step} ${x.status}`))],
        [second.id + 1, `rollback to ${first.version.slice(0, 12)}`, 'succeeded', first.version, [['replace web#1 (image turtle-test/web:2 -> turtle-test/web:1, start-first) done']]],
      );
      // the spec on disk still asks for web:2
      assert.deepEqual(await work.json<{ site: string; steps: string[] }[]>(['plan']), [
        { site: 'dc1', steps: ['replace web#1 (image turtle-test/web:1 -> turtle-test/web:2, start-first)'] },
      ]);
    });

    test('rollback --to VERSION (the first characters of a spec hash) goes forward again', LIMIT, async () => {
      const [, second] = deployed;
      assert.ok(second, 'the deploy test ran');
      const r = await work.json<DeployJson>(['rollback', '--to', second.version.slice(0, 8)]);
      assert.deepEqual([r.id, r.version, r.outcome], [second.id + 2, second.version, 'succeeded']);
      assert.deepEqual(await images(), ['ticker#1 turtle-test/tools:1 running', 'web#1 turtle-test/web:2 running']);
      assert.deepEqual(await work.run(['plan']), { code: 0, stdout: 'dc1: up to date\n', stderr: '' });
      const [newest] = await work.json<HistoryJson[]>(['history']);
      assert.deepEqual(newest && [newest.command, newest.outcome], [`rollback to ${second.version.slice(0, 12)}`, 'succeeded']);
    });

    test('logs -f from the engine: the last line, then each new one, in order, until Ctrl-C (exit 0)', LIMIT, async () => {
      const logs = work.start(['logs', '-f', '-n', '1', 'ticker']);
      try {
        await logs.until((out) => out.split('\n').length > 4, 30_000);
        assert.equal(await logs.interrupt(), 0, logs.stderr);
      } finally {
        logs.kill();
      }
      const lines = logs.stdout.trimEnd().split('\n');
      assert.ok(lines.every((l) => /^dc1\/ticker#1 \d{4}-\d\d-\d\dT[\d:.]+Z \| tick \d+$/.test(l)), logs.stdout);
      const ticks = lines.map((l) => Number(/tick (\d+)$/.exec(l)?.[1]));
      assert.deepEqual(ticks, ticks.map((_, i) => (ticks[0] ?? 0) + i), 'one backlog line, then every new line once, none skipped');
      assert.equal(logs.stderr, '');
    });

    test('top on a terminal refreshes in place until Ctrl-C, then exits 0', LIMIT, async () => {
      const top = work.start(['top'], { tty: true });
      try {
        // two frames: it did refresh; then Ctrl-C
        await top.until((out) => out.split(CLEAR).length > 2 && out.endsWith('\n'), 30_000);
        const began = Date.now();
        assert.equal(await top.interrupt(), 0, top.stdout);
        assert.ok(Date.now() - began < 10_000, `took ${Date.now() - began} ms to stop`);
      } finally {
        top.kill();
      }
      const frames = top.stdout.replaceAll('\r\n', '\n').split(CLEAR).slice(1);
      assert.ok(frames.length >= 2, top.stdout);
      for (const frame of frames) {
        const lines = frame.replaceAll('^C', '').trimEnd().split('\n'); // the terminal echoes the Ctrl-C
        assert.match(lines[0] ?? '', /^host    cpu [\d.]+% of \d+%   memory \S+ used of \S+$/);
        assert.match(lines[1] ?? '', /^turtle  cpu [\d.]+% \([\d.]+% of host\)   memory \S+ \([\d.]+% of host\)$/);
        const table = lines.slice(lines.indexOf('') + 1);
        assert.deepEqual(table.map((l) => l.split(/\s+/).slice(0, 3).join(' ')), ['SITE SERVICE REPLICA', 'dc1 ticker 1', 'dc1 web 1'], frame);
      }
      assert.doesNotMatch(top.stdout, /error/);
    });

    test('top off a terminal prints one sample and exits by itself', LIMIT, async () => {
      const r = await work.run(['top']);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(r.stdout.includes(CLEAR), false);
      assert.deepEqual(r.stdout.trimEnd().split('\n').slice(-3).map((l) => l.split(/\s+/).slice(0, 3).join(' ')), ['SITE SERVICE REPLICA', 'dc1 ticker 1', 'dc1 web 1']);
    });
  });
}

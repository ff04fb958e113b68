// One contract for every ContainerRuntime, run against real Docker and real Podman (scripts/engines.sh).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerSpec, ObservedContainer } from '../../src/domain/types.js';
import { ExitCode, TurtleError } from '../../src/lib/errors.js';
import { createRuntime, type LogLine } from '../../src/runtime/index.js';
import { podmanKeepsUpdates } from '../../src/runtime/docker-api/_update.js';
import { engineRequest, engines, skipEngines, testImage, removeProject } from '../helpers/engines.js';

const MiB = 2 ** 20;

/** A busybox root filesystem as a tarball, the way images reach sites without a registry. */
function rootfsTarball(): string {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-rootfs-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(execFileSync('sh', ['-c', 'command -v busybox']).toString().trim(), join(dir, 'bin', 'busybox'));
  for (const applet of ['sh', 'echo', 'sleep']) symlinkSync('busybox', join(dir, 'bin', applet));
  execFileSync('tar', ['-C', dir, '-cf', `${dir}.tar`, '.']);
  rmSync(dir, { recursive: true });
  return `${dir}.tar`;
}
const HEALTH = ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health'];

for (const engine of engines()) {
  describe(`ContainerRuntime contract: ${engine.kind} at ${engine.endpoint}`, { skip: skipEngines }, () => {
    const rt = createRuntime(engine);
    const project = `contract-${engine.kind}-${process.pid}-${Date.now().toString(36)}`;
    const byHand: string[] = [];
    const images: string[] = [];
    let n = 0;
    const spec = (extra: Partial<ContainerSpec> = {}): ContainerSpec => {
      const replica = ++n;
      return {
        name: `${project}-web-${replica}`, project, site: 'lab', service: 'web', replica, image: testImage(engine.kind, 'web:1'),
        env: { GREETING: 'hi' }, ports: [], mounts: [], restart: 'no', labels: { team: 'ops' }, readOnly: false,
        capDrop: [], resources: {}, priority: 'normal', dependsOn: {}, running: true, configHash: `hash-${replica}`, ...extra,
      };
    };
    const run = async (s: ContainerSpec) => {
      const id = await rt.create(s);
      await rt.start(id);
      return id;
    };

    after(async () => {
      await removeProject(rt, project);
      for (const id of byHand) await engineRequest(engine.endpoint, 'DELETE', `/containers/${id}?force=true`);
      for (const ref of images) await engineRequest(engine.endpoint, 'DELETE', `/images/${ref}?force=true`);
    });

    test('ping reports the engine', async () => {
      const info = await rt.ping();
      assert.equal(info.kind, engine.kind);
      assert.match(info.version, /^\d+\.\d+\.\d+/);
      assert.match(info.apiVersion, /^1\.\d+$/);
      assert.ok(info.cpus >= 1 && info.memoryBytes > 0);
    });

    test('check answers with one request; the wrong kind of engine is named', async () => {
      const before = rt.calls.read + rt.calls.mutating;
      await rt.check();
      assert.equal(rt.calls.read + rt.calls.mutating - before, 1);
      const other = engine.kind === 'docker' ? 'podman' : 'docker';
      await assert.rejects(createRuntime({ kind: other, endpoint: engine.endpoint }).check(), (err: unknown) => {
        assert.ok(err instanceof TurtleError);
        assert.match(err.message, new RegExp(`^${engine.endpoint} is ${engine.kind} (Docker|Libpod)/\\d+\\.\\d+\\.\\d+\\S*, not ${other}$`));
        assert.equal(err.hint, `set the site's runtime to ${engine.kind}, or point it at a ${other} endpoint`);
        assert.equal(err.exitCode, ExitCode.invalid);
        return true;
      });
    });

    test('create, start, inspect and list round-trip exactly, labels included', async () => {
      const s = spec({ resources: { cpus: 0.5, memory: 64 * MiB, memoryReservation: 32 * MiB } });
      const before = rt.calls.mutating;
      const id = await run(s);
      assert.equal(rt.calls.mutating, before + 2, 'create and start are two mutating calls');
      const observed = await rt.inspect(id);
      assert.ok(observed);
      const expected: ObservedContainer = {
        id, name: s.name, project, site: 'lab', service: 'web', replica: s.replica, image: 'turtle-test/web:1',
        configHash: s.configHash, resources: { cpus: 0.5, memory: 64 * MiB, memoryReservation: 32 * MiB },
        state: 'running', health: 'none', createdAt: observed.createdAt, startedAt: observed.startedAt,
        ipAddress: observed.ipAddress,
        // a container with no project networks is on the engine's default one
        networks: [engine.kind === 'docker' ? 'bridge' : 'podman'],
      };
      assert.deepEqual(observed, expected);
      assert.match(observed.ipAddress ?? '', /^\d+\.\d+\.\d+\.\d+$/);
      assert.ok(observed.createdAt && observed.startedAt);
      const reads = rt.calls.read;
      assert.deepEqual(await rt.list(project), [expected]);
      assert.equal(rt.calls.mutating, before + 2, 'observing makes no mutating call');
      assert.ok(rt.calls.read > reads);
      const raw = (await engineRequest(engine.endpoint, 'GET', `/containers/${id}/json`)).body as { Config: { Labels: object; Env: string[] } };
      assert.deepEqual(raw.Config.Labels, {
        team: 'ops', 'io.turtle.managed': 'true', 'io.turtle.project': project, 'io.turtle.site': 'lab', 'io.turtle.service': 'web',
        'io.turtle.replica': String(s.replica), 'io.turtle.config-hash': s.configHash, 'io.turtle.priority': 'normal',
        'io.turtle.resources': '{"cpus":0.5,"memory":67108864,"memoryReservation":33554432}',
      });
      assert.ok(raw.Config.Env.includes('GREETING=hi'));
    });

    test('a listing that trusts labels reads the engine once and agrees with inspect but for the times', async () => {
      const own = `${project}-trusting`;
      const web = spec({ project: own, resources: { cpus: 0.5, memory: 64 * MiB }, healthcheck: { test: HEALTH, intervalMs: 500, timeoutMs: 3_000, retries: 2, startPeriodMs: 0 } });
      const job = spec({ project: own, image: testImage(engine.kind, 'tools:1'), command: ['sh', '-c', 'exit 3'] });
      const idle = spec({ project: own, image: testImage(engine.kind, 'tools:1') });
      const ids = [await run(web), await run(job), await rt.create(idle)];
      try {
        // inspect runs Podman's due checks (nothing else does here): healthy before the listing looks
        for (let i = 0; i < 60 && (await rt.inspect(ids[0]!))?.health !== 'healthy'; i++) await sleep(250);
        for (let i = 0; i < 40 && (await rt.inspect(ids[1]!))?.state !== 'exited'; i++) await sleep(250);
        const inspected = await rt.list(own);
        const reads = rt.calls.read;
        const listed = await rt.list(own, { expect: [web, job, idle] });
        assert.equal(rt.calls.read - reads, 1, 'one listing request, no inspect');
        // what only inspect shows: the times, and on Podman the address (its libpod listing has none)
        const listable = ({ createdAt: _c, startedAt: _s, ipAddress, ...c }: ObservedContainer) => ({ ...c, ...(ipAddress && engine.kind === 'docker' ? { ipAddress } : {}) });
        const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
        assert.deepEqual([...listed].sort(byId), inspected.map(listable).sort(byId));
        assert.equal(listed.find((c) => c.id === ids[0])?.health, 'healthy');
        assert.equal(listed.find((c) => c.id === ids[1])?.exitCode, 3);
        assert.equal(listed.length, 3);
      } finally {
        for (const id of ids) await rt.remove(id);
      }
    });

    test('a container whose label does not vouch for its limits is inspected, and seen with its real limits', async () => {
      // A label that disagrees with the real limits (as after an in-place update), and one that is missing
      // (a container turtle made before it wrote one): each costs one inspect.
      const own = `${project}-stale`;
      const stale = spec({ project: own, image: testImage(engine.kind, 'tools:1'), resources: { cpus: 1, memory: 128 * MiB } });
      const unlabelled = spec({ project: own, image: testImage(engine.kind, 'tools:1') });
      const ids: string[] = [];
      try {
        for (const [s, label] of [[stale, '{"cpus":0.5,"memory":67108864}'], [unlabelled, undefined]] as const) {
          const Labels = { 'io.turtle.managed': 'true', 'io.turtle.project': own, 'io.turtle.site': 'lab', 'io.turtle.service': 'web', 'io.turtle.replica': String(s.replica), 'io.turtle.config-hash': s.configHash, ...(label ? { 'io.turtle.resources': label } : {}) };
          const HostConfig = { NanoCpus: (s.resources.cpus ?? 0) * 1e9, Memory: s.resources.memory ?? 0 };
          const reply = await engineRequest(engine.endpoint, 'POST', `/containers/create?name=${s.name}`, { Image: s.image, Labels, HostConfig });
          assert.equal(reply.status, 201, JSON.stringify(reply.body));
          ids.push((reply.body as { Id: string }).Id);
        }
        const reads = rt.calls.read;
        const listed = await rt.list(own, { expect: [stale, unlabelled] });
        assert.equal(rt.calls.read - reads, 3, 'the listing and two inspects');
        assert.deepEqual(listed.find((c) => c.id === ids[0])?.resources, { cpus: 1, memory: 128 * MiB });
        assert.deepEqual(listed.find((c) => c.id === ids[1])?.resources, {});
        assert.ok(listed.find((c) => c.id === ids[0])?.createdAt, 'inspected: it has its creation time');
      } finally {
        for (const id of ids) await rt.remove(id);
      }
    });

    test('after an in-place update the stale label is not trusted: the real limits are read', { skip: engine.kind === 'podman' ? 'Podman 4.3 cannot update limits in place (the next test shows it refuses)' : false }, async () => {
      const own = `${project}-updated`;
      const before = spec({ project: own, image: testImage(engine.kind, 'tools:1'), resources: { cpus: 0.5, memory: 64 * MiB } });
      const id = await run(before);
      try {
        const after = { ...before, resources: { cpus: 1, memory: 128 * MiB } };
        await rt.updateResources(id, after.resources);
        const reads = rt.calls.read;
        assert.deepEqual((await rt.list(own, { expect: [after] })).map((c) => c.resources), [after.resources]);
        assert.equal(rt.calls.read - reads, 2, 'the listing and one inspect');
        // Trusting the label where it agrees with the spec is the documented blind spot (turtle drift inspects).
        assert.deepEqual((await rt.list(own, { expect: [before] })).map((c) => c.resources), [before.resources]);
      } finally {
        await rt.remove(id);
      }
    });

    test('containers turtle does not own in this project are never listed', async () => {
      const mine = await rt.create(spec());
      const foreign = [
        {},
        { 'io.turtle.managed': 'true', 'io.turtle.project': `${project}-other` },
        { 'io.turtle.project': project },
        { 'io.turtle.managed': 'false', 'io.turtle.project': project },
      ];
      for (const [i, Labels] of foreign.entries()) {
        const reply = await engineRequest(engine.endpoint, 'POST', `/containers/create?name=${project}-hand-${i}`, { Image: testImage(engine.kind, 'tools:1'), Labels });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        byHand.push((reply.body as { Id: string }).Id);
      }
      for (const options of [{}, { expect: [] }]) {
        const listed = (await rt.list(project, options)).map((c) => c.id);
        assert.ok(listed.includes(mine));
        for (const id of byHand) assert.ok(!listed.includes(id), `hand-made ${id} must not be listed (${JSON.stringify(options)})`);
      }
      await rt.remove(mine);
    });

    test('stop, restart and remove; a gone container is no error', async () => {
      const id = await run(spec({ image: testImage(engine.kind, 'tools:1') }));
      await rt.stop(id, 1);
      assert.equal((await rt.inspect(id))?.state, 'exited');
      await rt.stop(id, 1);
      await rt.restart(id, 1);
      assert.equal((await rt.inspect(id))?.state, 'running');
      await rt.remove(id);
      assert.equal(await rt.inspect(id), undefined);
      await rt.remove(id);
      await rt.stop(id, 1);
      assert.ok(!(await rt.list(project)).some((c) => c.id === id));
    });

    test('updateResources changes the limits for real, or says it cannot', async () => {
      const id = await run(spec({ image: testImage(engine.kind, 'tools:1'), resources: { cpus: 0.5, memory: 64 * MiB } }));
      const want = { cpus: 1, memory: 128 * MiB, memoryReservation: 32 * MiB };
      const { version } = await rt.ping();
      if (engine.kind === 'podman' && !podmanKeepsUpdates(version)) {
        await assert.rejects(rt.updateResources(id, want), (err: unknown) => {
          assert.ok(err instanceof TurtleError);
          assert.equal(err.message, `podman ${version} at ${engine.endpoint} cannot change the limits of container ${id} in place: it changes the cgroup but does not keep the change (inspect and restarts keep the old limits)`);
          assert.equal(err.recoverable, false);
          assert.equal(err.hint, 'replace the container with the new limits; Podman 5.1 or later can update in place');
          return true;
        });
        assert.deepEqual((await rt.inspect(id))?.resources, { cpus: 0.5, memory: 64 * MiB });
      } else {
        await rt.updateResources(id, want);
        assert.deepEqual((await rt.inspect(id))?.resources, want);
        assert.equal((await rt.stats(id)).memoryLimitBytes, 128 * MiB, 'the live cgroup limit changed');
        await rt.restart(id, 1);
        assert.deepEqual((await rt.inspect(id))?.resources, want, 'the change survives a restart');
      }
      await rt.remove(id);
    });

    test('logs: tail gives the last lines with time and stream; follow ends on abort', async () => {
      // The engine reads stdout and stderr separately: lines written together may swap, so pause between them.
      const script = 'echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done';
      const id = await run(spec({ image: testImage(engine.kind, 'tools:1'), command: ['sh', '-c', script] }));
      await sleep(900);
      const head: LogLine[] = [];
      for await (const line of rt.logs(id)) head.push(line);
      assert.deepEqual(head.slice(0, 4).map((l) => [l.stream, l.text]), [['stdout', 'one'], ['stderr', 'two'], ['stdout', 'three'], ['stdout', 'tick 1']]);
      assert.ok(head.every((l) => Number.isFinite(Date.parse(l.time))));
      const tail: LogLine[] = [];
      for await (const line of rt.logs(id, { tail: 2 })) tail.push(line);
      assert.equal(tail.length, 2);
      assert.match(tail[1]?.text ?? '', /^tick \d+$/);

      const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap' || r === 'TCPSocketWrap').length;
      const socketsBefore = sockets();
      const controller = new AbortController();
      const followed: string[] = [];
      const done = (async () => {
        for await (const line of rt.logs(id, { follow: true, tail: 0, signal: controller.signal })) {
          followed.push(line.text);
          if (followed.length === 3) controller.abort();
        }
      })();
      await Promise.race([done, sleep(5_000).then(() => assert.fail('follow did not end within 5 s of the abort'))]);
      assert.equal(followed.length, 3);
      assert.ok(followed.every((t) => /^tick \d+$/.test(t)));
      await sleep(50);
      assert.equal(sockets(), socketsBefore, 'the follow stream closed its socket');
      await rt.remove(id);
    });

    test('stats: a busy container limited to half a core uses at most about half a core', async () => {
      const id = await run(spec({ image: testImage(engine.kind, 'tools:1'), command: ['sh', '-c', 'while :; do :; done'], resources: { cpus: 0.5, memory: 64 * MiB } }));
      await sleep(1_000);
      const s = await rt.stats(id);
      assert.equal(s.id, id);
      // Above zero proves both samples were read (Podman's one-shot stats lack the previous one); the
      // quota caps it near 50. Not tighter: on a loaded machine the container may get less than its quota.
      assert.ok(s.cpuPercent > 5 && s.cpuPercent < 75, `cpuPercent ${s.cpuPercent}`);
      assert.ok(s.memoryBytes > 0 && s.memoryBytes < 64 * MiB, `memoryBytes ${s.memoryBytes}`);
      assert.equal(s.memoryLimitBytes, 64 * MiB);
      await rt.remove(id);
    });

    for (const [image, want] of [['web:1', 'healthy'], ['web:broken', 'unhealthy']] as const) {
      test(`health of ${image} reaches ${want}`, async () => {
        const healthcheck = { test: HEALTH, intervalMs: 500, timeoutMs: 2_000, retries: 2, startPeriodMs: 0 };
        const id = await run(spec({ image: testImage(engine.kind, image), healthcheck }));
        const seen: string[] = [];
        for (let deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(250)) {
          const health = (await rt.inspect(id))?.health ?? 'gone';
          if (seen.at(-1) !== health) seen.push(health);
          if (health === want) break;
        }
        assert.deepEqual(seen, ['starting', want]);
        await rt.remove(id);
      });
    }

    test('a missing image names the image and the site', async () => {
      const s = spec({ image: 'turtle-test/missing:1' });
      await assert.rejects(rt.create(s), (err: unknown) => {
        assert.ok(err instanceof TurtleError);
        assert.equal(err.message, 'image turtle-test/missing:1 is not on site lab (needed by lab/web)');
        assert.equal(err.hint, 'turtle cannot pull from a registry it cannot reach: import the image on lab, or fix the tag');
        return true;
      });
    });

    test('an unreachable endpoint says where and how to start the engine', async () => {
      const endpoint = 'unix:///run/turtle-test/no-such-engine.sock';
      const hints = {
        docker: 'start Docker: `systemctl start docker`, or `dockerd --host unix:///run/turtle-test/no-such-engine.sock`',
        podman: "start Podman's API service: `podman system service --time=0 unix:///run/turtle-test/no-such-engine.sock` (or `systemctl start podman.socket`)",
      };
      for (const call of ['check', 'ping'] as const) {
        await assert.rejects(createRuntime({ kind: engine.kind, endpoint })[call](), (err: unknown) => {
          assert.ok(err instanceof TurtleError);
          assert.equal(err.message, `${engine.kind} engine at ${endpoint} is not reachable (ENOENT)`);
        assert.equal(err.exitCode, ExitCode.unreachable);
        assert.equal(err.recoverable, true);
          assert.equal(err.hint, hints[engine.kind]);
          return true;
        });
      }
    });

    test('an imported root filesystem becomes a runnable image', async () => {
      const ref = `turtle-test/imported-${process.pid}:1`;
      const tar = rootfsTarball();
      assert.equal(await rt.imageExists(ref), false);
      images.push(ref);
      await rt.importImage(tar, ref);
      rmSync(tar);
      assert.equal(await rt.imageExists(ref), true);
      const id = await run(spec({ image: ref, command: ['sh', '-c', 'echo imported; sleep 1000'] }));
      await sleep(500);
      const lines: string[] = [];
      for await (const line of rt.logs(id)) lines.push(line.text);
      assert.deepEqual(lines, ['imported']);
      await rt.remove(id);
    });

    test('pulling an image no registry has fails naming the image', async () => {
      await assert.rejects(rt.pullImage('turtle-test/not-in-any-registry:1'), (err: unknown) => {
        assert.ok(err instanceof TurtleError);
        assert.ok(err.message.startsWith(`could not pull image turtle-test/not-in-any-registry:1 (${engine.kind} at ${engine.endpoint}): `), err.message);
        return true;
      });
    });
  });
}

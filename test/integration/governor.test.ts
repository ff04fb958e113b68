// The governor on the real kernel and real engines. It works on a cgroup parent of its own
// (`turtle-gov-PID`), never on the /turtle that other suites' containers share, and with a floor set
// relative to the MemAvailable of the moment, so this machine itself is never at risk.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderSite } from '../../src/domain/index.js';
import { cgroupTree, defaultSettings, detectVersion, Governor, sampleHost } from '../../src/governor/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { parseSpec, servicesForSite } from '../../src/spec/index.js';
import { Store } from '../../src/store/index.js';
import { engines, skipEngines, testImage, removeProject } from '../helpers/engines.js';
import { AgentFixture, api } from '../helpers/agent.js';

const MiB = 2 ** 20;
const version = detectVersion();

/** Removes the test's own cgroup directories (children first), once the engine removed its containers. */
function removeTree(parent: string): void {
  const roots = version === 1 ? readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c, parent)) : [join('/sys/fs/cgroup', parent)];
  const rmdirDeep = (dir: string): void => {
    for (const child of readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) rmdirDeep(join(dir, child.name));
    rmdirSync(dir);
  };
  for (const root of roots) if (existsSync(root)) rmdirDeep(root);
}

for (const engine of engines()) {
  describe(`governor on ${engine.kind}`, { skip: skipEngines }, () => {
    const parent = `turtle-gov-${engine.kind}-${process.pid}`;
    const project = `gov-${engine.kind}-${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'turtle-gov-'));
    const store = Store.open(join(dir, 'state.db'));
    const rt = createRuntime(engine);
    const governors: Governor[] = [];
    const children: ReturnType<typeof spawn>[] = [];

    after(async () => {
      for (const g of governors) await g.stop();
      for (const c of children) c.kill('SIGKILL');
      await removeProject(rt, project);
      await sleep(300);
      try {
        removeTree(parent);
      } catch {
        // the engine may still be tearing a container's cgroup down; the directories are empty either way
      }
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** The spec's services rendered for dc1, under the test's own parent instead of /turtle. */
    const containers = (yaml: string, floor: number) => {
      const spec = parseSpec(`version: 1\nproject: ${project}\nsites:\n  dc1: { engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 64g }, budget: { floor: ${Math.round(floor)} } }\nservices:\n${yaml}`, 'turtle.yaml', {});
      // created here without a planner to make the project network: on the engine's default bridge
      const specs = renderSite(servicesForSite(spec, 'dc1'), { project, site: 'dc1' }).map(({ networks: _n, ...c }) => ({ ...c, cgroupParent: c.cgroupParent?.replace(/^\/turtle\//, `/${parent}/`) }));
      return { spec, specs };
    };

    const governorFor = (floorBytes: number, specs: { service: string; priority: string }[], tune: object = {}) => {
      const host = sampleHost();
      const g = new Governor({
        site: 'dc1', events: store.events, intervalMs: 100,
        settings: { ...defaultSettings(host, { cpu: 10, memory: 10 }, floorBytes), ...tune },
        tree: cgroupTree(version, '/sys/fs/cgroup', parent),
        runtime: () => rt,
        containers: async () => (await rt.list(project)).map((c) => ({ ...c, priority: specs.find((s) => s.service === c.service)?.priority })),
      });
      governors.push(g);
      return g;
    };

    test('a memory-hungry service cannot take the host below its floor: it is stopped at the cap, with an event; the host and critical work are untouched', { timeout: 90_000 }, async () => {
      // The host's own workload: 150 MiB touched and held by a process outside turtle, there before the floor is taken.
      const host = spawn(process.execPath, ['-e', 'const b = Buffer.alloc(150 * 2 ** 20, 1); setInterval(() => b[0]++, 100)'], { stdio: 'ignore' });
      children.push(host);
      await sleep(1000);
      // The floor: 700 MiB below what is available now. The hog doubles a string every 0.2 s towards GiBs.
      const floor = Math.round(sampleHost().memAvailableBytes - 700 * MiB);
      const { spec, specs } = containers(
        `  hog:\n    image: ${testImage(engine.kind, 'tools:1')}\n    priority: background\n    restart: "no"\n    command: ["sh", "-c", "x=0123456789abcdef; while :; do x=\\"$$x$$x\\"; sleep 0.2; done"]\n` +
          `  db:\n    image: ${testImage(engine.kind, 'tools:1')}\n    priority: critical\n`,
        floor,
      );
      assert.equal(spec.sites.dc1?.budget.floor, floor);
      // the CPU side held still (this shared machine is often busy): this test is about memory
      const g = governorFor(spec.sites.dc1?.budget.floor ?? 0, specs, { busyAbove: 2, memoryPressureAbove: 101, ioPressureAbove: 101 });
      await g.tick(); // the floor guard is set before any container runs
      for (const s of specs) await rt.start(await rt.create(s));
      g.start();

      let lowest = Infinity;
      const deadline = Date.now() + 60_000;
      let hog = (await rt.list(project)).find((c) => c.service === 'hog');
      while (Date.now() < deadline && hog?.state === 'running') {
        lowest = Math.min(lowest, sampleHost().memAvailableBytes);
        await sleep(50);
        // a loaded engine now and then drops a connection (ECONNRESET): the next poll asks again
        hog = (await rt.inspect(hog.id).catch(() => hog)) ?? hog;
      }
      // the governor's next ticks read the kernel's OOM counter: on a loaded machine a tick may come seconds late
      const stopped = (e: { type: string; message: string }) => e.type === 'governor.oom-kill' || (e.type === 'governor.memory' && /could not reclaim it/.test(e.message));
      for (const end = Date.now() + 15_000; Date.now() < end && !store.events.list({ site: 'dc1', limit: 1000 }).some(stopped); ) await sleep(100);
      await g.stop();
      assert.equal(hog?.state, 'exited', 'the hog was stopped');
      // MemAvailable also moves with the other work on this shared machine (a 40 MB node process starting), hence
      // a tolerance of 32 MiB; the guard itself keeps one 16 MiB step of margin.
      assert.ok(lowest >= floor - 32 * MiB, `MemAvailable fell to ${Math.round(lowest / MiB)} MiB, below the floor of ${Math.round(floor / MiB)} MiB`);
      // Two correct ways to stop it, depending on how far the hog got between two ticks: the kernel kills it at
      // the class's cap (an OOM kill the governor reports), or, on cgroup v1, the kernel refuses a cap below what
      // the hog already holds and the governor stops the class's biggest container (on a loaded machine).
      const all = store.events.list({ site: 'dc1', limit: 1000 });
      const events = all.filter(stopped);
      assert.equal(events.length, 1, JSON.stringify(all.filter((e) => e.type.startsWith('governor.'))));
      assert.match(events[0]?.message ?? '', events[0]?.type === 'governor.oom-kill'
        ? /^the kernel stopped 1 process in (background|turtle's containers) for lack of memory: turtle's cap of \d+ MiB keeps the host's floor of [\d.]+ GiB$/
        : /; the kernel could not reclaim it \(.+\), so hog \(replica 1, \d+ MiB\) was stopped$/);
      const db = (await rt.list(project)).find((c) => c.service === 'db');
      assert.equal(db?.state, 'running', 'the critical service runs on');
      assert.equal(host.exitCode, null, "the host's workload runs on");
      assert.ok(readFileSync(`/proc/${host.pid}/status`, 'utf8').includes('VmRSS'));
    });

    test('below the floor memory is freed from background first, then normal; critical is never touched', { timeout: 90_000 }, async () => {
      // three services holding 64 MiB each (a shell string doubled 22 times, kept by a loop: a last plain
      // command would replace the shell), one per class
      const holder = (name: string, priority: string) =>
        `  ${name}:\n    image: ${testImage(engine.kind, 'tools:1')}\n    priority: ${priority}\n    restart: "no"\n    command: ["sh", "-c", "x=0123456789abcdef; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22; do x=\\"$$x$$x\\"; done; while :; do sleep 1000; done"]\n`;
      const yaml = holder('bg', 'background') + holder('nm', 'normal') + holder('crit', 'critical');
      const { specs } = containers(yaml, 1);
      const mark = store.events.list({ site: 'dc1', limit: 100_000 }).at(-1)?.seq ?? 0;
      for (const s of specs) await rt.start(await rt.create(s));
      await sleep(3_000); // the strings are built
      // The floor: 100 MiB above what is available now, so turtle must free more than background holds.
      const floor = Math.round(sampleHost().memAvailableBytes + 100 * MiB);
      const g = governorFor(floor, specs, { busyAbove: 2, memoryPressureAbove: 101, ioPressureAbove: 101 });
      const state = async (service: string) => (await rt.list(project)).find((c) => c.service === service)?.state;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && ((await state('bg')) === 'running' || (await state('nm')) === 'running')) {
        await g.tick();
        await sleep(200);
      }
      await g.stop();
      const events = () => JSON.stringify(store.events.list({ site: "dc1", after: mark, limit: 1000 }).map((e) => e.message));
      assert.deepEqual([await state("bg"), await state("nm"), await state("crit")], ["exited", "exited", "running"], events());
      const freed = store.events.list({ site: 'dc1', after: mark, limit: 1000 }).filter((e) => e.type === 'governor.memory' && e.data?.group !== 'turtle');
      // background is asked first, then normal; critical never
      assert.deepEqual([...new Set(freed.map((e) => e.data?.group))], ['background', 'normal'], JSON.stringify(freed));
      // (on cgroup v1 the kernel cannot take back anonymous memory below what is in use: the class's biggest container is stopped)
      assert.match(freed[0]?.message ?? '', /^(background memory limited to \d+ MiB: )?MemAvailable [\d.]+ GiB is below the floor of [\d.]+ GiB: freeing [\d.]+ [GM]iB from background(; .*so bg \(replica 1, \d+ MiB\) was stopped)?$/);
      assert.ok(freed.every((e) => !/critical|crit /.test(e.message)), events());
      await removeProject(rt, project);
    });

    test('sustained pressure pauses background services through the engine and caps CPU; calm resumes and lifts', { timeout: 60_000 }, async () => {
      const { specs } = containers(`  bg:\n    image: ${testImage(engine.kind, 'tools:1')}\n    priority: background\n`, 1);
      for (const s of specs) await rt.start(await rt.create(s));
      // busyAbove 0: any reading is "busy", so the test does not have to load this shared machine
      const tune = { busyAbove: 0, calmBelow: -1, pauseAfterMs: 300, relaxAfterMs: 300 };
      const g = governorFor(0, specs, tune);
      const mark = store.events.list({ site: 'dc1', limit: 100_000 }).at(-1)?.seq ?? 0;
      const quota = () => g.actuator.read().cpuQuota;
      // 10% of this host's CPUs (as the governor counts them, from /proc/stat), as a share of a 100 ms period
      const budgetCores = (sampleHost().cpus * 10) / 100;
      const budgetQuotaUs = Math.round(budgetCores * 100_000);
      for (let i = 0; i < 6; i++) {
        await g.tick();
        await sleep(100);
      }
      const bg = (await rt.list(project)).find((c) => c.service === 'bg');
      assert.equal(bg?.state, 'paused');
      assert.equal(quota(), version === 1 ? `${budgetQuotaUs}` : `${budgetQuotaUs} 100000`);
      Object.assign((g as unknown as { opts: { settings: object } }).opts.settings, { busyAbove: 2, calmBelow: 2 });
      for (let i = 0; i < 6; i++) {
        await g.tick();
        await sleep(100);
      }
      assert.equal((await rt.inspect(bg?.id ?? ''))?.state, 'running');
      assert.equal(quota(), version === 1 ? '-1' : 'max 100000');
      // a cap left by another governor (an agent killed while capped) is lifted at the next tick
      g.actuator.setCpuCap(0.5);
      await g.tick();
      assert.equal(quota(), version === 1 ? '-1' : 'max 100000');
      const types = store.events.list({ site: 'dc1', after: mark, limit: 1000 }).filter((e) => /governor\.(mode|pause|resume|cpu-cap)/.test(e.type)).map((e) => e.message.replace(/\d+% of its CPU/, 'N% of its CPU'));
      assert.deepEqual(types, [
        `governor relaxed -> capped: the host's own work uses N% of its CPU: turtle is held to its budget of ${budgetCores} CPUs`,
        `turtle capped at ${budgetCores} CPUs: the host's own work uses N% of its CPU`,
        "governor capped -> paused: the host's own work uses N% of its CPU for 0 s: background services pause",
        "paused 1 background container: the host's own work uses N% of its CPU for 0 s: background services pause",
        'governor paused -> relaxed: the host has been calm for 0 s (its own work uses N% of its CPU): the cap is lifted',
        'CPU cap lifted: the host has been calm for 0 s (its own work uses N% of its CPU): the cap is lifted',
        'resumed 1 background container: the host has been calm for 0 s (its own work uses N% of its CPU): the cap is lifted',
      ]);
    });
  });
}

describe('the agent runs the governor and shows it', { skip: skipEngines }, () => {
  const engine = engines()[0]!;
  const agent = new AgentFixture('dc1', engine.kind, engine.endpoint);
  after(async () => {
    await agent.kill();
    agent.remove();
  });

  test('GET /v1/governor and /metrics: mode, host vs turtle share, caps, the sampler\'s own cost', { timeout: 60_000 }, async () => {
    await agent.init();
    const observer = await agent.identity('observer', 'grafana');
    await agent.start({ TURTLE_GOVERNOR: 'on' });
    await sleep(2500);
    const reply = await api(agent.port, observer, 'GET', '/v1/governor');
    assert.equal(reply.status, 200);
    const { site, governor: g } = reply.body as { site: string; governor: { acting: boolean; mode: string; floorBytes: number; host: { cpus: number; memTotalBytes: number; memAvailableBytes: number }; turtle: { cpuShare: number }; sampleCost: { samples: number; wallMs: number } } };
    assert.equal(site, 'dc1');
    assert.match(g.mode, /^(relaxed|capped|paused)$/);
    assert.equal(g.host.cpus, sampleHost().cpus);
    assert.equal(g.floorBytes, Math.floor((g.host.memTotalBytes * 10) / 100)); // the default floor: 10% in whole bytes, rounded down
    assert.ok(g.turtle.cpuShare >= 0 && g.turtle.cpuShare <= 1);
    assert.ok(g.sampleCost.samples >= 2 && g.sampleCost.wallMs > 0 && g.sampleCost.wallMs < 50, JSON.stringify(g.sampleCost));
    const metrics = (await api(agent.port, observer, 'GET', '/metrics')).text;
    assert.match(metrics, new RegExp(`^turtle_governor_mode\\{mode="${g.mode}"\\} 1$`, 'm'));
    for (const name of ['host_cpu_cores', 'turtle_cpu_cores', 'host_memory_available_bytes', 'turtle_memory_bytes', 'memory_floor_bytes', 'cpu_cap_cores', 'memory_limit_bytes', 'sample_seconds'])
      assert.match(metrics, new RegExp(`^turtle_governor_${name} [\\d.e+-]+$`, 'm'), name);
    const events = ((await api(agent.port, observer, 'GET', '/v1/events')).body as { events: { type: string; message: string }[] }).events;
    // another agent's governor on this shared host may be the one acting on /turtle: then this one only observes
    if (!g.acting) return assert.deepEqual(events.filter((e) => e.type.startsWith('governor.') && e.type !== 'governor.cgroups'), []);
    assert.ok(events.some((e) => e.type === 'governor.memory' && /^turtle memory limited to \d+ MiB: (MemAvailable .* keeps the floor of|the host is busy: turtle is held to its memory budget of) /.test(e.message)), JSON.stringify(events));
  });
});

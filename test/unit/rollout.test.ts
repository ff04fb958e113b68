// The cross-site rollout against fake sites: order, bake, rollback on every changed site, unreachable
// sites waited for or skipped, and what the store records. (Real engines and agents: test/integration/rollout*.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode, TurtleError } from '../../src/lib/errors.js';
import type { ContainerSpec, ObservedContainer } from '../../src/domain/types.js';
import { parseSpec, rolloutPolicy, type RolloutPolicy, type Spec } from '../../src/spec/index.js';
import { Store } from '../../src/store/index.js';
import { specHash } from '../../src/converge/deploy.js';
import { checkSlots, baselineOf, orderSites, rollout, type RolloutTarget } from '../../src/rollout/index.js';
import { desired, observed } from '../helpers/fixtures.js';

const specOf = (dc1Image: string, dc2Image = dc1Image, rollout = '{ order: [dc2, dc1], bake: 50ms }') =>
  parseSpec(`version: 1
project: p
sites:
  dc1: { runtime: docker, capacity: { cpus: 2, memory: 2g } }
  dc2: { runtime: podman, capacity: { cpus: 2, memory: 2g } }
services:
  web: { image: "${dc1Image}" }
overlays:
  dc2: { services: { web: { image: "${dc2Image}" } } }
rollout: ${rollout}
`, 'turtle.yaml', {});

/** A site that runs what it is given unless the image is "broken"; `down` makes it unreachable. */
class FakeSite implements RolloutTarget {
  running: ObservedContainer[] = [];
  pushes: { images: string[]; version?: string | undefined }[] = [];
  down = 0; // calls to fail while down (Infinity: stays down)
  restartDuringBake = false;
  engineDown = 0; // converges to fail as an agent does while its engine restarts

  kept: { specHash: string; containers: ContainerSpec[] } | undefined;
  constructor(readonly name: string, readonly agent = false) {}
  private check(): void {
    if (this.down > 0) {
      this.down--;
      throw new TurtleError(`site ${this.name}: connection refused`, { exitCode: ExitCode.unreachable });
    }
  }
  get current() {
    return this.agent ? async () => this.kept : undefined;
  }
  async converge(want: readonly ContainerSpec[], _hooks?: unknown, version?: string) {
    this.check();
    if (this.engineDown > 0) {
      this.engineDown--;
      return { records: [], error: new TurtleError(`reconcile failed: docker engine at unix:///run/docker.sock is not reachable (ECONNREFUSED)`) };
    }
    this.pushes.push({ images: want.map((c) => c.image), version });
    if (this.agent) this.kept = { specHash: version ?? '?', containers: [...want] };
    const changes = want.filter((w) => !this.running.some((r) => r.configHash === w.configHash));
    const records = changes.map((c) => ({ step: `replace ${c.service}#${c.replica} (${c.image})`, kind: 'replace', service: c.service, status: 'done' as const, durationMs: 5 }));
    if (want.some((c) => c.image.includes('broken'))) {
      return { records: records.map((r) => ({ ...r, status: 'failed' as const })), error: new TurtleError(`${this.name}/web#1 became unhealthy (3 failed health checks in a row)`) };
    }
    this.running = want.map((c) => observed(c.service, { replica: c.replica, site: this.name, image: c.image, configHash: c.configHash, startedAt: 't0' }));
    return { records };
  }
  async list() {
    this.check();
    const now = this.running;
    if (this.restartDuringBake && this.pushes.length > 0) this.running = this.running.map((c) => ({ ...c, startedAt: 't1' }));
    return now;
  }
}

function harness(sites: FakeSite[]) {
  const store = Store.open(':memory:');
  const lines: string[] = [];
  const run = (spec: Spec, over: Partial<RolloutPolicy> = {}) =>
    rollout({
      spec, store, sites: Object.values(spec.sites), policy: { ...rolloutPolicy(spec), ...over }, pollMs: 10, retryMs: 10,
      connect: async (s) => sites.find((f) => f.name === s.name)!, onLine: (l) => lines.push(l),
    });
  return { store, lines, run };
}

const outcomes = (r: { sites: { site: string; outcome: string }[] }) => r.sites.map((s) => `${s.site} ${s.outcome}`);

test('sites go in the policy order, the canary first; the version each ends on is recorded with the release', async () => {
  const [dc1, dc2] = [new FakeSite('dc1'), new FakeSite('dc2')];
  const { store, lines, run } = harness([dc1, dc2]);
  const spec = specOf('web:1');
  const r = await run(spec);
  assert.deepEqual([r.outcome, outcomes(r)], ['succeeded', ['dc2 succeeded', 'dc1 succeeded']]);
  assert.deepEqual(lines, ['dc2: converged; watching it for 0 s before the next site', 'dc2: held healthy through the bake']);
  assert.equal(store.deployments.siteVersion('dc1')?.version, specHash(spec));
  // the release holds the spec as deployed (its JSON, without the file it was read from)
  const { file: _file, ...content } = spec;
  assert.deepEqual([store.releases.get(specHash(spec))?.specHash, store.releases.get(specHash(spec))?.spec], [specHash(spec), JSON.parse(JSON.stringify(content))]);
  // unchanged spec: nothing to do, nothing held
  const again = await run(spec);
  assert.deepEqual([again.outcome, outcomes(again)], ['no-op', ['dc2 no-op', 'dc1 no-op']]);
  assert.deepEqual(orderSites(Object.values(spec.sites), ['dc2']).map((s) => s.name), ['dc2', 'dc1']);
});

test('a broken version on the canary: the canary goes back to the previous version, dc1 never receives it', async () => {
  const [dc1, dc2] = [new FakeSite('dc1', true), new FakeSite('dc2', true)];
  const { store, lines, run } = harness([dc1, dc2]);
  const good = specOf('web:1');
  await run(good);
  const r = await run(specOf('web:broken'));
  assert.deepEqual([r.outcome, outcomes(r)], ['rolled-back', ['dc2 rolled-back', 'dc1 skipped']]);
  assert.deepEqual(dc1.pushes.map((p) => p.images), [['web:1']]);
  assert.deepEqual(dc2.pushes.map((p) => [p.images, p.version]), [[['web:1'], specHash(good)], [['web:broken'], specHash(specOf('web:broken'))], [['web:1'], specHash(good)]]);
  assert.deepEqual(lines.slice(-2), [`dc2: rolling back to ${specHash(good).slice(0, 12)}`, `dc2: back on ${specHash(good).slice(0, 12)}`]);
  const d = store.deployments.get(r.id)!;
  assert.equal(d.outcome, 'rolled-back');
  assert.deepEqual(d.sites.map((s) => [s.site, s.outcome, s.version, s.error]), [
    ['dc2', 'rolled-back', specHash(good), 'dc2/web#1 became unhealthy (3 failed health checks in a row)'],
    ['dc1', 'skipped', undefined, 'not updated: dc2 failed first'],
  ]);
  assert.deepEqual(store.events.list({ site: 'dc2', after: 0 }).map((e) => e.type), ['deploy.succeeded', 'deploy.failed', 'deploy.rolled-back']);
});

test('a failure on the second site rolls back the canary too; a site driven from here goes back to the release the store kept', async () => {
  const [dc1, dc2] = [new FakeSite('dc1'), new FakeSite('dc2')];
  const { run } = harness([dc1, dc2]);
  const v1 = specOf('web:1');
  await run(v1);
  const r = await run(specOf('web:broken', 'web:2'));
  assert.deepEqual([r.outcome, outcomes(r)], ['rolled-back', ['dc2 rolled-back', 'dc1 rolled-back']]);
  assert.deepEqual(dc2.pushes.map((p) => p.images), [['web:1'], ['web:2'], ['web:1']]);
  assert.deepEqual(dc1.pushes.map((p) => p.images), [['web:1'], ['web:broken'], ['web:1']]);
  assert.equal(dc2.running[0]?.image, 'web:1');
  assert.deepEqual(r.sites.map((s) => s.version), [specHash(v1), specHash(v1)]);
});

test('a rollback keeps trying a site whose engine is restarting, until it is back', async () => {
  const [dc1, dc2] = [new FakeSite('dc1', true), new FakeSite('dc2', true)];
  const { lines, run } = harness([dc1, dc2]);
  await run(specOf('web:1'));
  const broken = dc1.converge.bind(dc1);
  dc1.converge = async (...args) => {
    dc2.engineDown = 2; // dc2's engine restarts just as dc1 fails
    dc1.converge = broken;
    return broken(...args);
  };
  const r = await run(specOf('web:broken', 'web:2'));
  assert.deepEqual([r.outcome, outcomes(r)], ['rolled-back', ['dc2 rolled-back', 'dc1 rolled-back']]);
  assert.equal(lines.filter((l) => l.startsWith('dc2: not back yet (reconcile failed: docker engine')).length, 2);
  assert.equal(dc2.running[0]?.image, 'web:1');
});

test('a container that restarts during the bake fails the gate', async () => {
  const [dc1, dc2] = [new FakeSite('dc1', true), new FakeSite('dc2', true)];
  const { run } = harness([dc1, dc2]);
  await run(specOf('web:1'));
  dc2.restartDuringBake = true;
  const r = await run(specOf('web:2'), { bakeMs: 200 });
  assert.deepEqual(outcomes(r), ['dc2 rolled-back', 'dc1 skipped']);
  assert.equal(r.sites[0]?.error?.message, 'dc2: web#1 restarted during the 0 s bake');
});

test('on_failure: halt leaves every site as it is', async () => {
  const [dc1, dc2] = [new FakeSite('dc1', true), new FakeSite('dc2', true)];
  const { run } = harness([dc1, dc2]);
  await run(specOf('web:1'));
  const r = await run(specOf('web:broken', 'web:2'), { onFailure: 'halt' });
  assert.deepEqual([r.outcome, outcomes(r)], ['failed', ['dc2 succeeded', 'dc1 failed']]);
  assert.equal(dc2.pushes.length, 2);
});

test('a site cut off during the rollout is waited for and then updated (wait), or left pending (skip)', async () => {
  const [dc1, dc2] = [new FakeSite('dc1', true), new FakeSite('dc2', true)];
  const { lines, run } = harness([dc1, dc2]);
  await run(specOf('web:1'));
  // down after the preflight: the preflight's list() answers, the push does not, three times
  const origList = dc1.list.bind(dc1);
  dc1.list = async () => {
    const out = await origList();
    dc1.down = 3;
    dc1.list = origList;
    return out;
  };
  const r = await run(specOf('web:2'));
  assert.deepEqual([r.outcome, outcomes(r)], ['succeeded', ['dc2 succeeded', 'dc1 succeeded']]);
  assert.equal(lines.filter((l) => /^dc1: unreachable \(site dc1: connection refused\); waiting for it \(\d+ s left\)$/.test(l)).length, 3);

  dc1.down = Infinity;
  const skipped = await run(specOf('web:3'), { unreachable: 'skip' });
  assert.deepEqual([skipped.outcome, outcomes(skipped)], ['pending', ['dc2 succeeded', 'dc1 pending']]);
  dc1.down = 0;
  // the next deploy of the same spec brings only the pending site up to date
  const later = await run(specOf('web:3'), { unreachable: 'skip' });
  assert.deepEqual([later.outcome, outcomes(later)], ['succeeded', ['dc2 no-op', 'dc1 succeeded']]);
});

test('wait gives up after wait_timeout and rolls back what changed; a site down before the start changes nothing anywhere', async () => {
  const [dc1, dc2] = [new FakeSite('dc1', true), new FakeSite('dc2', true)];
  const { run } = harness([dc1, dc2]);
  await run(specOf('web:1'));
  const origList = dc1.list.bind(dc1);
  dc1.list = async () => {
    const out = await origList();
    dc1.down = Infinity;
    dc1.list = origList;
    return out;
  };
  const r = await run(specOf('web:2'), { waitTimeoutMs: 100 });
  // dc1 may have taken the push before it went quiet: it is put back too, and that cannot be done yet
  assert.deepEqual([r.outcome, outcomes(r)], ['failed', ['dc2 rolled-back', 'dc1 failed']]);
  assert.match(r.sites[1]?.error?.message ?? '', /^dc1 stayed unreachable for 0 s: site dc1: connection refused$/);
  assert.equal(r.sites[1]?.rollback?.error?.message, 'site dc1: connection refused');
  assert.equal(dc2.running[0]?.image, 'web:1');

  const pushes = dc2.pushes.length;
  const before = await run(specOf('web:2'));
  assert.deepEqual([before.outcome, outcomes(before)], ['failed', ['dc2 skipped', 'dc1 failed']]);
  assert.equal(dc2.pushes.length, pushes);
});

test('a first deployment has nothing to roll back to: said so, and the site is left as it is', async () => {
  const [dc1, dc2] = [new FakeSite('dc1'), new FakeSite('dc2')];
  const { run } = harness([dc1, dc2]);
  const r = await run(specOf('web:broken'));
  assert.deepEqual([r.outcome, outcomes(r)], ['failed', ['dc2 failed', 'dc1 skipped']]);
  assert.equal(r.sites[0]?.rollback?.error?.message, 'no earlier version of dc2 is known (first deployment there): left as it is');
});

test('the bake gate: gone, replaced, stopped, unhealthy and restarted slots each named', () => {
  const want = [desired('web')];
  const ok = [observed('web', { id: 'a', startedAt: 't0', health: 'healthy' })];
  const base = baselineOf(ok, want);
  assert.equal(checkSlots(want, base, ok), undefined);
  assert.equal(checkSlots(want, base, []), 'web#1 disappeared');
  assert.equal(checkSlots(want, base, [{ ...ok[0]!, configHash: 'other' }]), 'web#1 was replaced by another version');
  assert.equal(checkSlots(want, base, [{ ...ok[0]!, state: 'exited', exitCode: 137 }]), 'web#1 is exited (exit code 137)');
  assert.equal(checkSlots(want, base, [{ ...ok[0]!, health: 'unhealthy' }]), 'web#1 became unhealthy');
  assert.equal(checkSlots(want, base, [{ ...ok[0]!, startedAt: 't1' }]), 'web#1 restarted');
  assert.equal(checkSlots([desired('web', { running: false })], base, []), undefined);
});

test('the bake gate: a leftover of an interrupted deployment listed beside the new container is not taken for a restart', () => {
  const want = [desired('web')];
  const fresh = observed('web', { id: 'new', startedAt: 't0', health: 'healthy' });
  const leftover = { ...observed('web', { id: 'old', startedAt: 't-1' }), configHash: 'previous' };
  const base = baselineOf([fresh, leftover], want);
  assert.deepEqual(base.get('web#1'), { id: 'new', startedAt: 't0' });
  assert.equal(checkSlots(want, base, [leftover, fresh]), undefined);
  assert.equal(checkSlots(want, base, [fresh]), undefined);
});

test('the policy: defaults when not written; the order lists every edge site, the written ones first', () => {
  const three = parseSpec(`version: 1
project: p
sites:
  a: { runtime: docker, capacity: { cpus: 1, memory: 1g } }
  obs: { role: observer }
  b: { runtime: docker, capacity: { cpus: 1, memory: 1g } }
  c: { runtime: docker, capacity: { cpus: 1, memory: 1g } }
services: {}
`, 'turtle.yaml', {});
  assert.deepEqual(rolloutPolicy(three), { order: ['a', 'b', 'c'], bakeMs: 10_000, onFailure: 'rollback', unreachable: 'wait', waitTimeoutMs: 300_000 });
  const written = { ...three, rollout: { order: ['c'], bakeMs: 0, unreachable: 'skip' as const } };
  assert.deepEqual(rolloutPolicy(written), { order: ['c', 'a', 'b'], bakeMs: 0, onFailure: 'rollback', unreachable: 'skip', waitTimeoutMs: 300_000 });
});

/** FakeSites that can be locked, with a log of lock calls shared by all of them. */
function lockable(sites: FakeSite[], log: string[], heldBy?: string) {
  for (const site of sites) {
    Object.assign(site, {
      site: site.name,
      pending: async (want: readonly ContainerSpec[]) => want.filter((w) => !site.running.some((r) => r.configHash === w.configHash)).length,
      tryLock: async () => {
        log.push(`lock ${site.name}`);
        if (heldBy === site.name) return { heldBy: { who: 'other@desk', host: 'desk', pid: 1, command: 'deploy', since: '2026-12-02T10:00:00.000Z' } };
        return { lease: { renew: async () => undefined, release: async () => void log.push(`release ${site.name}`) } };
      },
    });
  }
}

test('locks: a change locks every site in sorted order (not the rollout order) and lets them go after; a no-op locks nothing', async () => {
  const [dc1, dc2] = [new FakeSite('dc1'), new FakeSite('dc2')];
  const log: string[] = [];
  lockable([dc1, dc2], log);
  const store = Store.open(':memory:');
  const run = (spec: Spec) => rollout({ spec, store, sites: Object.values(spec.sites), pollMs: 10, retryMs: 10, connect: async (s) => (s.name === 'dc1' ? dc1 : dc2), lock: { wait: false } });
  const r = await run(specOf('web:1'));
  assert.deepEqual(outcomes(r), ['dc2 succeeded', 'dc1 succeeded']);
  assert.deepEqual(log, ['lock dc1', 'lock dc2', 'release dc1', 'release dc2']);
  log.length = 0;
  const again = await run(specOf('web:1'));
  assert.deepEqual([again.outcome, log], ['no-op', []]);
});

test('locks: a site held by another deployment with --no-wait: exit 5, nothing converged, no deployment recorded', async () => {
  const [dc1, dc2] = [new FakeSite('dc1'), new FakeSite('dc2')];
  const log: string[] = [];
  lockable([dc1, dc2], log, 'dc2');
  const store = Store.open(':memory:');
  const err = await rollout({ spec: specOf('web:1'), store, sites: Object.values(specOf('web:1').sites), connect: async (s) => (s.name === 'dc1' ? dc1 : dc2), lock: { wait: false } }).catch((e: unknown) => e);
  assert.ok(err instanceof TurtleError);
  assert.equal(err.exitCode, ExitCode.busy);
  assert.deepEqual(log, ['lock dc1', 'lock dc2', 'release dc1']);
  assert.deepEqual([dc1.pushes, dc2.pushes], [[], []]);
  assert.deepEqual(store.deployments.list(), []);
});

test('Ctrl-C during the first site: it stops there (interrupted), later sites are not started and nothing is rolled back', async () => {
  const [dc1, dc2] = [new FakeSite('dc1'), new FakeSite('dc2')];
  const store = Store.open(':memory:');
  const interrupt = new AbortController();
  const converge = dc2.converge.bind(dc2);
  dc2.converge = (async (want: readonly ContainerSpec[], hooks?: unknown, version?: string) => {
    const r = await converge(want, hooks, version);
    interrupt.abort();
    return { ...r, error: new TurtleError('aborted') };
  }) as never;
  const r = await rollout({ spec: specOf('web:1'), store, sites: Object.values(specOf('web:1').sites), connect: async (s) => (s.name === 'dc1' ? dc1 : dc2), signal: interrupt.signal });
  assert.deepEqual([r.outcome, outcomes(r)], ['interrupted', ['dc2 interrupted', 'dc1 skipped']]);
  assert.equal(r.sites[1]?.error?.message, 'not updated: the deployment was interrupted first');
  assert.deepEqual([dc2.pushes.length, dc1.pushes.length], [1, 0]);
  assert.equal(store.deployments.get(r.id)?.outcome, 'interrupted');
});

test('an unreadable journal entry on any site stops the deployment before a site is touched or a deployment recorded', async () => {
  const [dc1, dc2] = [new FakeSite('dc1'), new FakeSite('dc2')];
  const { store, run } = harness([dc1, dc2]);
  store.agent.begin('dc1', { kind: 'create' } as never);
  await assert.rejects(run(specOf('web:1')), (err: unknown) => err instanceof TurtleError && err.exitCode === ExitCode.invalid && /this turtle cannot read/.test(err.message));
  assert.deepEqual([dc1.pushes, dc2.pushes, store.deployments.list()], [[], [], []]);
});

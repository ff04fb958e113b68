// The deployment lock's policy over a stand-in engine: exclusive names, expiry by the engine's clock, a dead
// holder on this host, renewal that never leaves the site without a live lease, sorted taking, --no-wait.
// The agent's lease table likewise. The real engines' lease containers: test/integration/deploy-lock.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { SiteLocks, engineLock, expired, type Holder, type Lockable } from '../../src/converge/lock.js';
import { LeaseTable } from '../../src/agent/leases.js';
import { ExitCode, TurtleError } from '../../src/lib/errors.js';
import type { ContainerRuntime, HoldsLeases, LeaseRecord } from '../../src/runtime/types.js';

/** Containers by name, as an engine keeps them: a second create of a name fails. */
class LeaseEngine implements HoldsLeases {
  nowMs = 1_000_000;
  private next = 0;
  readonly byId = new Map<string, LeaseRecord>();
  readonly log: string[] = [];

  async leases(key: string) {
    return { nowMs: this.nowMs, leases: [...this.byId.values()].filter((l) => l.labels['io.turtle.lease'] === key) };
  }
  async createLease(name: string, labels: Record<string, string>) {
    if ([...this.byId.values()].some((l) => l.name === name)) return undefined;
    const id = `c${++this.next}`;
    this.byId.set(id, { id, name, labels, createdMs: this.nowMs });
    this.log.push(`create ${name}`);
    return id;
  }
  async renameLease(id: string, name: string) {
    if ([...this.byId.values()].some((l) => l.name === name)) return false;
    this.byId.get(id)!.name = name;
    this.log.push(`rename ${id} ${name}`);
    return true;
  }
  async removeLease(id: string) {
    if (this.byId.delete(id)) this.log.push(`remove ${id}`);
  }
}

const me = (pid = process.pid): Holder => ({ who: 'op@laptop', host: 'laptop', pid, command: 'deploy', deployment: 7, since: '2026-12-02T10:00:00.000Z' });
const lockOf = (engine: LeaseEngine, site = 'dc1') => engineLock(engine as unknown as ContainerRuntime & HoldsLeases, 'shop', site);

test('an engine lease: the first taker holds it, a second gets the holder, and after release the second takes it', async () => {
  const engine = new LeaseEngine();
  const first = await lockOf(engine).tryLock(me(), 30_000);
  assert.ok('lease' in first);
  const second = await lockOf(engine).tryLock({ ...me(), who: 'other@desk', deployment: 3 }, 30_000);
  assert.deepEqual(second, { heldBy: me() });
  await first.lease.release();
  assert.ok('lease' in (await lockOf(engine).tryLock(me(), 30_000)));
  assert.deepEqual(engine.log, ['create turtle-lease-shop-dc1', 'remove c1', 'create turtle-lease-shop-dc1']);
});

test('an expired lease (by the engine clock) is removed by its id and taken over', async () => {
  const engine = new LeaseEngine();
  await lockOf(engine).tryLock(me(), 30_000);
  engine.nowMs += 30_001;
  const got = await lockOf(engine).tryLock({ ...me(), deployment: 8 }, 30_000);
  assert.ok('lease' in got);
  assert.deepEqual(engine.log, ['create turtle-lease-shop-dc1', 'remove c1', 'create turtle-lease-shop-dc1']);
});

test('a lease whose holder ran on this host and is gone is stale at once; one from another host is not', () => {
  const lease = (host: string): LeaseRecord => ({
    id: 'x', name: 'n', createdMs: 1000,
    labels: { 'io.turtle.lease.holder': JSON.stringify({ ...me(4242), host }), 'io.turtle.lease.ttl-ms': '30000' },
  });
  assert.equal(expired(lease(hostname()), 2000, () => false), true);
  assert.equal(expired(lease(hostname()), 2000, () => true), false);
  assert.equal(expired(lease('elsewhere'), 2000, () => false), false);
  assert.equal(expired(lease('elsewhere'), 31_001, () => true), true);
});

test('renewal makes the fresh lease before the old one goes, so the site is never without a live lease', async () => {
  const engine = new LeaseEngine();
  const got = await lockOf(engine).tryLock(me(), 30_000);
  assert.ok('lease' in got);
  engine.nowMs += 10_000;
  await got.lease.renew();
  assert.deepEqual(engine.log.slice(1).map((l) => l.replace(/(dc1)-[0-9a-z]+$/, '$1-R')), ['create turtle-lease-shop-dc1-R', 'remove c1', 'rename c2 turtle-lease-shop-dc1']);
  engine.nowMs += 25_000; // 35 s after the first, 25 s after the renewal: still held
  assert.deepEqual(await lockOf(engine).tryLock({ ...me(), who: 'other' }, 30_000), { heldBy: me() });
});

test('a renewal that finds its name taken (it stalled past the TTL and was taken over) says so', async () => {
  const engine = new LeaseEngine();
  const got = await lockOf(engine).tryLock(me(), 30_000);
  assert.ok('lease' in got);
  engine.nowMs += 31_000;
  assert.ok('lease' in (await lockOf(engine).tryLock({ ...me(), who: 'other' }, 30_000)));
  await assert.rejects(got.lease.renew(), { message: 'the deployment lease turtle-lease-shop-dc1 was taken over by another deployment' });
});

/** A site lock that answers from a script: held by someone for the first `busy` tries. */
function scripted(site: string, busy: number, log: string[]): Lockable {
  let tries = 0;
  return {
    site,
    async tryLock() {
      log.push(`try ${site}`);
      if (tries++ < busy) return { heldBy: { ...me(1), who: 'other@desk' } };
      return { lease: { renew: async () => undefined, release: async () => void log.push(`release ${site}`) } };
    },
  };
}

test('sites are locked in sorted order; a held site is waited for and the wait reported once as first', async () => {
  const log: string[] = [];
  const waits: string[] = [];
  const locks = await SiteLocks.take([scripted('dc2', 0, log), scripted('dc1', 2, log)], {
    holder: me(), wait: true, pollMs: 1, onWaiting: (site, h, first) => waits.push(`${site} ${h.who} ${first}`),
  });
  assert.deepEqual(locks.sites, ['dc1', 'dc2']);
  assert.deepEqual(log, ['try dc1', 'try dc1', 'try dc1', 'try dc2']);
  assert.deepEqual(waits, ['dc1 other@desk true', 'dc1 other@desk false']);
  await locks.release();
  assert.deepEqual(log.slice(4).sort(), ['release dc1', 'release dc2']);
});

test('--no-wait: a held site fails at once with exit 5 naming the holder, and the locks already taken are let go', async () => {
  const log: string[] = [];
  const err = await SiteLocks.take([scripted('dc1', 0, log), scripted('dc2', 1, log)], { holder: me(), wait: false }).catch((e: unknown) => e);
  assert.ok(err instanceof TurtleError);
  assert.equal(err.exitCode, ExitCode.busy);
  assert.equal(err.message, 'dc2 is being deployed by deployment 7 (`turtle deploy`) by other@desk, pid 1, since 2026-12-02T10:00:00.000Z' + err.message.slice(err.message.indexOf(' (', 90)));
  assert.match(err.message, / \(\d+ s ago\)$/);
  assert.deepEqual(log, ['try dc1', 'try dc2', 'release dc1']);
});

test('the agent\'s lease table: one holder at a time, renewal by id only, expiry, and what blocks a push', () => {
  let now = 0;
  const table = new LeaseTable(() => now);
  const a = table.take(me(), 30_000);
  assert.ok('id' in a);
  assert.deepEqual(table.take({ ...me(), who: 'b' }, 30_000), { heldBy: me() });
  assert.equal(table.blocking(a.id), undefined);
  assert.deepEqual(table.blocking(undefined), me());
  assert.deepEqual(table.blocking('someone-else'), me());
  now = 20_000;
  assert.equal(table.renew(a.id, 30_000), true);
  assert.equal(table.renew('nope', 30_000), false);
  now = 49_999;
  assert.deepEqual(table.blocking(undefined), me());
  now = 50_000;
  assert.equal(table.blocking(undefined), undefined);
  assert.equal(table.renew(a.id, 30_000), false);
  const b = table.take({ ...me(), who: 'b' }, 30_000);
  assert.ok('id' in b);
  assert.equal(table.release(a.id), false);
  assert.equal(table.release(b.id), true);
  assert.equal(table.blocking(undefined), undefined);
});

test('a journal entry this turtle cannot read stops the repair before it touches the engine, saying what to do', async () => {
  const { Store } = await import('../../src/store/index.js');
  const { recoverJournal } = await import('../../src/converge/recover.js');
  const { FakeRuntime } = await import('../helpers/fake-runtime.js');
  const store = Store.open(':memory:');
  const runtime = new FakeRuntime();
  const id = store.agent.begin('dc1', { kind: 'replace', spec: { name: 'shop-web-1-abc' } } as never);
  const err = await recoverJournal(runtime, 'dc1', 'shop', store).catch((e: unknown) => e);
  assert.ok(err instanceof TurtleError);
  assert.equal(err.exitCode, ExitCode.invalid);
  assert.equal(err.message, `the step journal holds an interrupted step (entry ${id}) this turtle cannot read: {"kind":"replace","spec":{"name":"shop-web-1-abc"}}`);
  assert.equal(err.hint, 'finish it with the turtle version that wrote it (run the same deploy with it), or check the site with `turtle ps` and mark the entry done in the store');
  assert.deepEqual(runtime.calls, []);
  assert.equal(store.agent.unfinished('dc1').length, 1);
  store.close();
});

// The store against real SQLite (better-sqlite3), in a temporary file so WAL and reopening are real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../src/store/index.js';
import { TurtleError } from '../../src/lib/errors.js';

function tempPath(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-store-'));
  return { path: join(dir, 'state.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('migrates a new store to the latest version, and reopening keeps the data', () => {
  const { path, done } = tempPath();
  const store = Store.open(path);
  assert.equal(store.schemaVersion, 7);
  const id = store.deployments.begin('abc', 'deploy');
  store.deployments.recordSite(id, {
    site: 'dc1',
    outcome: 'succeeded',
    steps: [{ step: 'create web#1 (web:1)', kind: 'create', service: 'web', status: 'done', durationMs: 612 }],
    startedAt: '2026-11-26T10:00:00.000Z',
    durationMs: 700,
  });
  store.deployments.finish(id, 'succeeded');
  store.close();

  const again = Store.open(path);
  const [d] = again.deployments.list();
  assert.equal(d?.id, id);
  assert.equal(d?.outcome, 'succeeded');
  assert.equal(d?.specHash, 'abc');
  assert.deepEqual(d?.sites, [
    {
      site: 'dc1',
      outcome: 'succeeded',
      steps: [{ step: 'create web#1 (web:1)', kind: 'create', service: 'web', status: 'done', durationMs: 612 }],
      startedAt: '2026-11-26T10:00:00.000Z',
      durationMs: 700,
    },
  ]);
  again.close();
  done();
});

test('events get monotonic sequence numbers and are read after a sequence', () => {
  const store = Store.open(':memory:');
  const a = store.events.append({ site: 'dc1', type: 'deploy', message: 'one' });
  const b = store.events.append({ site: 'dc2', type: 'deploy', service: 'web', message: 'two', data: { n: 1 } });
  const c = store.events.append({ site: 'dc1', type: 'deploy', message: 'three' });
  assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
  assert.deepEqual(store.events.list({ after: 1 }).map((e) => e.message), ['two', 'three']);
  assert.deepEqual(store.events.list({ site: 'dc1' }).map((e) => e.seq), [1, 3]);
  assert.deepEqual(store.events.list({ after: 1, site: 'dc2' })[0]?.data, { n: 1 });
  store.close();
});

test('the newest event, of a site and a kind, is read without the rest', () => {
  const store = Store.open(':memory:');
  assert.equal(store.events.last({ site: 'dc1' }), undefined);
  store.events.append({ site: 'dc1', type: 'reconcile.succeeded', message: 'one' });
  store.events.append({ site: 'dc1', type: 'health.failed', message: 'two' });
  store.events.append({ site: 'dc2', type: 'reconcile.failed', message: 'three' });
  assert.equal(store.events.last()?.message, 'three');
  assert.equal(store.events.last({ site: 'dc1' })?.message, 'two');
  assert.equal(store.events.last({ site: 'dc1', typePrefix: 'reconcile.' })?.message, 'one');
  assert.equal(store.events.last({ site: 'dc1', typePrefix: 'reconcile%' }), undefined);
  store.close();
});

test('operator stop/start state per site', () => {
  const store = Store.open(':memory:');
  store.setStopped('dc1', 'web', true);
  store.setStopped('dc2', 'web', true);
  store.setStopped('dc2', 'web', false);
  assert.deepEqual([...store.stoppedServices('dc1')], ['web']);
  assert.deepEqual([...store.stoppedServices('dc2')], []);
  store.close();
});

test('a store from a newer turtle is refused with a hint, not corrupted', () => {
  const { path, done } = tempPath();
  const db = new Database(path);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => Store.open(path), (err: unknown) => {
    assert.ok(err instanceof TurtleError);
    assert.equal(err.message, `the state store ${path} has schema version 99, newer than this turtle knows (7)`);
    assert.equal(err.hint, 'upgrade turtle, or point --state at another store');
    return true;
  });
  done();
});

test('an agent\'s desired state keeps the site budget the CLI pushed; one pushed without reads back without', () => {
  const { path, done } = tempPath();
  const store = Store.open(path);
  const site = { capacity: { cpus: 2, memory: 2 ** 31 }, budget: { cpu: 25, memory: 20, floor: 2 ** 28 } };
  store.agent.setDesired('dc1', { project: 'p', specHash: 'h1', containers: [], site });
  const { updatedAt: _a, ...withBudget } = store.agent.desired('dc1')!;
  assert.deepEqual(withBudget, { project: 'p', specHash: 'h1', containers: [], site });
  store.agent.setDesired('dc1', { project: 'p', specHash: 'h2', containers: [] });
  const { updatedAt: _b, ...without } = store.agent.desired('dc1')!;
  assert.deepEqual(without, { project: 'p', specHash: 'h2', containers: [] });
  store.close();
  done();
});

test('migration 5 keeps a version-4 store\'s deployments, their sites and ids, and the cascade', async () => {
  const { path, done } = tempPath();
  const { migrations } = await import('../../src/store/_migrations.js');
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  for (const [i, m] of migrations.slice(0, 4).entries()) {
    db.exec(m);
    db.pragma(`user_version = ${i + 1}`);
  }
  db.prepare(`INSERT INTO deployments (spec_hash, command, started_at, outcome) VALUES ('aaa', 'deploy', '2026-01-01T00:00:00.000Z', 'succeeded')`).run();
  db.prepare(`INSERT INTO deployment_sites (deployment_id, site, outcome, steps, started_at, duration_ms) VALUES (1, 'dc1', 'succeeded', '[]', '2026-01-01T00:00:00.000Z', 5)`).run();
  db.close();

  const store = Store.open(path);
  assert.equal(store.schemaVersion, 7);
  assert.deepEqual(store.deployments.get(1)?.sites, [{ site: 'dc1', outcome: 'succeeded', steps: [], startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5 }]);
  // ids go on after the copied rows, and the new outcomes are accepted
  const id = store.deployments.begin('bbb', 'rollout');
  assert.equal(id, 2);
  store.deployments.recordSite(id, { site: 'dc1', outcome: 'rolled-back', steps: [], startedAt: '2026-01-02T00:00:00.000Z', version: 'aaa' });
  store.deployments.recordSite(id, { site: 'dc2', outcome: 'skipped', steps: [], startedAt: '2026-01-02T00:00:00.000Z' });
  store.deployments.finish(id, 'rolled-back');
  assert.deepEqual(store.deployments.siteVersion('dc1'), { version: 'aaa', deployment: 2, outcome: 'rolled-back', at: '2026-01-02T00:00:00.000Z' });
  assert.equal(store.deployments.siteVersion('dc2'), undefined);
  assert.equal(store.deployments.lastForSite('dc2')?.site.outcome, 'skipped');
  store.close();
  const raw = new Database(path);
  raw.pragma('foreign_keys = ON');
  raw.prepare('DELETE FROM deployments WHERE id = 1').run();
  assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM deployment_sites WHERE deployment_id = 1').get() as { n: number }).n, 0);
  raw.close();
  done();
});

test('migration 6 keeps a version-5 store\'s deployments; a dead CLI\'s running deployment becomes interrupted, a live one and other hosts\' stay', async () => {
  const { path, done } = tempPath();
  const { migrations } = await import('../../src/store/_migrations.js');
  const db = new Database(path);
  for (const [i, m] of migrations.slice(0, 5).entries()) {
    db.exec(m);
    db.pragma(`user_version = ${i + 1}`);
  }
  db.prepare(`INSERT INTO deployments (spec_hash, command, started_at, outcome) VALUES ('aaa', 'deploy', '2026-01-01T00:00:00.000Z', 'running')`).run();
  db.prepare(`INSERT INTO deployment_sites (deployment_id, site, outcome, steps, started_at, version) VALUES (1, 'dc1', 'running', '[]', '2026-01-01T00:00:00.000Z', 'aaa')`).run();
  db.close();
  const store = Store.open(path);
  assert.equal(store.schemaVersion, 7);
  assert.deepEqual(store.deployments.siteVersion('dc1'), { version: 'aaa', deployment: 1, outcome: 'running', at: '2026-01-01T00:00:00.000Z' });
  const dead = store.deployments.begin('bbb', 'deploy', { host: 'here', pid: 111 });
  const live = store.deployments.begin('ccc', 'deploy', { host: 'here', pid: 222 });
  const elsewhere = store.deployments.begin('ddd', 'deploy', { host: 'there', pid: 111 });
  store.deployments.recordSite(dead, { site: 'dc2', outcome: 'running', steps: [], startedAt: '2026-01-02T00:00:00.000Z' });
  assert.deepEqual(store.deployments.markAbandoned((pid) => pid === 222, 'here'), [dead]);
  assert.deepEqual(store.deployments.markAbandoned((pid) => pid === 222, 'here'), []);
  store.close();
  // a migrated row has no pid: once its host is known, its process is taken as gone
  const raw = new Database(path);
  raw.prepare(`UPDATE deployments SET host = 'here' WHERE id = 1`).run();
  raw.close();
  const again = Store.open(path);
  assert.deepEqual(again.deployments.markAbandoned((pid) => pid === 222, 'here'), [1]);
  assert.deepEqual([1, dead, live, elsewhere].map((id) => again.deployments.get(id)?.outcome), ['interrupted', 'interrupted', 'running', 'running']);
  assert.deepEqual(again.deployments.get(dead)?.sites.map((s) => [s.outcome, s.error]), [['interrupted', 'the CLI running it died']]);
  again.deployments.discard(live);
  assert.equal(again.deployments.get(live), undefined);
  again.close();
  done();
});

test('releases: a spec saved once by its hash, found by a prefix', () => {
  const store = Store.open(':memory:');
  store.releases.save('abc123def456', { project: 'shop', services: { web: { image: 'web:1' } } });
  store.releases.save('abc123def456', { project: 'other' });
  store.releases.save('abd000000000', { project: 'shop' });
  assert.deepEqual(store.releases.get('abc123def456')?.spec, { project: 'shop', services: { web: { image: 'web:1' } } });
  assert.deepEqual(store.releases.matching('abc').map((r) => r.specHash), ['abc123def456']);
  assert.deepEqual(store.releases.matching('ab').map((r) => r.specHash).sort(), ['abc123def456', 'abd000000000']);
  assert.deepEqual(store.releases.matching('a%'), []);
  store.close();
});

test('the store, its WAL and its folder are readable by their owner only, whatever the umask', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-store-'));
  const path = join(dir, 'new', 'state.db');
  const umask = process.umask(0o022);
  try {
    const store = Store.open(path);
    store.events.append({ site: 'dc1', type: 'test', message: 'x' });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'new')).mode & 0o777, 0o700);
    store.close();
    chmodSync(path, 0o644); // as an older turtle left it
    Store.open(path).close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a deployment keeps who started it; one from before the column reads back without', () => {
  const { path, done } = tempPath();
  const store = Store.open(path);
  try {
    const mine = store.deployments.begin('a'.repeat(64), 'deploy', { host: 'laptop', pid: 1, who: 'operator alice' });
    const older = store.deployments.begin('b'.repeat(64), 'rollback', { host: 'laptop', pid: 1 });
    assert.equal(store.deployments.get(mine)?.by, 'operator alice');
    assert.equal(store.deployments.get(older)?.by, undefined);
  } finally {
    store.close();
    done();
  }
});

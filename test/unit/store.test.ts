// The store against real SQLite (better-sqlite3), in a temporary file so WAL and reopening are real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
  assert.equal(store.schemaVersion, 4);
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
    assert.equal(err.message, `the state store ${path} has schema version 99, newer than this turtle knows (4)`);
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

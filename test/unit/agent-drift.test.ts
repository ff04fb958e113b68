// The agent's drift events, from its reconcile loop over an in-memory engine: a change from outside is
// recorded before it is undone; a push, a crash (the health monitor's) or a failed run is not drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/index.js';
import { Reconciler } from '../../src/agent/reconciler.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';
import { desired } from '../helpers/fixtures.js';

function agent() {
  const runtime = new FakeRuntime();
  for (const image of ['web:1', 'web:2', 'db:1']) runtime.images.add(image);
  const store = Store.open(':memory:');
  const reconciler = new Reconciler({ site: 'dc1', store, runtime: () => runtime, backoffBaseMs: 10, backoffCapMs: 10 });
  const push = (web = desired('web')) => {
    store.agent.setDesired('dc1', { project: 'p', specHash: 'h', containers: [web, desired('db')] });
    reconciler.desiredChanged();
  };
  let seen = 0;
  /** the drift events since the last call */
  const drift = () => {
    const events = store.events.list().filter((e) => e.seq > seen);
    seen = events.at(-1)?.seq ?? seen;
    return events.filter((e) => e.type.startsWith('drift.')).map((e) => `${e.type}: ${e.message.replace(/ in \d+ ms$/, '')}`);
  };
  const id = (service: string) => [...runtime.containers.values()].find((c) => c.service === service)?.id as string;
  return { runtime, store, reconciler, push, drift, id };
}

test('a container removed or changed by hand is drift: recorded before the reconcile undoes it, then resolved', async () => {
  const a = agent();
  a.push();
  await a.reconciler.trigger();
  assert.deepEqual(a.drift(), [], 'the first reconcile after a push is not drift');
  await a.reconciler.trigger();
  assert.deepEqual(a.drift(), []);

  a.runtime.containers.delete(a.id('web'));
  a.runtime.containers.get(a.id('db'))!.configHash = 'db-by-hand';
  await a.reconciler.trigger();
  assert.deepEqual(a.drift(), [
    'drift.detected: drift on dc1: db#1 differs from the spec (config db-by-ha, wanted db-h1); web#1 is missing',
    'drift.resolved: drift undone: 2 differences put back',
  ]);
  const detected = a.store.events.list().find((e) => e.type === 'drift.detected');
  assert.deepEqual((detected?.data as { items: { slot: string; kind: string }[] }).items.map((i) => `${i.slot} ${i.kind}`), ['db#1 config', 'web#1 missing']);
  a.store.close();
});

test('a push, an exited container (the health monitor heals those) and a failed run are not drift', async () => {
  const a = agent();
  a.push();
  await a.reconciler.trigger();
  a.push(desired('web', { image: 'web:2', configHash: 'web-h2' }));
  await a.reconciler.trigger();
  assert.deepEqual(a.drift(), []);

  await a.runtime.stop(a.id('db'));
  await a.reconciler.trigger();
  assert.deepEqual(a.drift(), []);
  assert.equal(a.runtime.containers.get(a.id('db'))?.state, 'running', 'the reconcile still started it');

  // a push whose image is missing fails; the retry after it is no drift either
  a.push(desired('web', { image: 'web:9', configHash: 'web-h9' }));
  const failing = a.reconciler.trigger();
  while (a.reconciler.consecutiveFailures < 2) await new Promise((r) => setTimeout(r, 5));
  a.runtime.images.add('web:9');
  await failing;
  assert.deepEqual(a.drift(), []);
  await a.reconciler.stop();
  a.store.close();
});

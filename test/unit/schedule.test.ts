import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { prerequisites, schedule } from '../../src/converge/_schedule.js';
import type { Step } from '../../src/domain/steps.js';
import { desired, observed } from '../helpers/fixtures.js';

const create = (service: string, dependsOn: Record<string, 'service_started'> = {}): Step => ({
  kind: 'create',
  spec: desired(service, { dependsOn }),
});
const remove = (service: string): Step => ({ kind: 'remove', container: observed(service), reason: 'x' });

test('launches wait for every removal and for the services they depend on', () => {
  const steps = [remove('old'), create('db'), create('web', { db: 'service_started' }), create('cache')];
  assert.deepEqual(prerequisites(steps), [[], [0], [0, 1], [0]]);
});

test('runs at most `limit` steps at once, in dependency order', async () => {
  const steps = [create('db'), create('a', { db: 'service_started' }), create('b'), create('c'), create('d')];
  let running = 0;
  let peak = 0;
  const order: string[] = [];
  await schedule(steps, 2, async (s) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(5);
    order.push('spec' in s ? s.spec.service : '?');
    running--;
    return 'ok';
  }, () => false);
  assert.equal(peak, 2);
  assert.ok(order.indexOf('db') < order.indexOf('a'));
  assert.equal(order.length, 5);
});

test('after a failure nothing new starts; unstarted steps come back undefined', async () => {
  const steps = [create('a'), create('b'), create('c')];
  const results = await schedule(steps, 1, async (s) => ('spec' in s && s.spec.service === 'b' ? 'fail' : 'ok'), (r) => r === 'fail');
  assert.deepEqual(results, ['ok', 'fail', undefined]);
});

test('no steps: resolves at once', async () => {
  assert.deepEqual(await schedule([], 4, async () => 'ok', () => false), []);
});

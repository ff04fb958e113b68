import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, describeStep } from '../../src/domain/index.js';
import { desired, observed } from '../helpers/fixtures.js';

const lines = (steps: ReturnType<typeof plan>) => steps.map(describeStep);

test('empty site: one create per replica, dependencies first', () => {
  const steps = plan({
    site: 'dc1',
    actual: [],
    desired: [
      desired('web', { dependsOn: { db: 'service_healthy' } }),
      desired('web', { replica: 2, dependsOn: { db: 'service_healthy' } }),
      desired('db'),
    ],
  });
  assert.deepEqual(lines(steps), ['create db#1 (db:1)', 'create web#1 (web:1)', 'create web#2 (web:1)']);
});

test('converged site: no steps', () => {
  const steps = plan({ site: 'dc1', actual: [observed('web'), observed('db')], desired: [desired('web'), desired('db')] });
  assert.deepEqual(steps, []);
});

test('changed config: replace; host ports force stop-first', () => {
  const old = observed('web');
  const steps = plan({
    site: 'dc1',
    actual: [old, observed('api')],
    desired: [
      desired('web', { image: 'web:2', configHash: 'web-h2' }),
      desired('api', { configHash: 'api-h2', ports: [{ host: 8080, container: 80, protocol: 'tcp' }] }),
    ],
  });
  assert.deepEqual(lines(steps), [
    'replace web#1 (image web:1 -> web:2, start-first)',
    'replace api#1 (config changed, stop-first)',
  ]);
  assert.equal(steps[0]?.kind === 'replace' && steps[0].old, old);
});

test('containers of services gone from the spec, scaled-down replicas and duplicates are removed first, by service and replica', () => {
  const steps = plan({
    site: 'dc1',
    actual: [
      observed('web'),
      observed('web', { replica: 2 }),
      observed('old'),
      observed('db', { createdAt: '2026-01-02T00:00:00Z' }),
      observed('db', { state: 'exited' }),
    ],
    desired: [desired('web'), desired('db'), desired('new')],
  });
  assert.deepEqual(lines(steps), [
    'remove db#1 (duplicate)',
    'remove old#1 (service not in the spec for this site)',
    'remove web#2 (replica scaled down)',
    'create new#1 (new:1)',
  ]);
});

test('a superseded container beside the current one is removed, the current one kept', () => {
  const current = observed('web', { configHash: 'web-h2', state: 'exited' });
  const stale = observed('web', { configHash: 'web-h1', state: 'running' });
  const steps = plan({ site: 'dc1', actual: [stale, current], desired: [desired('web', { configHash: 'web-h2' })] });
  assert.deepEqual(lines(steps), ['remove web#1 (superseded)', 'start web#1']);
  assert.equal(steps[1]?.kind === 'start' && steps[1].container, current);
});

test('resources changed only: update in place, not replace', () => {
  const steps = plan({
    site: 'dc1',
    actual: [observed('web', { resources: { cpus: 0.5, memory: 64 * 1024 * 1024 } })],
    desired: [desired('web', { resources: { cpus: 0.25, memory: 64 * 1024 * 1024 } })],
  });
  assert.deepEqual(lines(steps), ['update-resources web#1 (cpus=0.5 memory=64MiB -> cpus=0.25 memory=64MiB)']);
});

test('resources compare as the engine stores them: 0 is unlimited, CPUs in nano-CPUs', () => {
  const steps = plan({
    site: 'dc1',
    actual: [observed('web', { resources: { cpus: 0.30000000000000004, memory: 0 } })],
    desired: [desired('web', { resources: { cpus: 0.3 } })],
  });
  assert.deepEqual(steps, []);
});

test('stopped by the operator: stop a running container, never start it', () => {
  const stop = plan({ site: 'dc1', actual: [observed('web')], desired: [desired('web', { running: false })] });
  assert.deepEqual(lines(stop), ['stop web#1']);
  const none = plan({
    site: 'dc1',
    actual: [observed('web', { state: 'exited' })],
    desired: [desired('web', { running: false })],
  });
  assert.deepEqual(none, []);
});

test('exited container on the desired config is started; a dead one is replaced', () => {
  const steps = plan({
    site: 'dc1',
    actual: [observed('web', { state: 'exited' }), observed('db', { state: 'dead' })],
    desired: [desired('web'), desired('db')],
  });
  assert.deepEqual(lines(steps), ['start web#1', 'replace db#1 (container is dead, start-first)']);
});

test('paused containers count as running (the governor pauses them)', () => {
  assert.deepEqual(plan({ site: 'dc1', actual: [observed('bg', { state: 'paused' })], desired: [desired('bg')] }), []);
});

test("other sites' containers on a shared engine are never touched", () => {
  const steps = plan({ site: 'dc1', actual: [observed('web', { site: 'dc2' })], desired: [desired('web')] });
  assert.deepEqual(lines(steps), ['create web#1 (web:1)']);
});

test('formatBytes: exact units stay whole, others get one decimal', async () => {
  const { formatBytes } = await import('../../src/domain/index.js');
  assert.deepEqual(
    [0, 512, 1024, 64 * 1024 * 1024, 1_205_964 * 1024, 1536].map(formatBytes),
    ['0B', '512B', '1KiB', '64MiB', '1.2GiB', '1.5KiB'],
  );
});

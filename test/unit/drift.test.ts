// Drift, the pure rule: every way a site can differ from its desired state, as exact items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteDrift } from '../../src/domain/index.js';
import { withProxy } from '../../src/proxy/index.js';
import { desired, observed } from '../helpers/fixtures.js';

const messages = (items: ReturnType<typeof siteDrift>) => items.map((i) => `${i.kind}: ${i.message}`);

test('a site that runs what it should is clean, paused containers included (the governor pauses them)', () => {
  assert.deepEqual(siteDrift({ site: 'dc1', desired: [desired('web'), desired('job', { priority: 'background' })], actual: [observed('web'), observed('job', { state: 'paused' })] }), []);
  assert.deepEqual(siteDrift({ site: 'dc1', desired: [desired('web', { running: false })], actual: [observed('web', { state: 'exited' })] }), []);
});

test('every kind of difference, by slot, with a readable message', () => {
  const items = siteDrift({
    site: 'dc1',
    desired: [
      desired('api'),
      desired('db'),
      desired('job'),
      desired('web', { image: 'web:2', configHash: 'web-h2' }),
      desired('web', { replica: 2 }),
      desired('cache', { resources: { cpus: 0.25, memory: 64 * 2 ** 20 } }),
      desired('cron', { running: false }),
    ],
    actual: [
      observed('api', { configHash: 'api-hash-by-hand' }),
      observed('job', { state: 'exited' }),
      observed('web'),
      observed('web', { replica: 2 }),
      observed('cache', { resources: { cpus: 0.5, memory: 64 * 2 ** 20 } }),
      observed('cron'),
      observed('old', { name: 'p-old-1-12345678' }),
      observed('other-site', { site: 'dc2' }),
    ],
  });
  assert.deepEqual(messages(items), [
    'config: api#1 differs from the spec (config api-hash, wanted api-h1)',
    'resources: cache#1 has cpus=0.5 memory=64MiB, the spec says cpus=0.25 memory=64MiB',
    'state: cron#1 is running, should be stopped (`turtle stop`)',
    'missing: db#1 is missing',
    'state: job#1 is exited, should be running',
    'extra: old#1 is not in the desired state (container p-old-1-12345678)',
    'image: web#1 runs web:1, the spec says web:2',
  ]);
  assert.deepEqual(items.find((i) => i.kind === 'image'), {
    slot: 'web#1', service: 'web', replica: 1, kind: 'image', message: 'web#1 runs web:1, the spec says web:2',
    container: 'p-web-1-00000000', wanted: 'web:2', found: 'web:1',
  });
  assert.deepEqual(items.find((i) => i.kind === 'missing'), { slot: 'db#1', service: 'db', replica: 1, kind: 'missing', message: 'db#1 is missing' });
});

test('a second container in a slot is extra, whether a copy or an outdated one; a dead one should run', () => {
  const items = siteDrift({
    site: 'dc1',
    desired: [desired('web'), desired('db')],
    actual: [
      observed('web', { createdAt: '2026-01-02T00:00:00Z' }),
      observed('web', { name: 'p-web-1-copy', state: 'exited' }),
      observed('db', { state: 'dead' }),
      observed('db', { name: 'p-db-1-old', configHash: 'db-h0', state: 'exited' }),
    ],
  });
  assert.deepEqual(messages(items), [
    'extra: db#1 has an outdated container p-db-1-old beside the current one',
    'state: db#1 is dead, should be running',
    'extra: web#1 has a second container p-web-1-copy',
  ]);
});

test("the site's proxy is part of the desired state: clean when it runs, missing when it was removed", () => {
  const web = desired('web', { proxy: 'http', routes: [{ listen: 8080, target: 80, mode: 'http' }] });
  const want = withProxy([web]);
  assert.deepEqual(want.map((c) => c.service), ['_proxy', 'web'], 'withProxy adds the proxy, first');
  const proxy = want[0]!;
  const running = (c: typeof proxy) => observed(c.service, { replica: c.replica, name: c.name, image: c.image, configHash: c.configHash, resources: c.resources });
  const web1 = want.find((c) => c.service === 'web') as typeof proxy;
  assert.deepEqual(siteDrift({ site: 'dc1', desired: want, actual: [running(web1), running(proxy)] }), []);
  assert.deepEqual(messages(siteDrift({ site: 'dc1', desired: want, actual: [running(web1)] })), ['missing: _proxy#1 is missing']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergeSite } from '../../src/converge/index.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';
import { desired } from '../helpers/fixtures.js';

const health = { test: ['CMD', 'true'], intervalMs: 10, timeoutMs: 10, retries: 1, startPeriodMs: 0 };
const web = (image: string, over = {}) => desired('web', { image, configHash: image, healthcheck: health, ...over });
const published = { ports: [{ host: 8080, container: 80, protocol: 'tcp' as const }] };

async function deployed(rt: FakeRuntime, image: string, over = {}) {
  rt.images.add(image);
  const r = await convergeSite(rt, 'dc1', 'p', [web(image, over)]);
  assert.equal(r.error, undefined);
  rt.calls.length = 0;
}

test('start-first replace: new container healthy, then the old one stopped and removed', async () => {
  const rt = new FakeRuntime();
  await deployed(rt, 'web:1');
  rt.images.add('web:2');
  const r = await convergeSite(rt, 'dc1', 'p', [web('web:2')]);
  assert.equal(r.error, undefined);
  assert.deepEqual(rt.calls, ['create web#1 web:2', 'start c2', 'stop c1', 'remove c1']);
  assert.deepEqual(rt.slot('web'), ['web:2:running']);
  assert.deepEqual(r.records.map((x) => [x.step, x.status]), [['replace web#1 (image web:1 -> web:2, start-first)', 'done']]);
});

test('start-first replace that never gets healthy: new one removed, old one untouched and running', async () => {
  const rt = new FakeRuntime();
  await deployed(rt, 'web:1');
  rt.images.add('web:bad');
  rt.unhealthy.add('web:bad');
  const r = await convergeSite(rt, 'dc1', 'p', [web('web:bad')]);
  assert.ok(r.error);
  assert.match(r.error.message, /^dc1\/web#1 became unhealthy \(1 failed health checks in a row\); the new container was removed and the previous container kept running$/);
  assert.deepEqual(rt.calls, ['create web#1 web:bad', 'start c2', 'remove c2']);
  assert.deepEqual(rt.slot('web'), ['web:1:running']);
});

test('stop-first replace (host port) whose new container crashes: the old one is restarted', async () => {
  const rt = new FakeRuntime();
  await deployed(rt, 'web:1', published);
  rt.images.add('web:crash');
  rt.crashing.add('web:crash');
  const r = await convergeSite(rt, 'dc1', 'p', [web('web:crash', published)]);
  assert.equal(
    r.error?.message,
    'dc1/web#1 exited with code 1 right after it started; the new container was removed and the previous container was restarted',
  );
  assert.equal(r.error?.hint, 'see its output with `turtle logs web --site dc1`');
  assert.deepEqual(rt.calls, ['create web#1 web:crash', 'stop c1', 'start c2', 'remove c2', 'start c1']);
  assert.deepEqual(rt.slot('web'), ['web:1:running']);
});

test('a missing image fails before any container is touched', async () => {
  const rt = new FakeRuntime();
  await deployed(rt, 'web:1');
  const r = await convergeSite(rt, 'dc1', 'p', [web('web:9')]);
  assert.equal(r.error?.message, 'image web:9 is not on site dc1 and could not be pulled: pull access denied for web:9');
  assert.deepEqual(rt.calls, []);
  assert.deepEqual(r.records.map((x) => x.status), ['skipped']);
  assert.deepEqual(rt.slot('web'), ['web:1:running']);
});

test('an engine that cannot update limits in place gets a replacement with the new limits', async () => {
  const rt = new FakeRuntime();
  await deployed(rt, 'web:1', { resources: { memory: 64 } });
  rt.canUpdate = false;
  const r = await convergeSite(rt, 'dc1', 'p', [web('web:1', { resources: { memory: 32 } })]);
  assert.equal(r.error, undefined);
  assert.deepEqual(rt.calls, ['update c1', 'create web#1 web:1', 'start c2', 'stop c1', 'remove c1']);
  assert.deepEqual([...rt.containers.values()].map((c) => c.resources), [{ memory: 32 }]);
});

test('after a failed step nothing new starts: the services depending on it are skipped', async () => {
  const rt = new FakeRuntime();
  rt.images.add('a:1');
  rt.images.add('b:1');
  rt.crashing.add('a:1');
  const r = await convergeSite(rt, 'dc1', 'p', [desired('a', { image: 'a:1' }), desired('b', { image: 'b:1', dependsOn: { a: 'service_started' } })]);
  assert.deepEqual(r.records.map((x) => [x.step, x.status]), [
    ['create a#1 (a:1)', 'failed'],
    ['create b#1 (b:1)', 'skipped'],
  ]);
});

test('converging twice: the second run has no steps and makes no calls', async () => {
  const rt = new FakeRuntime();
  await deployed(rt, 'web:1');
  const r = await convergeSite(rt, 'dc1', 'p', [web('web:1')]);
  assert.deepEqual([r.steps, rt.calls], [[], []]);
});

test('a pinned image (turtle.lock) is checked by ID before anything changes: a moved tag is refused, never pulled, and the site keeps running', async () => {
  const rt = new FakeRuntime();
  await deployed(rt, 'web:1');
  rt.images.add('web:2');
  const pinned = (await rt.imageFacts('web:2'))!.id;
  rt.imageIds.set('web:2', `sha256:${'e'.repeat(64)}`); // `docker tag evil web:2` on the site
  const r = await convergeSite(rt, 'dc1', 'p', [web('web:2', { imageId: pinned })]);
  assert.equal(r.error?.message, `dc1: web:2 is sha256:eeeeeeeeeeee… there, turtle.lock says ${pinned.slice(0, 19)}…`);
  assert.match(r.error?.hint ?? '', /find out why; if the new image is right, turtle lock --update --site dc1/);
  assert.deepEqual(rt.calls, []);
  assert.deepEqual(rt.slot('web'), ['web:1:running']);
  // a pinned image the site lacks is not pulled by its tag either
  const gone = await convergeSite(rt, 'dc1', 'p', [web('web:3', { imageId: pinned })]);
  assert.equal(gone.error?.message, `dc1 does not have web:3, which turtle.lock pins to ${pinned.slice(0, 19)}…`);
  rt.imageIds.delete('web:2');
  const ok = await convergeSite(rt, 'dc1', 'p', [web('web:2', { imageId: pinned })]);
  assert.equal(ok.error, undefined);
  assert.deepEqual(rt.slot('web'), ['web:2:running']);
});

test("turtle's own images are never pulled: a site without the proxy image is told how to import it", async () => {
  const rt = new FakeRuntime();
  const r = await convergeSite(rt, 'dc1', 'p', [web('turtle/haproxy:2.6')]);
  assert.equal(r.error?.message, "turtle/haproxy:2.6 is not on site dc1: it is turtle's own image, built on this machine and imported, never pulled");
  assert.match(r.error?.hint ?? '', /^bash scripts\/proxy-image\.sh \S+ imports it; nothing was changed on dc1$/);
  assert.deepEqual(rt.calls, []);
});

// The spec a command loaded is kept beside the store and reused only while the file, the variables it
// read and turtle's build are the same; through the real CLI (the cache is the bundle's).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Workdir } from '../helpers/cli.js';

const work = new Workdir();
after(() => work.remove());

const spec = (image: string) => `
version: 1
project: shop
sites:
  dc1: { runtime: docker, engine: "unix:///nonexistent/turtle-cache.sock", capacity: { cpus: 2, memory: 1g }, budget: { cpu: 50, memory: 50 } }
services:
  web: { image: "${image}" }
`;
const cached = () => JSON.parse(readFileSync(join(work.dir, 'spec-cache.json'), 'utf8')) as { env: Record<string, string | null>; spec: { services: { web: { image: string } } } };

test('a command keeps the spec it loaded, with the variables it read; a change of either is loaded again', async () => {
  work.write(spec('${IMG:-turtle-test/web:1}'));
  // status loads the spec, then finds the engine unreachable (exit 4): no engine needed here
  assert.equal((await work.run(['status'])).code, 4);
  assert.deepEqual([cached().env, cached().spec.services.web.image], [{ IMG: null }, 'turtle-test/web:1']);
  assert.equal((await work.run(['status'], { IMG: 'turtle-test/web:2' })).code, 4);
  assert.deepEqual([cached().env, cached().spec.services.web.image], [{ IMG: 'turtle-test/web:2' }, 'turtle-test/web:2']);
  work.write(spec('turtle-test/web:3'));
  assert.equal((await work.run(['status'])).code, 4);
  assert.deepEqual([cached().env, cached().spec.services.web.image], [{}, 'turtle-test/web:3']);
});

test('an invalid spec is reported, never answered from the cache', async () => {
  work.write(spec('turtle-test/web:1'));
  assert.equal((await work.run(['status'])).code, 4);
  work.write(`${spec('turtle-test/web:1')}  db: 1\n`);
  const r = await work.run(['status']);
  assert.deepEqual([r.code, r.stderr.split('\n')[0]], [1, `error: ${work.spec}: 1 problem in the spec`]);
  assert.equal(cached().spec.services.web.image, 'turtle-test/web:1', 'the last good spec stays');
});

test('validate always parses and writes nothing', async () => {
  work.write(spec('turtle-test/web:1'));
  const dir = new Workdir();
  try {
    dir.write(spec('turtle-test/web:1'));
    assert.equal((await dir.run(['validate'])).code, 0);
    assert.equal(existsSync(join(dir.dir, 'spec-cache.json')), false);
  } finally {
    dir.remove();
  }
});

// turtle.lock's file (read, written, every wrong form named) and what a pin does to a rendering: the
// pinned ID rides with the container, and a re-pin is a new version. End to end: test/integration/image-lock.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TurtleError } from '../../src/lib/errors.js';
import { loadSpecFile } from '../../src/spec/index.js';
import { desiredContainers } from '../../src/converge/deploy.js';
import { Store } from '../../src/store/index.js';
import { lockPath, readLock, writeLock } from '../../src/pin/lock-file.js';

const dir = mkdtempSync(join(tmpdir(), 'turtle-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const spec = join(dir, 'turtle.yaml');
writeFileSync(spec, `version: 1
project: shop
sites:
  dc1: { engine: unix:///run/d1.sock, capacity: { cpus: 4, memory: 4g } }
services:
  web: { image: "nginx:1.27" }
  api: { image: "api:1" }
`);
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

test('written sorted with a header, read back the same', () => {
  writeLock(lockPath(spec), { dc1: { 'nginx:1.27': { id: A, digest: `docker.io/library/nginx@sha256:${'c'.repeat(64)}` }, 'api:1': { id: B } } });
  const text = readFileSync(lockPath(spec), 'utf8');
  assert.match(text, /^# turtle\.lock: .*\n# .*\nversion: 1\nsites:\n {2}dc1:\n {4}api:1:\n {6}id: sha256:b{64}\n {4}nginx:1\.27:\n {6}id: sha256:a{64}\n {6}digest: docker\.io\/library\/nginx@sha256:c{64}\n$/);
  assert.deepEqual(readLock(lockPath(spec), ['dc1']), { dc1: { 'api:1': { id: B }, 'nginx:1.27': { id: A, digest: `docker.io/library/nginx@sha256:${'c'.repeat(64)}` } } });
  rmSync(lockPath(spec));
});

test('a pin rides with the container, is part of its version, and a re-pin is a new version of only that service', () => {
  const store = Store.open(':memory:');
  try {
    const render = () => Object.fromEntries(desiredContainers(loadSpecFile(spec, {}), 'dc1', store).map((c) => [c.service, c]));
    const free = render();
    assert.equal(free.web!.imageId, undefined);
    writeLock(lockPath(spec), { dc1: { 'nginx:1.27': { id: A }, 'api:1': { id: B } } });
    const one = render();
    assert.deepEqual([one.web!.imageId, one.api!.imageId], [A, B]);
    assert.notEqual(one.web!.configHash, free.web!.configHash);
    writeLock(lockPath(spec), { dc1: { 'nginx:1.27': { id: B }, 'api:1': { id: B } } });
    const two = render();
    assert.notEqual(two.web!.configHash, one.web!.configHash);
    assert.equal(two.api!.configHash, one.api!.configHash);
  } finally {
    store.close();
    rmSync(lockPath(spec));
  }
});

test('every wrong form names the file, the entry and the fix', () => {
  const wrong: [string, RegExp][] = [
    ['version: 1\nsites: [dc1]\n', /turtle\.lock: expected `version: 1` and a map `sites:`$/],
    ['version: 1\nsites:\n  dc9: {}\n', /turtle\.lock: sites\.dc9: no site `dc9` in turtle\.yaml$/],
    [`version: 1\nsites:\n  dc1:\n    "bad ref": { id: ${A} }\n`, /turtle\.lock: sites\.dc1\.bad ref: not an image reference$/],
    ['version: 1\nsites:\n  dc1:\n    nginx:1.27: { id: abc }\n', /turtle\.lock: sites\.dc1\.nginx:1\.27: expected \{ id: sha256:<64 hex> \}$/],
    [`version: 1\nsites:\n  dc1:\n    nginx:1.27: { id: ${A}, digest: latest }\n`, /turtle\.lock: sites\.dc1\.nginx:1\.27\.digest: expected name@sha256:<64 hex>$/],
    ['version: 1\nsites: {\n', /turtle\.lock: /],
  ];
  for (const [text, message] of wrong) {
    writeFileSync(lockPath(spec), text);
    assert.throws(() => loadSpecFile(spec, {}), (err: unknown) => err instanceof TurtleError && message.test(err.message) && /turtle lock --update/.test(err.hint ?? ''), text);
  }
  rmSync(lockPath(spec));
});

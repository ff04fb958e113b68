// turtle.lock end to end, through the real CLI on Docker (dc1) and Podman (dc2), both driven from here:
// `turtle lock` records each site's image ID behind every tag; a tag moved to other content on one site
// stops the next deploy before any site changes, and `turtle lock` refuses to follow it without --update.
// The tag is this test's own (turtle-test/web:lock-PID), so tests running beside it see nothing of the move.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { engines, engineRequest, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';

const LIMIT = { timeout: 180_000 };

describe('turtle.lock (dc1: Docker, dc2: Podman, driven from here)', { skip: skipEngines }, () => {
  const [docker, podman] = engines() as [ReturnType<typeof engines>[number], ReturnType<typeof engines>[number]];
  const project = `lock-${process.pid}`;
  const tag = `lock-${process.pid}`;
  const image = `turtle-test/web:${tag}`;
  const work = new Workdir();
  const rts = { dc1: createRuntime(docker), dc2: createRuntime(podman) };
  const endpoint = { dc1: docker.endpoint, dc2: podman.endpoint };
  const retag = async (site: 'dc1' | 'dc2', from: string) => {
    const r = await engineRequest(endpoint[site], 'POST', `/images/${encodeURIComponent(from)}/tag?repo=turtle-test/web&tag=${tag}`);
    assert.ok(r.status < 300, `tag ${from} on ${site}: ${r.status}`);
  };
  const idOf = async (site: 'dc1' | 'dc2', ref: string) => (await rts[site].imageFacts(ref))!.id;
  const ids = async () => (await Promise.all((['dc1', 'dc2'] as const).map((s) => rts[s].list(project)))).flat().map((c) => c.id).sort();

  before(async () => {
    for (const s of ['dc1', 'dc2'] as const) await retag(s, 'turtle-test/web:1');
    work.write(`version: 1
project: ${project}
sites:
  dc1: { runtime: docker, engine: "${docker.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
  dc2: { runtime: podman, engine: "${podman.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
services:
  web: { image: "${image}" }
rollout: { bake: 1s }
`);
  });
  after(async () => {
    await Promise.allSettled((['dc1', 'dc2'] as const).map((s) => removeProject(rts[s], project)));
    await Promise.allSettled((['dc1', 'dc2'] as const).map((s) => engineRequest(endpoint[s], 'DELETE', `/images/${encodeURIComponent(image)}?noprune=true`)));
    work.remove();
  });

  test('lock records each site\'s image ID; a site that lacks an image changes nothing', LIMIT, async () => {
    work.write(readFileSync(work.spec, 'utf8').replace(`web: { image: "${image}" }`, `web: { image: "${image}" }\n  gone: { image: "turtle-test/nope:1", sites: [dc2] }`));
    const missing = await work.run(['lock']);
    assert.deepEqual([missing.code, missing.stdout], [1, '']);
    assert.match(missing.stderr, /^error: turtle.lock was not changed:\n {2}dc2 does not have turtle-test\/nope:1\nhint: turtle deploy brings the missing images \(or pull\/load them there\), then turtle lock\n$/);
    work.write(readFileSync(work.spec, 'utf8').replace('\n  gone: { image: "turtle-test/nope:1", sites: [dc2] }', ''));
    const r = await work.run(['lock']);
    assert.equal(r.code, 0, r.stderr);
    const [d1, d2] = [await idOf('dc1', image), await idOf('dc2', image)];
    assert.equal(r.stdout, `dc1: ${image} pinned to ${d1.slice(0, 19)}…\ndc2: ${image} pinned to ${d2.slice(0, 19)}…\n`);
    const lock = readFileSync(join(work.dir, 'turtle.lock'), 'utf8');
    assert.match(lock, new RegExp(`^# turtle.lock: [^\\n]*\\n# [^\\n]*\\nversion: 1\\nsites:\\n  dc1:\\n    ${image.replace(/[/.]/g, '\\$&')}:\\n      id: ${d1}\\n  dc2:\\n    ${image.replace(/[/.]/g, '\\$&')}:\\n      id: ${d2}\\n(      digest: \\S+@sha256:[0-9a-f]{64}\\n)?$`));
    const again = await work.run(['lock']);
    assert.deepEqual([again.code, again.stdout], [0, `${join(work.dir, 'turtle.lock')}: every image already pinned\n`]);
    const deploy = await work.run(['deploy']);
    assert.equal(deploy.code, 0, deploy.stderr);
    const ps = JSON.parse((await work.run(['ps', '--json'])).stdout) as { site: string; state: string }[];
    assert.deepEqual(ps.map((c) => `${c.site}:${c.state}`), ['dc1:running', 'dc2:running']);
  });

  test('a tag moved to other content on one site stops the deploy before any site changes; lock follows it only with --update', LIMIT, async () => {
    const running = await ids();
    const pinned = await idOf('dc1', image);
    await retag('dc1', 'turtle-test/tools:1');
    const moved = await idOf('dc1', image);
    assert.notEqual(moved, pinned);
    // a change that needs a new container on both sites
    work.write(readFileSync(work.spec, 'utf8').replace(`web: { image: "${image}" }`, `web: { image: "${image}", environment: { V: "2" } }`));
    const r = await work.run(['deploy']);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.equal(r.stderr, `error: no site was changed:\n  dc1: ${image} is ${moved.slice(0, 19)}… there, turtle.lock says ${pinned.slice(0, 19)}…\nhint: the tag was moved to other content on dc1: find out why; if the new image is right, turtle lock --update --site dc1\n`);
    assert.deepEqual(await ids(), running);
    // drift compares by image ID: the running container is as deployed, the tag is not
    const drift = await work.run(['drift', '--site', 'dc1']);
    assert.equal(drift.code, 2);
    assert.match(drift.stdout, new RegExp(`^  image ${image.replace(/[/.]/g, '\\$&')} names ${moved.slice(0, 19)}…; turtle.lock pins ${pinned.slice(0, 19)}… \\(the next deploy refuses it\\)$`, 'm'));
    const lock = await work.run(['lock']);
    assert.equal(lock.code, 1);
    assert.match(lock.stderr, /^error: turtle.lock was not changed:\n {2}dc1: turtle-test\/web:lock-\d+ is sha256:[0-9a-f]{12}… there, turtle.lock says sha256:[0-9a-f]{12}…\nhint: a tag moved to other content: find out why; if the new image is right, turtle lock --update\n$/);
    // the tag put back: the deploy goes on
    await retag('dc1', pinned);
    work.write(readFileSync(work.spec, 'utf8').replace(`web: { image: "${image}", environment: { V: "2" } }`, `web: { image: "${image}" }`));
    assert.equal((await work.run(['drift'])).code, 0);
    work.write(readFileSync(work.spec, 'utf8').replace(`web: { image: "${image}" }`, `web: { image: "${image}", environment: { V: "2" } }`));
    const ok = await work.run(['deploy']);
    assert.equal(ok.code, 0, ok.stderr);
    // --update follows a move, and says so
    await retag('dc1', 'turtle-test/tools:1');
    const update = await work.run(['lock', '--update', '--site', 'dc1']);
    assert.equal(update.code, 0, update.stderr);
    assert.equal(update.stdout, `dc1: ${image} re-pinned from ${pinned.slice(0, 19)}… to ${moved.slice(0, 19)}…\n`);
    assert.match(readFileSync(join(work.dir, 'turtle.lock'), 'utf8'), new RegExp(`id: ${moved}`));
    await retag('dc1', pinned);
  });

  test('a broken turtle.lock names the entry and the fix, and nothing is deployed', LIMIT, async () => {
    const good = readFileSync(join(work.dir, 'turtle.lock'), 'utf8');
    writeFileSync(join(work.dir, 'turtle.lock'), good.replace(/id: sha256:[0-9a-f]{64}/, 'id: sha256:abc'));
    const r = await work.run(['deploy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: \S*turtle\.lock: sites\.dc1\.turtle-test\/web:lock-\d+: expected \{ id: sha256:<64 hex> \}\nhint: write it again with turtle lock --update\n$/);
    writeFileSync(join(work.dir, 'turtle.lock'), good);
  });
});

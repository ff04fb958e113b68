// `turtle observer` and `turtle observer fly-config` as commands (the built CLI): what they refuse, and the
// files they write.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { initCa, issueCert } from '../../src/pki/index.js';
import { Workdir } from '../helpers/cli.js';

const SPEC = `version: 1
project: demo
sites:
  dc1: { runtime: docker, agent: "https://127.0.0.1:7443", capacity: { cpus: 2, memory: 2g } }
  dc2: { runtime: podman, capacity: { cpus: 2, memory: 1g } }
  dc3: { role: observer, runtime: docker }
services:
  web: { image: turtle-test/web:1 }
`;

describe('turtle observer (CLI)', () => {
  const w = new Workdir();
  const ca = mkdtempSync(join(tmpdir(), 'turtle-observer-ca-'));
  after(() => {
    w.remove();
    rmSync(ca, { recursive: true, force: true });
  });

  test('refuses to run with anything but an observer certificate', async () => {
    w.write(SPEC);
    await initCa(ca);
    const { out } = await issueCert(ca, { role: 'operator', name: 'alice', out: join(ca, 'alice') });
    const r = await w.run(['observer', '--tls-dir', out, '--listen', '127.0.0.1:0']);
    assert.deepEqual([r.code, r.stderr], [1, 'observer: site dc2 has no `agent:` URL; not watched\nerror: the observer runs only with an observer certificate; this one is operator\nhint: issue one: turtle ca issue --role observer --name observer --host localhost,127.0.0.1\n']);
  });

  test('refuses an observer certificate that names no host: the dashboard is served behind mutual TLS', async () => {
    w.write(SPEC);
    const { out } = await issueCert(ca, { role: 'observer', name: 'no-host', out: join(ca, 'no-host') });
    const r = await w.run(['--state', join(w.dir, 'obs.db'), 'observer', '--tls-dir', out, '--listen', '127.0.0.1:0']);
    assert.deepEqual([r.code, r.stderr.split('\n').slice(1)], [1, [
      "error: the observer's certificate cannot serve HTTPS: it names no host (the dashboard is private, behind mutual TLS)",
      'hint: issue it with the names browsers will use: turtle ca issue --role observer --name observer --host localhost,127.0.0.1[,observer.example]',
      '',
    ]]);
    assert.equal(existsSync(join(w.dir, 'obs.db')), false, 'a refused start writes no store');
  });

  test('needs at least one site with an agent to watch', async () => {
    w.write(SPEC.replace(', agent: "https://127.0.0.1:7443"', ''));
    const r = await w.run(['observer', '--tls-dir', join(ca, 'nothing')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: no site in .*turtle\.yaml names an agent to watch\nhint: give each edge site `agent: https:\/\/host:7443` in turtle.yaml\n$/);
  });

  test('fly-config writes fly.toml, Dockerfile.observer and .dockerignore into the build context', async () => {
    w.write(SPEC);
    const r = await w.run(['observer', 'fly-config', '--app', 'my-observer', '--out', w.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('wrote')), ['fly.toml', 'Dockerfile.observer', '.dockerignore'].map((f) => `wrote ${join(w.dir, f)}`));
    assert.match(readFileSync(join(w.dir, 'fly.toml'), 'utf8'), /^app = "my-observer"$/m);
    assert.match(readFileSync(join(w.dir, 'Dockerfile.observer'), 'utf8'), /^COPY turtle.yaml \/app\/turtle.yaml$/m);
    assert.ok(existsSync(join(w.dir, '.dockerignore')));
    const outside = await w.run(['observer', 'fly-config', '--app', 'my-observer', '--out', join(w.dir, 'sub')]);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /is outside .*sub, the Docker build context\nhint: copy turtle.yaml into the turtle checkout, or pass --out\n$/);
  });
});

// `turtle validate` and `turtle spec` through the real CLI: what a valid spec prints, every problem of an
// invalid one at once with exit 1, and the reference the schema generates.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Workdir } from '../helpers/cli.js';

const work = new Workdir();
after(() => work.remove());

const VALID = `
version: 1
project: shop
sites:
  dc1: { runtime: docker, engine: "unix:///nonexistent/a.sock", capacity: { cpus: 2, memory: 1g }, budget: { cpu: 50, memory: 50 } }
  dc2: { runtime: podman, capacity: { cpus: 1, memory: 512m }, budget: { cpu: 25, memory: 30 } }
  dc3: { role: observer }
services:
  web: { image: "turtle-test/web:1", replicas: 2 }
  db: { image: "turtle-test/web:1", sites: [dc1], resources: { cpus: 0.5, memory: 64m } }
`;

test('validate: a valid spec prints its sites and services placed per site, exit 0, nothing written', async () => {
  work.write(VALID);
  const r = await work.run(['validate']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${work.spec} is valid: 3 sites, 2 services (dc1: 2, dc2: 1, dc3: 0)\n`, '']);
  assert.equal(existsSync(join(work.dir, 'state.db')), false);
  assert.equal(existsSync(join(work.dir, '.turtle')), false);
});

test('validate --json: the normalised spec (bytes, defaults, placement filled in)', async () => {
  work.write(VALID);
  const r = await work.run(['validate', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const spec = JSON.parse(r.stdout) as {
    sites: Record<string, { role: string; runtime: string; engine: string; capacity: { cpus: number; memory: number }; budget: { cpu: number; memory: number } }>;
    services: Record<string, { replicas: number; sites: string[]; restart: string; resources: { cpus?: number; memory?: number } }>;
    file: string;
  };
  assert.deepEqual(
    Object.values(spec.sites).map((s) => [s.role, s.runtime, s.engine, s.capacity.cpus, s.capacity.memory, s.budget.cpu, s.budget.memory]),
    [
      ['edge', 'docker', 'unix:///nonexistent/a.sock', 2, 1024 ** 3, 50, 50],
      ['edge', 'podman', 'unix:///run/podman/podman.sock', 1, 512 * 1024 ** 2, 25, 30],
      ['observer', 'docker', 'unix:///var/run/docker.sock', 0, 0, 10, 10],
    ],
  );
  assert.deepEqual(spec.services.web && [spec.services.web.replicas, spec.services.web.sites, spec.services.web.restart], [2, ['dc1', 'dc2'], 'unless-stopped']);
  assert.deepEqual(spec.services.db && [spec.services.db.sites, spec.services.db.resources], [['dc1'], { cpus: 0.5, memory: 64 * 1024 ** 2 }]);
  assert.equal(spec.file, work.spec);
});

test('validate --json hides environment values (a password read from ${VAR} is not printed) unless --show-values', async () => {
  work.write(VALID.replace('web: { image: "turtle-test/web:1", replicas: 2 }', 'web: { image: "turtle-test/web:1", replicas: 2, environment: { DB_PASSWORD: "${PW}", MODE: prod } }'));
  const r = await work.run(['validate', '--json'], { PW: 'canary-7f3a9c' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.includes('canary-7f3a9c'), false);
  assert.deepEqual((JSON.parse(r.stdout) as { services: { web: { env: unknown } } }).services.web.env, { DB_PASSWORD: '<hidden>', MODE: '<hidden>' });
  assert.equal(r.stderr, 'note: 2 environment values are shown as <hidden> (they often hold passwords read from ${VAR}); --show-values prints them\n');
  const shown = await work.run(['validate', '--json', '--show-values'], { PW: 'canary-7f3a9c' });
  assert.deepEqual((JSON.parse(shown.stdout) as { services: { web: { env: unknown } } }).services.web.env, { DB_PASSWORD: 'canary-7f3a9c', MODE: 'prod' });
  const alone = await work.run(['validate', '--show-values']);
  assert.deepEqual([alone.code, alone.stdout, alone.stderr], [1, '', 'error: --show-values goes with --json\nhint: turtle validate --json --show-values\n']);
});

test("secret init makes the project's hash key once, says to commit it, and validate --json never prints it", async () => {
  work.write(VALID);
  const made = await work.run(['secret', 'init']);
  const path = join(work.dir, 'turtle.secrets', 'hash.key');
  assert.deepEqual([made.code, made.stdout], [0, `made ${path}\n`], made.stderr);
  assert.equal(made.stderr, `note: made the project's hash key ${path}: commit it with turtle.yaml (every operator needs the same one). Versions are now keyed, so the next deploy replaces each container once\n`);
  const key = readFileSync(path, 'utf8');
  const again = await work.run(['secret', 'init']);
  assert.deepEqual([again.code, again.stdout, readFileSync(path, 'utf8')], [0, `${path} exists: the project's versions are already keyed\n`, key]);
  for (const args of [['validate', '--json'], ['validate', '--json', '--show-values']]) {
    const r = await work.run(args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.includes(key.split('\n')[1]!), false);
  }
  rmSync(join(work.dir, 'turtle.secrets'), { recursive: true });
});

const invalid: { name: string; yaml: string; stderr: string[] }[] = [
  {
    name: 'a YAML syntax error, with its position',
    yaml: 'version: 1\nproject: x\nsites: { dc1: { capacity: { cpus: 1, memory: 1g } }\n',
    stderr: ['error: SPEC: 1 problem in the spec', '  SPEC:4:1: YAML: Flow map in block collection must be sufficiently indented and end with a }'],
  },
  {
    name: 'unknown keys, a bad value and a missing field, all at once',
    yaml: 'version: 1\nproject: x\nsitez: {}\nsites:\n  dc1: { runtime: lxc, capacity: { cpus: 1, memory: 1g } }\nservices:\n  web: { replicas: 2 }\n',
    stderr: [
      'error: SPEC: 3 problems in the spec',
      '  SPEC:3:1: sitez: unknown key `sitez`, did you mean `sites`?',
      '  SPEC:5:19: sites.dc1.runtime: expected one of docker, podman; found "lxc"',
      '  SPEC:7:3: services.web: missing required key `image`',
    ],
  },
  {
    name: 'a rollout order naming a site that does not exist',
    yaml: 'version: 1\nproject: x\nsites:\n  dc1: { capacity: { cpus: 1, memory: 1g } }\nservices:\n  web: { image: a }\nrollout: { order: [dc2] }\n',
    stderr: ['error: SPEC: 1 problem in the spec', '  SPEC:7:20: rollout.order[0]: unknown site `dc2`, did you mean `dc1`? (known sites: dc1)'],
  },
];

for (const c of invalid) {
  test(`validate: ${c.name} -> exit 1`, async () => {
    const bad = new Workdir();
    try {
      bad.write(c.yaml);
      const r = await bad.run(['validate']);
      assert.equal(r.stderr.replaceAll(bad.spec, 'SPEC'), [...c.stderr, ''].join('\n'));
      assert.deepEqual([r.code, r.stdout], [1, '']);
      assert.equal(existsSync(join(bad.dir, 'state.db')), false);
    } finally {
      bad.remove();
    }
  });
}

test('validate: a spec that is not there says where it looked and how to point at one', async () => {
  const none = new Workdir();
  try {
    const r = await none.run(['validate']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `error: ${none.spec}: no such file\nhint: run turtle in the folder with turtle.yaml, or pass --file <path>\n`]);
  } finally {
    none.remove();
  }
});

test('spec: prints the reference docs/spec.md holds, and needs no turtle.yaml', async () => {
  const none = new Workdir();
  try {
    const r = await none.run(['spec']);
    assert.equal(r.stdout, readFileSync(join(import.meta.dirname, '../../docs/spec.md'), 'utf8'));
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.match(r.stdout, /^# turtle\.yaml reference\n/);
  } finally {
    none.remove();
  }
});

// Bad input to the real CLI: one `error:` line, a hint, the documented exit code, and nothing written.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { Store } from '../../src/store/index.js';
import { Workdir } from '../helpers/cli.js';

const SPEC = `
version: 1
project: errs
sites:
  dc1: { role: edge, runtime: docker, engine: "unix:///nonexistent/turtle-test.sock", capacity: { cpus: 1, memory: 1g } }
  dc3: { role: observer }
services:
  web: { image: "turtle-test/web:1" }
`;
const work = new Workdir();
after(() => work.remove());
work.write(SPEC);

const cases: { args: string[]; code: number; stderr: string }[] = [
  {
    args: ['ps', '--site', 'dc9'],
    code: 1,
    stderr: 'error: unknown site `dc9` (sites in SPEC: dc1, dc3)\nhint: did you mean `dc1`?\n',
  },
  {
    args: ['ps', '--site', 'dc3'],
    code: 1,
    stderr: 'error: site `dc3` is an observer: it runs no services\nhint: pass an edge site to --site\n',
  },
  {
    args: ['restart', 'webb'],
    code: 1,
    stderr: 'error: unknown service `webb` (services in SPEC: web)\nhint: did you mean `web`?\n',
  },
  {
    args: ['deploy'],
    code: 4,
    stderr:
      'error: deployment 1 failed on dc1\nhint: start Docker: `systemctl start docker`, or `dockerd --host unix:///nonexistent/turtle-test.sock`\n',
  },
  {
    args: ['ps'],
    code: 4,
    stderr:
      'error: site dc1: docker engine at unix:///nonexistent/turtle-test.sock is not reachable (ENOENT)\nhint: start Docker: `systemctl start docker`, or `dockerd --host unix:///nonexistent/turtle-test.sock`\n',
  },
  { args: ['logs', 'web', '--tail', 'x'], code: 1, stderr: 'error: --tail expects a whole number of lines up to 10000, got `x`\nhint: for example --tail 50\n' },
  { args: ['logs', 'web', '--tail', '10001'], code: 1, stderr: 'error: --tail expects a whole number of lines up to 10000, got `10001`\nhint: for example --tail 50\n' },
  { args: ['history', '-n', 'x'], code: 1, stderr: 'error: --limit expects a whole number of deployments (1 or more), got `x`\nhint: for example --limit 20\n' },
  {
    args: ['history', 'abc'],
    code: 1,
    stderr: 'error: deployment id must be a positive whole number, got `abc`\nhint: see the IDs with `turtle history`\n',
  },
  {
    args: ['rollback'],
    code: 1,
    stderr: 'error: nothing to roll back to: no deployment has succeeded from this store\nhint: see `turtle history`; roll back to a given one with `turtle rollback --to ID`\n',
  },
  { args: ['rollback', '--to', 'zz'], code: 1, stderr: 'error: --to takes a deployment id or a version (at least 4 hex characters), got `zz`\nhint: see both in `turtle history`\n' },
  { args: ['rollback', '--to', '99'], code: 1, stderr: 'error: no deployment 99\nhint: see the IDs with `turtle history`\n' },
  { args: ['rollback', '--to', 'abcdef'], code: 1, stderr: 'error: no version abcdef in this store\nhint: see the versions in `turtle history` (the SPEC column)\n' },
  { args: ['frobnicate'], code: 1, stderr: "error: unknown command 'frobnicate'\nhint: see `turtle --help` or `turtle <command> --help`\n" },
  { args: ['deploy', '--bogus'], code: 1, stderr: "error: unknown option '--bogus'\nhint: see `turtle --help` or `turtle <command> --help`\n" },
];

for (const c of cases) {
  test(`turtle ${c.args.join(' ')} -> exit ${c.code}`, async () => {
    const r = await work.run(c.args);
    assert.equal(r.stderr.replace(/^dc1: failed after .*\n/m, '').replaceAll(work.spec, 'SPEC'), c.stderr);
    assert.equal(r.code, c.code);
  });
}

test('rollback --to DIGITS is a version too: a hash that starts with digits is found by them; digits that are also a deployment id are refused as ambiguous', async () => {
  const own = new Workdir();
  after(() => own.remove());
  own.write(SPEC);
  const store = Store.open(join(own.dir, 'state.db'));
  store.releases.save(`64269313${'a'.repeat(56)}`, {});
  store.releases.save(`64269313${'b'.repeat(56)}`, {});
  store.close();
  const r = await own.run(['rollback', '--to', '6426']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: version 6426 is ambiguous: 64269313aaaa, 64269313bbbb\nhint: give more characters\n']);
  const none = await own.run(['rollback', '--to', '1234']);
  assert.deepEqual([none.code, none.stderr], [1, 'error: no deployment 1234 and no version starting so\nhint: see the IDs with `turtle history`\n']);
  // deployment 6426 exists too (the store's 6,426th): then --to 6426 could mean either, and turtle asks
  const db = new Database(join(own.dir, 'state.db'));
  db.prepare("UPDATE sqlite_sequence SET seq = 6425 WHERE name = 'deployments'").run();
  db.close();
  const reopened = Store.open(join(own.dir, 'state.db'));
  assert.equal(reopened.deployments.begin(`64269313${'a'.repeat(56)}`, 'deploy'), 6426);
  reopened.close();
  const both = await own.run(['rollback', '--to', '6426']);
  assert.deepEqual([both.code, both.stderr], [1, "error: --to 6426 is both deployment 6426 and the start of version 64269313aaaa\nhint: give more characters of the version, or the deployment's own: 64269313aaaa\n"]);
});

test('a failed deploy is still recorded with the reason', async () => {
  // a store of its own: the deploy in the table above fails the same way, but this test must not need it
  const own = new Workdir();
  after(() => own.remove());
  own.write(SPEC);
  assert.equal((await own.run(['deploy'])).code, 4);
  const r = await own.run(['history', '--json']);
  const [last] = JSON.parse(r.stdout) as { outcome: string; sites: { site: string; error: string }[] }[];
  assert.equal(last?.outcome, 'failed');
  assert.equal(last?.sites[0]?.error, 'site dc1: docker engine at unix:///nonexistent/turtle-test.sock is not reachable (ENOENT)');
});

test('an invalid spec: every problem at once, exit 1, no store written', async () => {
  const bad = new Workdir();
  bad.write('version: 1\nproject: x\nsites: { dc1: { capacity: { cpus: 1, memory: 1g } } }\nservices:\n  web: { image: a, replicas: 0 }\n  db: { imagee: b }\n');
  const r = await bad.run(['deploy']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.replaceAll(bad.spec, 'SPEC'),
    [
      'error: SPEC: 3 problems in the spec',
      '  SPEC:5:30: services.web.replicas: must be at least 1, found 0',
      '  SPEC:6:3: services.db: missing required key `image`',
      '  SPEC:6:9: services.db.imagee: unknown key `imagee`, did you mean `image`?',
      '',
    ].join('\n'),
  );
  assert.equal(existsSync(join(bad.dir, 'state.db')), false);
  bad.remove();
});

test('--verbose adds the stack; without it there is none', async () => {
  const quiet = await work.run(['ps']);
  const loud = await work.run(['--verbose', 'ps']);
  assert.doesNotMatch(quiet.stderr, /\n\s+at /);
  assert.match(loud.stderr, /\n\s+at /);
});

// turtle's store for secrets: the spec's forms, the per-site files, sealing to a site's key, what goes into
// hashes, what readers see, and the site writing the files its containers mount.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InvalidInputError, TurtleError } from '../../src/lib/errors.js';
import { loadSpecFile, parseSpec } from '../../src/spec/index.js';
import { desiredContainers, specHash } from '../../src/converge/deploy.js';
import { Store } from '../../src/store/index.js';
import { withoutEnvValues } from '../../src/domain/redact.js';
import { loadOrCreateKey, seal, unseal } from '../../src/secrets/age.js';
import { readSiteSecrets, sealedDigest, siteSecretsPath, writeSiteSecrets } from '../../src/secrets/site-file.js';
import { SecretDelivery } from '../../src/secrets/deliver.js';
import { ensureHashKey, hashKeyPath } from '../../src/secrets/hash-key.js';
import { assertSecretsReady } from '../../src/secrets/check.js';
import { parseDesired } from '../../src/agent/api/_validate.js';

const dir = mkdtempSync(join(tmpdir(), 'turtle-secrets-'));
// the delivery test needs a tmpfs, as a site does: /dev/shm is one nearly everywhere
const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/turtle-secrets-') : undefined;
after(() => {
  rmSync(dir, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
});
const file = join(dir, 'turtle.yaml');

const HEAD = `version: 1
project: shop
sites:
  dc1: { role: edge, engine: unix:///run/d1.sock, capacity: { cpus: 4, memory: 4g }, budget: { cpu: 100, memory: 100 } }
  dc2: { role: edge, engine: tcp://10.0.0.2:2376, capacity: { cpus: 4, memory: 4g }, budget: { cpu: 100, memory: 100 } }
`;
const SPEC = HEAD + `services:
  api:
    image: api:1
    user: "1000:1001"
    sites: [dc1]
    secrets: [db, { source: db, target: /etc/app/pw, mode: 0440 }, { source: tls, target: key.pem, uid: "33", mode: "0o400" }]
    environment: { DB_PASSWORD_FILE: /run/secrets/db, TOKEN: { secret: token } }
  web:
    image: web:1
    sites: [dc1]
secrets:
  db: { external: true }
  tls: { external: true, name: tls-key }
  token: { external: true }
`;

const problems = (text: string): string[] => {
  try {
    parseSpec(text, file, {});
  } catch (err) {
    if (err instanceof InvalidInputError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
};

test('a secret of the store is a file at /run/secrets/<target> owned by the numeric user, 0400 unless written; `{ secret: }` is a variable, noted', () => {
  const spec = parseSpec(SPEC, file, {});
  const api = spec.services.api!;
  assert.deepEqual(api.secretFiles, [
    { store: 'db', target: '/run/secrets/db', uid: 1000, gid: 1001, mode: 0o400 },
    { store: 'db', target: '/etc/app/pw', uid: 1000, gid: 1001, mode: 0o440 },
    { store: 'tls-key', target: '/run/secrets/key.pem', uid: 33, gid: 1001, mode: 0o400 },
  ]);
  assert.deepEqual(api.secretEnv, { TOKEN: 'token' });
  assert.deepEqual(api.env, { DB_PASSWORD_FILE: '/run/secrets/db' });
  // no bind mount of a host file for them
  assert.deepEqual(api.mounts, []);
  assert.deepEqual(spec.secrets, { db: { store: 'db' }, tls: { store: 'tls-key' }, token: { store: 'token' } });
  assert.deepEqual(spec.notes?.map((n) => `${n.path}: ${n.message}`), ['services.api.environment.TOKEN.secret: TOKEN gets secret `token` as an environment variable: the engine shows it to anyone who can inspect the container (docker inspect)']);
});

test('wrong secret forms are located and say what to write', () => {
  writeFileSync(join(dir, 'pw.txt'), 'x');
  assert.deepEqual(problems(HEAD + `services:
  api:
    image: api:1
    secrets: [{ source: db, mode: 999 }, { source: db, uid: root }]
    environment: { C: { value: x } }
secrets:
  db: { external: true }
  both: { external: true, file: ./pw.txt }
`).sort(), [
    'secrets.both.external: a secret is either a file (`file:`) or in turtle\'s store (`external: true`), not both',
    'services.api.environment.C: expected a string, number, true/false or { secret: NAME }, found a map',
    'services.api.secrets[0].mode: expected a file mode such as 0440, found number 999',
    'services.api.secrets[1].uid: expected a numeric id (0 is root), found "root"',
  ]);
  assert.deepEqual(problems(HEAD + `services:
  api: { image: api:1, environment: { A: { secret: pw }, B: { secret: nope } } }
secrets:
  pw: { file: ./pw.txt }
`), [
    'services.api.environment.A.secret: secret `pw` is a file: only a secret of turtle\'s store can be an environment variable',
    'services.api.environment.B.secret: secret `nope` is not declared under the top-level `secrets:`',
  ]);
});

/** A spec folder with dc1's file holding `db` and `tls-key` sealed to `key`. */
async function folderWithSecrets(values: Record<string, string>) {
  const folder = mkdtempSync(join(dir, 'spec-'));
  const spec = join(folder, 'turtle.yaml');
  writeFileSync(spec, SPEC);
  const key = await loadOrCreateKey(join(folder, 'dc1.age'));
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) secrets[name] = await seal(value, key.recipient);
  writeSiteSecrets(siteSecretsPath(spec, 'dc1'), { site: 'dc1', recipient: key.recipient, secrets });
  return { folder, spec, key };
}

test('a site key is made once, 0600, and a file that is not one is never replaced; age files open only with their key', async () => {
  const path = join(dir, 'keys', 'dc1.age');
  const a = await loadOrCreateKey(path);
  assert.match(a.recipient, /^age1[a-z0-9]{58}$/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(await loadOrCreateKey(path), a);
  const sealed = await seal('hunter2', a.recipient);
  assert.match(sealed, /^-----BEGIN AGE ENCRYPTED FILE-----\n/);
  assert.equal(await unseal(sealed, a.identity), 'hunter2');
  const b = await loadOrCreateKey(join(dir, 'keys', 'dc2.age'));
  await assert.rejects(unseal(sealed, b.identity), { message: "it was encrypted to another recipient, not to this site's key" });
  writeFileSync(join(dir, 'keys', 'bad.age'), 'not a key\n');
  await assert.rejects(loadOrCreateKey(join(dir, 'keys', 'bad.age')), /bad\.age is not an age identity/);
  assert.equal(readFileSync(join(dir, 'keys', 'bad.age'), 'utf8'), 'not a key\n');
});

test('a site file keeps names readable and values sealed; a broken one names the file, the key and the fix', async () => {
  const { spec, key } = await folderWithSecrets({ db: 'hunter2' });
  const path = siteSecretsPath(spec, 'dc1');
  const text = readFileSync(path, 'utf8');
  assert.match(text, /^# turtle's secrets for site dc1/);
  assert.match(text, new RegExp(`recipient: ${key.recipient}\n`));
  assert.match(text, /\n {2}db: \|\n {4}-----BEGIN AGE ENCRYPTED FILE-----\n/);
  assert.equal(text.includes('hunter2'), false);
  assert.deepEqual(Object.keys(readSiteSecrets(path, 'dc1')!.secrets), ['db']);
  const broken = (body: string) => {
    writeFileSync(join(dir, 'broken.yaml'), body);
    try {
      readSiteSecrets(join(dir, 'broken.yaml'), 'dc1');
    } catch (err) {
      assert.ok(err instanceof TurtleError);
      return `${err.message.replace(/^.*broken\.yaml: /, '')} | ${err.hint}`;
    }
    return 'no error';
  };
  assert.equal(broken('site: dc2\nrecipient: x\n'), 'site (line 1): says "dc2", but the file is dc1\'s | the file of site X is turtle.secrets/X.yaml: rename it, or fix `site:`');
  assert.equal(broken('site: dc1\nrecipient: age1nope\n'), 'recipient (line 2): expected the site\'s age public key (age1…), found "age1nope" | turtle secret set writes it: restore the file from version control');
  assert.equal(broken(`site: dc1\nrecipient: ${key.recipient}\nsecrets:\n  db: hunter2\n`), 'secrets.db (line 4): expected an armored age file (-----BEGIN AGE ENCRYPTED FILE-----…) | set it again: turtle secret set db --site dc1');
  assert.match(broken('site: dc1\n  bad: [\n'), /^line \d+: /);
  assert.equal(readSiteSecrets(join(dir, 'none.yaml'), 'dc1'), undefined);
});

test('a rotation changes the version and the config hash of the services that read it, and only theirs; the hash is of the ciphertext', async () => {
  const { spec: path, key } = await folderWithSecrets({ db: 'hunter2', 'tls-key': 'k', token: 't' });
  const store = Store.open(':memory:');
  try {
    const before = loadSpecFile(path, {});
    const render = (spec: typeof before) => Object.fromEntries(desiredContainers(spec, 'dc1', store).map((c) => [c.service, c]));
    const one = render(before);
    const api = one.api!;
    assert.deepEqual(api.secrets?.map(({ sealed, ...u }) => ({ ...u, sealed: sealed?.slice(0, 34) })), [
      { source: 'db', kind: 'file', target: '/run/secrets/db', uid: 1000, gid: 1001, mode: 0o400, digest: sealedDigest(before.sealed!.dc1!.db!.sealed), sealed: '-----BEGIN AGE ENCRYPTED FILE-----' },
      { source: 'db', kind: 'file', target: '/etc/app/pw', uid: 1000, gid: 1001, mode: 0o440, digest: sealedDigest(before.sealed!.dc1!.db!.sealed), sealed: '-----BEGIN AGE ENCRYPTED FILE-----' },
      { source: 'tls-key', kind: 'file', target: '/run/secrets/key.pem', uid: 33, gid: 1001, mode: 0o400, digest: sealedDigest(before.sealed!.dc1!['tls-key']!.sealed), sealed: '-----BEGIN AGE ENCRYPTED FILE-----' },
      { source: 'token', kind: 'env', target: 'TOKEN', digest: sealedDigest(before.sealed!.dc1!.token!.sealed), sealed: '-----BEGIN AGE ENCRYPTED FILE-----' },
    ]);
    assert.equal(JSON.stringify(before).includes('hunter2'), false);
    assert.ok(before.reads?.includes(siteSecretsPath(path, 'dc1')));
    // the same value sealed again is a new ciphertext: a rotation, even to the same value
    const file = readSiteSecrets(siteSecretsPath(path, 'dc1'), 'dc1')!;
    file.secrets.db = await seal('hunter3', key.recipient);
    writeSiteSecrets(siteSecretsPath(path, 'dc1'), file);
    const afterSpec = loadSpecFile(path, {});
    const two = render(afterSpec);
    assert.notEqual(specHash(afterSpec), specHash(before));
    assert.notEqual(two.api!.configHash, api.configHash);
    assert.notEqual(two.api!.name, api.name);
    assert.equal(two.web!.configHash, one.web!.configHash);
    // a reader sees names and digests, never the sealed values
    const shown = withoutEnvValues({ containers: [two.api!] });
    assert.equal(JSON.stringify(shown).includes('BEGIN AGE'), false);
    assert.deepEqual(shown.containers[0]!.secrets?.map((u) => u.source), ['db', 'db', 'tls-key', 'token']);
    // the agent takes the containers as the CLI sends them
    const desired = parseDesired({ project: 'shop', specHash: 'a'.repeat(64), containers: [two.api] }, 'dc1');
    assert.equal(desired.ok, true);
    const bad = parseDesired({ project: 'shop', specHash: 'a'.repeat(64), containers: [{ ...two.api, secrets: [{ ...two.api!.secrets![0], target: '/run/../etc/shadow' }] }] }, 'dc1');
    assert.equal(bad.ok, false);
  } finally {
    store.close();
  }
});

test("with the project's hash key, the published versions are HMACs: no guess at a value can be checked against them, and two checkouts with the key agree", () => {
  const project = mkdtempSync(join(dir, 'keyed-'));
  const path = join(project, 'turtle.yaml');
  writeFileSync(path, HEAD + 'services:\n  api: { image: api:1, sites: [dc1], environment: { DB_PASSWORD: "${PW}" } }\n');
  const store = Store.open(':memory:');
  try {
    const plain = loadSpecFile(path, { PW: 'hunter2' });
    const guess = (pw: string) => desiredContainers(loadSpecFile(path, { PW: pw }), 'dc1', store)[0]!.configHash;
    // without a key, anyone who sees the hash can test a guess
    assert.equal(desiredContainers(plain, 'dc1', store)[0]!.configHash, guess('hunter2'));
    assert.equal(plain.hashKey, undefined);
    const made = ensureHashKey(path);
    assert.deepEqual([made.created, ensureHashKey(path)], [true, { key: made.key, created: false }]);
    assert.match(readFileSync(hashKeyPath(path), 'utf8'), /^# turtle: this project's hash key\. Commit it[^\n]*\n[0-9a-f]{64}\n$/);
    const keyed = loadSpecFile(path, { PW: 'hunter2' });
    assert.equal(keyed.hashKey, made.key);
    const api = desiredContainers(keyed, 'dc1', store)[0]!;
    assert.notEqual(api.configHash, desiredContainers(plain, 'dc1', store)[0]!.configHash);
    assert.match(api.configHash, /^[0-9a-f]{64}$/);
    assert.notEqual(specHash(keyed), specHash(plain));
    // a second checkout (the key committed with the project) hashes alike; a new key would not
    const other = mkdtempSync(join(dir, 'checkout-'));
    mkdirSync(join(other, 'turtle.secrets'));
    writeFileSync(join(other, 'turtle.yaml'), readFileSync(path));
    writeFileSync(hashKeyPath(join(other, 'turtle.yaml')), readFileSync(hashKeyPath(path)));
    const second = loadSpecFile(join(other, 'turtle.yaml'), { PW: 'hunter2' });
    assert.deepEqual([desiredContainers(second, 'dc1', store)[0]!.configHash, specHash(second)], [api.configHash, specHash(keyed)]);
    // a value still changes the version
    assert.notEqual(desiredContainers(loadSpecFile(path, { PW: 'hunter3' }), 'dc1', store)[0]!.configHash, api.configHash);
    // a key that is not one is an error naming the file, never replaced
    writeFileSync(hashKeyPath(path), 'not-a-key\n');
    assert.throws(() => loadSpecFile(path, {}), (err: unknown) => err instanceof TurtleError && /hash\.key: expected the project's hash key \(64 hex digits\), found 9 characters/.test(err.message) && /restore it from version control/.test(err.hint ?? ''));
    assert.throws(() => ensureHashKey(path), TurtleError);
    assert.equal(readFileSync(hashKeyPath(path), 'utf8'), 'not-a-key\n');
  } finally {
    store.close();
  }
});

test('a deploy is refused before any change when a secret is not set for a site, or the site cannot take one', async () => {
  const { spec: path } = await folderWithSecrets({ db: 'hunter2' });
  const spec = loadSpecFile(path, {});
  assert.throws(() => assertSecretsReady(spec, Object.values(spec.sites)), (err: TurtleError) => {
    assert.equal(err.message, 'no site was changed:\n  dc1: secret `tls-key` (read by api) is not set for dc1\n  dc1: secret `token` (read by api) is not set for dc1');
    assert.equal(err.hint, 'turtle secret set tls-key --site dc1 < FILE; turtle secret set token --site dc1 < FILE');
    return true;
  });
  const remote = loadSpecFile(path, {});
  remote.services.api!.sites = ['dc2'];
  assert.throws(() => assertSecretsReady(remote, [remote.sites.dc2!]), /dc2: api read secrets of turtle's store, and tcp:\/\/10\.0\.0\.2:2376 is not an engine on this machine/);
});

test('the site writes each file to its tmpfs with its owner and mode, passes variables, and removes the files of containers gone', { skip: shm === undefined || process.getuid?.() !== 0 ? 'needs root and /dev/shm' : false }, async () => {
  const { spec: path, key } = await folderWithSecrets({ db: 'hunter2', 'tls-key': 'k', token: 't0ken' });
  const store = Store.open(':memory:');
  const api = desiredContainers(loadSpecFile(path, {}), 'dc1', store).find((c) => c.service === 'api')!;
  store.close();
  const root = join(shm!, 'root');
  const delivery = new SecretDelivery({ root, site: 'dc1', identity: async () => key.identity });
  const ready = await delivery.prepare(api);
  assert.equal(ready.secrets, undefined);
  assert.deepEqual(ready.env, { DB_PASSWORD_FILE: '/run/secrets/db', TOKEN: 't0ken' });
  const folder = join(root, 'dc1', 'shop', 'api', api.name);
  assert.deepEqual(ready.mounts, [0, 1, 2].map((i) => ({ type: 'bind', source: join(folder, String(i)), target: api.secrets![i]!.target, readOnly: true })));
  assert.equal(readFileSync(join(folder, '0'), 'utf8'), 'hunter2');
  assert.deepEqual([0, 1, 2].map((i) => { const st = statSync(join(folder, String(i))); return [st.mode & 0o777, st.uid, st.gid]; }), [[0o400, 1000, 1001], [0o440, 1000, 1001], [0o400, 33, 1001]]);
  assert.equal(statSync(join(root, 'dc1')).mode & 0o777, 0o700);
  // a reboot empties the tmpfs: the files come back before the container starts again
  rmSync(folder, { recursive: true });
  await delivery.ensure(api);
  assert.equal(readFileSync(join(folder, '2'), 'utf8'), 'k');
  await delivery.sweep('shop', new Set([api.name]));
  assert.ok(existsSync(folder));
  await delivery.sweep('shop', new Set());
  assert.deepEqual(readdirSync(join(root, 'dc1', 'shop', 'api')), []);
  // not set, or sealed to another site: the container is not made, and the error says what to run
  await assert.rejects(delivery.prepare({ ...api, secrets: [{ ...api.secrets![0]!, sealed: undefined }] }), { message: 'dc1/api: secret `db` is not set for dc1' });
  const other = await loadOrCreateKey(join(dir, 'other.age'));
  await assert.rejects(delivery.prepare({ ...api, secrets: [{ ...api.secrets![0]!, sealed: await seal('x', other.recipient) }] }), (err: TurtleError) => {
    assert.equal(err.message, "dc1/api: secret `db` cannot be opened on dc1: it was encrypted to another recipient, not to this site's key");
    assert.equal(err.hint, "its value in turtle.secrets/dc1.yaml was sealed to another key than dc1's: set it again (turtle secret set db --site dc1)");
    return true;
  });
});

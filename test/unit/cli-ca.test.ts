// `turtle ca init|issue|revoke` through the real CLI: the files each writes, the certificates' contents,
// the CRL after a revoke, and every bad flag refused with its message, exit 1 and nothing written.
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normaliseSerial, revokedSerials } from '../../src/pki/index.js';
import { Workdir } from '../helpers/cli.js';

const work = new Workdir();
after(() => work.remove());
const ca = join(work.dir, 'ca');
const turtle = (args: string[]) => work.run(['ca', ...args]);
const DAY_MS = 86_400_000;

/** Every file under `dir` with a hash of its bytes and its mode: to show a refused command wrote nothing. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = join(d, e.name);
      if (e.isDirectory()) return [`${relative(dir, p)}/`, ...walk(p)];
      return [`${relative(dir, p)} ${(statSync(p).mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`];
    });
  return walk(dir).sort();
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const cert = (path: string) => new X509Certificate(readFileSync(path));

describe('turtle ca', () => {
  test('init creates the CA: ca.crt, ca.key 0600, an empty issued.json and crl.pem, in a 0700 directory', async () => {
    const r = await turtle(['init', '--ca-dir', ca, '--name', 'Example CA']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `CA created: ${ca}/ca.crt\n`, '']);
    assert.deepEqual(readdirSync(ca).sort(), ['ca.crt', 'ca.key', 'crl.pem', 'issued.json']);
    assert.deepEqual([mode(ca), mode(join(ca, 'ca.key'))], ['700', '600']);
    assert.equal(readFileSync(join(ca, 'issued.json'), 'utf8'), '[]\n');
    const root = cert(join(ca, 'ca.crt'));
    assert.deepEqual([root.subject, root.issuer, root.ca], ['CN=Example CA\nO=turtle', 'CN=Example CA\nO=turtle', true]);
    assert.deepEqual([...revokedSerials(readFileSync(join(ca, 'crl.pem'), 'utf8'))], []);
  });

  test('issue --role operator: a client certificate signed by the CA, key 0600, with the CA and CRL beside it', async () => {
    const r = await turtle(['issue', '--role', 'operator', '--name', 'alice', '--days', '30', '--ca-dir', ca]);
    const m = /^operator certificate for alice \(serial ([0-9a-f]+)\) in (.+)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    assert.deepEqual([r.code, r.stderr, m[2]], [0, '', join(ca, 'issued', 'alice')]);
    const out = join(ca, 'issued', 'alice');
    assert.deepEqual(readdirSync(out).sort(), ['ca.pem', 'cert.pem', 'crl.pem', 'key.pem']);
    assert.equal(mode(join(out, 'key.pem')), '600');
    assert.equal(readFileSync(join(out, 'ca.pem'), 'utf8'), readFileSync(join(ca, 'ca.crt'), 'utf8'));
    const alice = cert(join(out, 'cert.pem'));
    assert.deepEqual([alice.subject, normaliseSerial(alice.serialNumber), alice.ca, alice.subjectAltName], ['CN=alice\nOU=operator\nO=turtle', normaliseSerial(m[1] ?? ''), false, undefined]);
    assert.ok(alice.checkIssued(cert(join(ca, 'ca.crt'))) && alice.verify(cert(join(ca, 'ca.crt')).publicKey), 'signed by the CA');
    const days = (Date.parse(alice.validTo) - Date.now()) / DAY_MS;
    assert.ok(days > 29.9 && days <= 30, `valid for ${days} days`);
    const issued = JSON.parse(readFileSync(join(ca, 'issued.json'), 'utf8')) as { serial: string; name: string; role: string }[];
    assert.deepEqual(issued.map((c) => [c.serial, c.name, c.role]), [[m[1], 'alice', 'operator']]);
  });

  test('issue --role agent: a server certificate for each --host (IP or DNS name), written to --out', async () => {
    const out = join(work.dir, 'agent-dc1');
    const r = await turtle(['issue', '--role', 'agent', '--name', 'dc1', '--host', '127.0.0.1, router.lan', '--out', out, '--ca-dir', ca]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^agent certificate for dc1 \\(serial [0-9a-f]+\\) in ${out}\\n$`));
    const dc1 = cert(join(out, 'cert.pem'));
    assert.deepEqual([dc1.subject, dc1.subjectAltName], ['CN=dc1\nOU=agent\nO=turtle', 'IP Address:127.0.0.1, DNS:router.lan']);
    assert.equal(dc1.checkHost('router.lan'), 'router.lan');
    assert.equal(dc1.checkIP('127.0.0.1'), '127.0.0.1');
    // the default validity: 825 days
    assert.equal(Math.round((Date.parse(dc1.validTo) - Date.now()) / DAY_MS), 825);
  });

  test('revoke by name: the CRL lists its serial, issued.json records when, and a second revoke finds nothing live', async () => {
    const serial = (JSON.parse(readFileSync(join(ca, 'issued.json'), 'utf8')) as { serial: string; name: string }[]).find((c) => c.name === 'alice')?.serial;
    const r = await turtle(['revoke', 'alice', '--ca-dir', ca]);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.equal(r.stdout, `revoked alice (operator, serial ${serial})\nCRL: ${ca}/crl.pem: copy it into each agent's TLS directory (agents reload it when it changes)\n`);
    assert.deepEqual([...revokedSerials(readFileSync(join(ca, 'crl.pem'), 'utf8'))], [normaliseSerial(serial ?? '')]);
    const issued = JSON.parse(readFileSync(join(ca, 'issued.json'), 'utf8')) as { name: string; revokedAt?: string }[];
    assert.match(issued.find((c) => c.name === 'alice')?.revokedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    const again = await turtle(['revoke', 'alice', '--ca-dir', ca]);
    assert.deepEqual([again.code, again.stdout, again.stderr], [1, '', `error: no live certificate named alice in ${ca}\nhint: see ${ca}/issued.json for what was issued\n`]);
  });

  test('revoke by serial (any case, leading zeros or not); a revoked name can be issued again', async () => {
    const issue = await turtle(['issue', '--role', 'observer', '--name', 'alice', '--ca-dir', ca]);
    assert.equal(issue.code, 0, issue.stderr);
    const serial = /serial ([0-9a-f]+)/.exec(issue.stdout)?.[1] ?? '';
    const r = await turtle(['revoke', normaliseSerial(serial).toUpperCase(), '--ca-dir', ca]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], `revoked alice (observer, serial ${serial})`);
    assert.equal(revokedSerials(readFileSync(join(ca, 'crl.pem'), 'utf8')).size, 2);
  });

  test('TURTLE_CA_DIR is the default --ca-dir', async () => {
    const r = await work.run(['ca', 'issue', '--role', 'operator', '--name', 'carol'], { TURTLE_CA_DIR: ca });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(ca, 'issued', 'carol', 'cert.pem')));
  });
});

// refusals write nothing, so they can run side by side
describe('turtle ca: bad flags are refused, exit 1, nothing written', { concurrency: 4 }, () => {
  // a CA of its own, with carol issued, so these cases run alone as well as after the ones above
  const ca = join(work.dir, 'ca-for-bad-flags');
  before(async () => {
    assert.equal((await turtle(['init', '--ca-dir', ca])).code, 0);
    assert.equal((await turtle(['issue', '--role', 'operator', '--name', 'carol', '--ca-dir', ca, '--out', join(work.dir, 'carol-for-bad-flags')])).code, 0);
  });
  const none = join(work.dir, 'no-ca');
  const file = join(work.dir, 'a-file');
  const half = join(work.dir, 'half-ca');
  const usage = 'hint: see `turtle --help` or `turtle <command> --help`';
  const cases: { args: string[]; stderr: string[] }[] = [
    { args: ['init', '--ca-dir', ca], stderr: [`error: a CA already exists in ${ca}`, 'hint: use it, or choose another --ca-dir'] },
    { args: ['init', '--ca-dir', file], stderr: [`error: ${file} is a file, not a directory`, 'hint: choose another --ca-dir'] },
    {
      args: ['init', '--ca-dir', half],
      stderr: [`error: ${half} already holds ca.crt, issued.json but no ca.key`, 'hint: move those files away if that CA is gone, or choose another --ca-dir'],
    },
    { args: ['issue', '--role', 'admin', '--name', 'x', '--ca-dir', ca], stderr: ['error: unknown role `admin`', 'hint: use one of operator, observer, peer, agent'] },
    { args: ['issue', '--name', 'x', '--ca-dir', ca], stderr: ["error: required option '--role <role>' not specified", usage] },
    { args: ['issue', '--role', 'operator', '--ca-dir', ca], stderr: ["error: required option '--name <name>' not specified", usage] },
    {
      args: ['issue', '--role', 'agent', '--name', 'dc2', '--ca-dir', ca],
      stderr: ['error: an agent certificate needs the names it answers on', "hint: add --host with the address in its site's agent URL, e.g. --host 10.0.0.1,router.lan"],
    },
    ...['x', '0'].map((days) => ({
      args: ['issue', '--role', 'operator', '--name', 'x', '--days', days, '--ca-dir', ca],
      stderr: [`error: --days expects a whole number of days (1 or more), got \`${days}\``, 'hint: for example --days 365'],
    })),
    {
      args: ['issue', '--role', 'operator', '--name', 'Bob Smith', '--ca-dir', ca],
      stderr: ['error: `Bob Smith` is not a usable certificate name', 'hint: use lower-case letters, digits, dots, dashes and underscores (at most 63)'],
    },
    {
      args: ['issue', '--role', 'operator', '--name', 'carol', '--ca-dir', ca],
      stderr: ['error: a certificate named carol was already issued', 'hint: revoke it first with `turtle ca revoke carol`, or choose another name'],
    },
    {
      args: ['issue', '--role', 'operator', '--name', 'x', '--ca-dir', none],
      stderr: [`error: no CA in ${none}`, `hint: create one with \`turtle ca init --ca-dir ${none}\`, or pass the --ca-dir it is in`],
    },
    {
      args: ['issue', '--role', 'operator', '--name', 'dave', '--out', file, '--ca-dir', ca],
      stderr: [`error: ${file} is a file, not a directory`, 'hint: pass another --out: the directory that gets cert.pem, key.pem, ca.pem and crl.pem'],
    },
    { args: ['revoke', 'nobody', '--ca-dir', ca], stderr: [`error: no live certificate named nobody in ${ca}`, `hint: see ${ca}/issued.json for what was issued`] },
    { args: ['revoke', 'alice', '--ca-dir', none], stderr: [`error: no CA in ${none}`, `hint: create one with \`turtle ca init --ca-dir ${none}\`, or pass the --ca-dir it is in`] },
    { args: ['revoke', '--ca-dir', ca], stderr: ["error: missing required argument 'name'", usage] },
  ];

  for (const c of cases) {
    test(`turtle ca ${c.args.join(' ').replaceAll(work.dir, 'DIR')}`, async () => {
      writeFileSync(file, 'not a CA\n');
      mkdirSync(half, { recursive: true });
      writeFileSync(join(half, 'ca.crt'), 'left over\n');
      writeFileSync(join(half, 'issued.json'), '[]\n');
      const before = [snapshot(ca), snapshot(half), readFileSync(file, 'utf8')];
      const r = await turtle(c.args);
      assert.equal(r.stderr, [...c.stderr, ''].join('\n'));
      assert.deepEqual([r.code, r.stdout], [1, '']);
      assert.deepEqual([snapshot(ca), snapshot(half), readFileSync(file, 'utf8')], before);
      assert.equal(existsSync(none), false);
    });
  }
});

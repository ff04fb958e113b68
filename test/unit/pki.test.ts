// The private CA: files and modes, role in the subject, names refused, revocation written to the CRL,
// and a real mutual-TLS handshake that accepts an issued certificate and refuses a revoked one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { crlPath, identityFiles, initCa, issueCert, readIssued, revokeCert, revokedSerials } from '../../src/pki/index.js';

const dir = mkdtempSync(join(tmpdir(), 'turtle-pki-'));
const ca = join(dir, 'ca');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('turtle CA', () => {
  test('init writes the CA with its key 0600 and refuses to overwrite it', async () => {
    await initCa(ca);
    assert.equal(statSync(join(ca, 'ca.key')).mode & 0o777, 0o600);
    const cert = new X509Certificate(readFileSync(join(ca, 'ca.crt')));
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=turtle CA\nO=turtle');
    await assert.rejects(initCa(ca), { message: `a CA already exists in ${ca}` });
  });

  test('issue puts the role in the subject OU, hosts in the SAN, and writes the key 0600', async () => {
    const { out, serial } = await issueCert(ca, { role: 'agent', name: 'dc1', hosts: ['127.0.0.1', 'dc1.lan'] });
    const files = identityFiles(out);
    assert.equal(statSync(files.key).mode & 0o777, 0o600);
    const cert = new X509Certificate(readFileSync(files.cert));
    assert.equal(cert.subject, 'CN=dc1\nOU=agent\nO=turtle');
    assert.equal(cert.subjectAltName, 'IP Address:127.0.0.1, DNS:dc1.lan');
    assert.equal(cert.serialNumber.toLowerCase(), serial);
    assert.equal(cert.verify(new X509Certificate(readFileSync(files.ca)).publicKey), true);
    await issueCert(ca, { role: 'operator', name: 'alice' });
    await issueCert(ca, { role: 'observer', name: 'bob' });
    assert.deepEqual(readIssued(ca).map((c) => `${c.name}:${c.role}`), ['dc1:agent', 'alice:operator', 'bob:observer']);
  });

  test('names that are not plain are refused, and a live name is not issued twice', async () => {
    for (const name of ['../x', 'a/b', 'Alice', 'a\u0007', '']) {
      await assert.rejects(issueCert(ca, { role: 'operator', name }), { message: `\`${name}\` is not a usable certificate name` });
    }
    await assert.rejects(issueCert(ca, { role: 'operator', name: 'alice' }), { message: 'a certificate named alice was already issued' });
  });

  test('a handshake with an issued certificate succeeds and shows its role; a revoked one is refused', async () => {
    const server = identityFiles(join(ca, 'issued', 'dc1'));
    const alice = identityFiles(join(ca, 'issued', 'alice'));
    const serve = (crl: string) =>
      createServer({ cert: readFileSync(server.cert), key: readFileSync(server.key), ca: readFileSync(server.ca), crl, requestCert: true, rejectUnauthorized: true }, (s) => {
        s.end((s.getPeerCertificate().subject as { OU?: string }).OU ?? '?');
      });
    const hello = (port: number) =>
      new Promise<string>((resolve, reject) => {
        const s: TLSSocket = connect({ port, host: '127.0.0.1', cert: readFileSync(alice.cert), key: readFileSync(alice.key), ca: readFileSync(alice.ca) });
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString()));
        // TLS 1.3: a refused client learns it from an alert after its side of the handshake, or a bare close
        s.on('close', () => (text ? resolve(text) : reject(new Error('closed without an answer'))));
        s.on('error', reject);
      });
    const before = serve(readFileSync(crlPath(ca), 'utf8')).listen(0, '127.0.0.1');
    await new Promise((r) => before.once('listening', r));
    assert.equal(await hello((before.address() as { port: number }).port), 'operator');
    before.close();

    const [revoked] = await revokeCert(ca, 'alice');
    assert.equal(revoked?.name, 'alice');
    const crl = readFileSync(crlPath(ca), 'utf8');
    assert.deepEqual([...revokedSerials(crl)], [revoked?.serial.replace(/^0+/, '')]);
    const afterRevoke = serve(crl).listen(0, '127.0.0.1');
    await new Promise((r) => afterRevoke.once('listening', r));
    await assert.rejects(hello((afterRevoke.address() as { port: number }).port), /certificate revoked|closed without an answer/);
    afterRevoke.close();
    await assert.rejects(revokeCert(ca, 'alice'), { message: `no live certificate named alice in ${ca}` });
  });
});

// A private certificate authority in one directory: ca.crt, ca.key (0600), issued.json and crl.pem.
// `turtle ca init|issue|revoke` are thin over these functions.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, join } from 'node:path';
import { ExitCode, TurtleError } from '../lib/errors.js';
import { ALGORITHM, generateKeys, importPrivateKeyPem, newSerial, privateKeyPem, x509 } from './_x509.js';
import { IDENTITY_NAME, type Role } from './roles.js';
import { identityFiles } from './files.js';

const DAY_MS = 86_400_000;

export interface IssuedCert {
  serial: string;
  name: string;
  role: Role;
  notAfter: string;
  revokedAt?: string;
}

/** The files of one identity, as `turtle ca issue` writes them and the agent and CLI read them. */

const paths = (dir: string) => ({
  cert: join(dir, 'ca.crt'),
  key: join(dir, 'ca.key'),
  issued: join(dir, 'issued.json'),
  crl: join(dir, 'crl.pem'),
});

export async function initCa(dir: string, { name = 'turtle CA', years = 10 } = {}): Promise<string> {
  const p = paths(dir);
  if (existsSync(p.key)) {
    throw new TurtleError(`a CA already exists in ${dir}`, { exitCode: ExitCode.invalid, hint: 'use it, or choose another --ca-dir' });
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new TurtleError(`${dir} is a file, not a directory`, { exitCode: ExitCode.invalid, hint: 'choose another --ca-dir' });
  }
  // the remains of another CA (its key gone): overwriting its certificate or its list would hide that
  const left = [p.cert, p.issued, p.crl].filter((f) => existsSync(f));
  if (left.length > 0) {
    throw new TurtleError(`${dir} already holds ${left.map((f) => basename(f)).join(', ')} but no ca.key`, {
      exitCode: ExitCode.invalid,
      hint: 'move those files away if that CA is gone, or choose another --ca-dir',
    });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name: `CN=${escapeDn(name)}, O=turtle`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + years * 365 * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  writeFileSync(p.key, await privateKeyPem(keys), { mode: 0o600 });
  writeFileSync(p.cert, cert.toString('pem') + '\n');
  writeFileSync(p.issued, '[]\n');
  await writeCrl(dir, []);
  return p.cert;
}

export interface IssueOptions {
  role: Role;
  name: string;
  /** DNS names and IP addresses the certificate is valid for (an agent's server certificate) */
  hosts?: readonly string[];
  days?: number;
  /** where cert.pem, key.pem, ca.pem and crl.pem go (default `<ca>/issued/<name>`) */
  out?: string;
}

export async function issueCert(dir: string, opts: IssueOptions): Promise<{ out: string; serial: string }> {
  if (!IDENTITY_NAME.test(opts.name)) {
    throw new TurtleError(`\`${opts.name}\` is not a usable certificate name`, {
      exitCode: ExitCode.invalid,
      hint: 'use lower-case letters, digits, dots, dashes and underscores (at most 63)',
    });
  }
  const out = opts.out ?? join(dir, 'issued', opts.name);
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new TurtleError(`${out} is a file, not a directory`, { exitCode: ExitCode.invalid, hint: 'pass another --out: the directory that gets cert.pem, key.pem, ca.pem and crl.pem' });
  }
  const ca = await loadCa(dir);
  const issued = readIssued(dir);
  if (issued.some((c) => c.name === opts.name && !c.revokedAt)) {
    throw new TurtleError(`a certificate named ${opts.name} was already issued`, {
      exitCode: ExitCode.invalid,
      hint: `revoke it first with \`turtle ca revoke ${opts.name}\`, or choose another name`,
    });
  }
  const keys = await generateKeys();
  const serial = newSerial();
  const notAfter = new Date(Date.now() + (opts.days ?? 825) * DAY_MS);
  const hosts = opts.hosts ?? [];
  // An agent's certificate only serves (a router's key must not be a client of the other sites); a client
  // role given hosts also serves (the observer's own dashboard, behind mutual TLS).
  const usages = opts.role === 'agent'
    ? [x509.ExtendedKeyUsage.serverAuth]
    : [x509.ExtendedKeyUsage.clientAuth, ...(hosts.length > 0 ? [x509.ExtendedKeyUsage.serverAuth] : [])];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${escapeDn(opts.name)}, OU=${opts.role}, O=turtle`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter,
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension(usages),
      ...(hosts.length > 0
        ? [new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIP(h) ? 'ip' : 'dns', value: h }) as const))]
        : []),
    ],
  });
  const files = identityFiles(out);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  writeFileSync(files.key, await privateKeyPem(keys), { mode: 0o600 });
  writeFileSync(files.cert, cert.toString('pem') + '\n');
  writeFileSync(files.ca, ca.cert.toString('pem') + '\n');
  writeFileSync(files.crl, readFileSync(paths(dir).crl));
  writeIssued(dir, [...issued, { serial, name: opts.name, role: opts.role, notAfter: notAfter.toISOString() }]);
  return { out, serial };
}

/** Revokes every live certificate named `name` (or with that serial) and rewrites crl.pem. */
export async function revokeCert(dir: string, nameOrSerial: string): Promise<IssuedCert[]> {
  await loadCa(dir); // a missing CA says so before its list is read
  const issued = readIssued(dir);
  const now = new Date().toISOString();
  // a serial as a CRL or openssl prints it has no leading zeros, and may be upper case
  const hit = issued.filter((c) => !c.revokedAt && (c.name === nameOrSerial || normaliseSerial(c.serial) === normaliseSerial(nameOrSerial)));
  if (hit.length === 0) {
    throw new TurtleError(`no live certificate named ${nameOrSerial} in ${dir}`, {
      exitCode: ExitCode.invalid,
      hint: `see ${paths(dir).issued} for what was issued`,
    });
  }
  for (const c of hit) c.revokedAt = now;
  writeIssued(dir, issued);
  await writeCrl(dir, issued.filter((c) => c.revokedAt));
  return hit;
}

export function readIssued(dir: string): IssuedCert[] {
  return JSON.parse(readFileSync(paths(dir).issued, 'utf8')) as IssuedCert[];
}

export function crlPath(dir: string): string {
  return paths(dir).crl;
}

/** Serial numbers (lower-case hex, no leading zeros) a CRL lists. */
export function revokedSerials(crlPem: string): Set<string> {
  const crl = new x509.X509Crl(crlPem);
  return new Set(crl.entries.map((e) => normaliseSerial(e.serialNumber)));
}

export function normaliseSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+/, '') || '0';
}

async function writeCrl(dir: string, revoked: readonly IssuedCert[]): Promise<void> {
  const ca = await loadCa(dir);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subject,
    thisUpdate: new Date(Date.now() - 60_000),
    nextUpdate: new Date(Date.now() + 3650 * DAY_MS),
    entries: revoked.map((c) => ({ serialNumber: c.serial, revocationDate: new Date(c.revokedAt ?? Date.now()) })),
    signingKey: ca.key,
    signingAlgorithm: ALGORITHM,
  });
  // OpenSSL (and so node:tls) reads only the `X509 CRL` PEM label.
  writeFileSync(paths(dir).crl, crl.toString('pem').replace(/(BEGIN|END) CRL/g, '$1 X509 CRL') + '\n');
}

async function loadCa(dir: string): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const p = paths(dir);
  if (!existsSync(p.key)) {
    throw new TurtleError(`no CA in ${dir}`, { exitCode: ExitCode.invalid, hint: `create one with \`turtle ca init --ca-dir ${dir}\`, or pass the --ca-dir it is in` });
  }
  return { cert: new x509.X509Certificate(readFileSync(p.cert, 'utf8')), key: await importPrivateKeyPem(readFileSync(p.key, 'utf8')) };
}

function writeIssued(dir: string, issued: readonly IssuedCert[]): void {
  writeFileSync(paths(dir).issued, JSON.stringify(issued, null, 2) + '\n');
}

function escapeDn(value: string): string {
  return value.replace(/([,+="\\<>;#])/g, '\\$1');
}

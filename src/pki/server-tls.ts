// The TLS side of a turtle server (the agent's API, the observer): its certificate, the CA its clients'
// certificates must come from, and the CRL. The CRL is reloaded when its file changes, and every open
// connection is then closed, so one opened before a revocation must shake hands again. Once a CRL has been
// seen, a missing, empty or unparsable one is a `problem`: the server refuses every request until it is
// fixed (revocation must not fail open, not even for the moment a `cp` is half-way).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { isRole, type ClientRole } from './roles.js';

export interface TlsSource {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  /** where the CRL lives (watched), when there is a file for it */
  crlPath?: string;
  /** a CRL given as text (Fly secrets), never reloaded */
  crl?: string;
}

export class ServerTls {
  /** why every client is refused, or undefined */
  problem: string | undefined;
  private seen = false;
  private watched: string | undefined;

  constructor(private readonly source: () => TlsSource, private readonly onProblem: (problem: string | undefined) => void) {}

  /** The options of the secure context, read now (the CRL left out when it cannot be used). */
  options(): SecureContextOptions & { minVersion: 'TLSv1.2' } {
    const s = this.source();
    const base = { cert: s.cert, key: s.key, ca: s.ca, minVersion: 'TLSv1.2' as const };
    const crl = s.crl !== undefined ? checkCrl(s.crl, 'the CRL') : s.crlPath ? readCrl(s.crlPath) : {};
    if (crl.text !== undefined) this.seen = true;
    const problem = crl.problem ?? (crl.text === undefined && this.seen ? `${s.crlPath} is missing` : undefined);
    if (problem !== this.problem) {
      this.problem = problem;
      this.onProblem(problem);
    }
    return problem || crl.text === undefined ? base : { ...base, crl: crl.text };
  }

  /** Reloads the context when the CRL file changes (a second apart at most), closing every connection. */
  watch(server: Server): void {
    const path = this.source().crlPath;
    if (!path) return;
    this.watched = path;
    watchFile(path, { interval: 1_000, persistent: false }, () => {
      server.setSecureContext(this.options());
      server.closeAllConnections();
    });
  }

  unwatch(): void {
    if (this.watched) unwatchFile(this.watched);
    this.watched = undefined;
  }
}

function readCrl(path: string): { text?: string; problem?: string } {
  try {
    return checkCrl(readFileSync(path, 'utf8'), path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? {} : { problem: `${path} cannot be read: ${(err as Error).message}` };
  }
}

function checkCrl(text: string, where: string): { text: string; problem?: string } {
  if (text.trim() === '') return { text, problem: `${where} is empty` };
  try {
    createSecureContext({ crl: text });
  } catch {
    return { text, problem: `${where} is not a CRL in PEM form` };
  }
  return { text };
}

/** The client of a mutual-TLS request, from its certificate: role, name, one key per certificate, address. */
export interface Client {
  role: ClientRole;
  name: string;
  identity: string;
  address: string;
}

/** The client, or why it is refused: no turtle role, or an agent's (server) certificate. */
export function clientOf(socket: TLSSocket): Client | { refused: string; hint?: string } {
  const peer = socket.getPeerCertificate();
  const subject = peer.subject as { OU?: string | string[]; CN?: string | string[] } | undefined;
  const ou = subject?.OU;
  const role = Array.isArray(ou) ? undefined : ou;
  if (!isRole(role)) return { refused: 'the client certificate names no turtle role' };
  if (role === 'agent') return { refused: 'an agent\'s certificate is not a client certificate', hint: 'issue one for the client: `turtle ca issue --role operator|observer|peer --name NAME`' };
  const name = typeof subject?.CN === 'string' ? subject.CN : '?';
  return { role, name, identity: `${role}:${name}:${peer.serialNumber}`, address: socket.remoteAddress ?? '?' };
}

// The agent's API: HTTPS with mutual TLS only. The client certificate's OU is its role: operators may
// change desired state and act on services, observers only read. A revoked certificate is refused at the
// handshake: the CRL is reloaded when its file changes, and every open connection is then closed, so one
// opened before the revocation must shake hands again (clients reconnect; event streams resume by seq).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { identityFiles } from '../../pki/files.js';
import { isRole, mayWrite, type Role } from '../../pki/roles.js';
import { HttpError, readUpTo, sendJson } from './_http.js';
import { routes, type Route, type ApiContext } from './routes.js';

export interface ApiOptions {
  /** directory with cert.pem, key.pem, ca.pem and (optionally) crl.pem, as `turtle ca issue` writes it */
  tlsDir: string;
  host: string;
  port: number;
}

export class AgentApi {
  private server: Server | undefined;

  constructor(private readonly opts: ApiOptions, private readonly ctx: ApiContext) {}

  async listen(): Promise<{ port: number }> {
    const files = identityFiles(this.opts.tlsDir);
    const server = createServer({ ...this.tlsOptions(), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 0; // logs and events follow for as long as the client wants
    watchFile(files.crl, { interval: 1_000, persistent: false }, () => {
      try {
        server.setSecureContext(this.tlsOptions());
        server.closeAllConnections();
      } catch {
        // a half-written CRL: the next change reloads it
      }
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return { port: (server.address() as { port: number }).port };
  }

  async close(): Promise<void> {
    unwatchFile(identityFiles(this.opts.tlsDir).crl);
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private tlsOptions() {
    const files = identityFiles(this.opts.tlsDir);
    let crl: string | undefined;
    try {
      crl = readFileSync(files.crl, 'utf8');
    } catch {
      crl = undefined;
    }
    return { cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(files.ca), ...(crl ? { crl } : {}) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let routeName = 'unknown';
    try {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const ou = (peer.subject as { OU?: string | string[] } | undefined)?.OU;
      const role = Array.isArray(ou) ? undefined : ou;
      if (!isRole(role)) throw new HttpError(403, 'the client certificate names no turtle role');
      const url = new URL(req.url ?? '/', 'https://agent');
      const match = findRoute(req.method ?? 'GET', url.pathname);
      routeName = match.route.name;
      if (match.route.write && !mayWrite(role)) throw new HttpError(403, `role ${role} may not ${match.route.name}`);
      await match.route.run({ req, res, url, params: match.params, role: role as Role, ctx: this.ctx });
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      // A client still sending its body misses an answer sent now (its next write fails with EPIPE and the
      // socket is gone): read a few MiB of it away first; a client sending more is cut off after the answer.
      if (!req.complete && !res.headersSent) await readUpTo(req, DRAIN_BYTES, { keep: false, maxMs: DRAIN_MS });
      if (!res.headersSent) sendJson(res, status, { error: message, ...(err instanceof HttpError && err.issues ? { issues: err.issues } : {}) });
      else res.destroy();
      // a request turned away before its body was read: do not keep reading it
      if (!req.complete) req.socket.destroySoon?.();
    } finally {
      this.ctx.metrics.requests.inc({ route: routeName, code: String(res.statusCode) });
    }
  }
}

function findRoute(method: string, path: string): { route: Route; params: string[] } {
  let allowed = false;
  for (const route of routes) {
    const m = route.path.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      allowed = true;
      continue;
    }
    return { route, params: m.slice(1) };
  }
  if (allowed) throw new HttpError(405, `${method} is not allowed on ${path.slice(0, 200)}`);
  throw new HttpError(404, 'no such endpoint');
}

const DRAIN_BYTES = 4 * 1024 * 1024;
const DRAIN_MS = 5_000;

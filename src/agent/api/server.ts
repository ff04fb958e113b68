// The agent's API: HTTPS with mutual TLS only. The client certificate's OU is its role (operators change
// things, observers read without env values, peers reach only their own routes; an agent's certificate is
// never a client). A revoked certificate is refused at the handshake: the CRL is reloaded when its file
// changes, and every open connection is then closed, so one opened before the revocation must shake hands
// again (clients reconnect; event streams resume by seq). Once a CRL has been seen, a missing, empty or
// unparsable one refuses every request (503, said in the events and on /healthz) until it is fixed.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { identityFiles } from '../../pki/files.js';
import { ServerTls, clientOf } from '../../pki/server-tls.js';
import { hardenListener, LISTENER_LIMITS } from '../../lib/listener.js';
import { REQUEST_LIMITS, StreamCaps } from '../../lib/streams.js';
import { HttpError, readUpTo, sendJson } from './_http.js';
import { crossSite } from './_guard.js';
import { routes, type Route, type ApiContext, type Caller } from './routes.js';

export interface ApiOptions {
  /** directory with cert.pem, key.pem, ca.pem and (optionally) crl.pem, as `turtle ca issue` writes it */
  tlsDir: string;
  host: string;
  port: number;
}

export class AgentApi {
  private server: Server | undefined;
  private readonly streams = new StreamCaps();
  private readonly inFlight = new StreamCaps(REQUEST_LIMITS, 'requests in flight');
  private readonly tls: ServerTls;

  constructor(private readonly opts: ApiOptions, private readonly ctx: ApiContext) {
    const files = identityFiles(opts.tlsDir);
    this.tls = new ServerTls(
      () => ({ cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(files.ca), crlPath: files.crl }),
      (problem) => this.crlChanged(problem),
    );
  }

  async listen(): Promise<{ port: number }> {
    const server = createServer({ ...this.tls.options(), requestCert: true, rejectUnauthorized: true, handshakeTimeout: LISTENER_LIMITS.handshakeMs }, (req, res) => {
      void this.handle(req, res);
    });
    hardenListener(server);
    this.tls.watch(server);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return { port: (server.address() as { port: number }).port };
  }

  async close(): Promise<void> {
    this.tls.unwatch();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private crlChanged(problem: string | undefined): void {
    const message = problem
      ? `the CRL cannot be used (${problem}): every client is refused until it is fixed; copy the CA's crl.pem again`
      : 'the CRL is usable again: clients are accepted';
    console.error(`turtle agent: ${message}`);
    this.ctx.store.events.append({ site: this.ctx.site, type: problem ? 'agent.crl-invalid' : 'agent.crl-valid', message });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let routeName = 'unknown';
    try {
      const caller = callerOf(req);
      const slot = this.inFlight.take({ identity: caller.identity, address: caller.address, operator: caller.role === 'operator' });
      if ('refused' in slot) throw new HttpError(429, slot.refused, ['wait for an answer before sending more']);
      // answered (handed to the socket) or cut off: either way no longer work in flight
      res.once('finish', slot.release).once('close', slot.release);
      const url = new URL(req.url ?? '/', 'https://agent');
      if (this.tls.problem) {
        throw new HttpError(503, `the agent's CRL cannot be used (${this.tls.problem}): every client is refused until it is fixed`, ["copy the CA's crl.pem into the agent's TLS directory again"]);
      }
      const match = findRoute(req.method ?? 'GET', url.pathname);
      const { route } = match;
      routeName = route.name;
      if (!route.roles.includes(caller.role)) throw new HttpError(403, `role ${caller.role} may not ${route.name}`);
      if (route.write) {
        const why = crossSite(req);
        if (why) throw new HttpError(403, `${why} may not ${route.name}`, ['state-changing requests come from turtle\'s CLI, not from a web page']);
        if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'expected content-type: application/json');
      }
      // a long-lived answer moves from the in-flight caps to the stream caps
      await route.run({ req, res, url, params: match.params, role: caller.role, caller, ctx: this.ctx, holdStream: () => this.holdStream(caller, res, slot.release) });
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

  /** A slot for a long-lived answer, given back when it ends; 429 when the caller holds too many. */
  private holdStream(caller: Caller, res: ServerResponse, releaseRequest: () => void): void {
    const got = this.streams.take({ identity: caller.identity, address: caller.address, operator: caller.role === 'operator' });
    if ('refused' in got) throw new HttpError(429, got.refused, ['close another log follow or event stream first']);
    res.once('close', got.release);
    releaseRequest();
  }
}

/** Who is calling, from the certificate; 403 for a certificate that is no client's. */
function callerOf(req: IncomingMessage): Caller {
  const client = clientOf(req.socket as TLSSocket);
  if ('refused' in client) throw new HttpError(403, client.refused, client.hint ? [client.hint] : undefined);
  return client;
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

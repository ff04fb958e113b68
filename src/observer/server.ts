// The observer's HTTPS server: the dashboard and a read-only JSON API, private by default. Every page but
// /healthz needs a client certificate from turtle's CA with the operator or observer role (mutual TLS:
// the same CA and certificates as the agents, which browsers can present; no password to keep or guess).
// The Host header must be a name of the observer's own certificate (DNS rebinding). Only GET and HEAD
// exist; every other method gets 405, whatever the path, so nothing here can be used to change anything.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { CSP, dashboardAsset } from '../dashboard/index.js';
import { hardenListener, LISTENER_LIMITS } from '../lib/listener.js';
import { StreamCaps } from '../lib/streams.js';
import { clientOf, type ServerTls } from '../pki/server-tls.js';
import type { ObserverStore } from './store.js';
import type { Summary } from './summary.js';
import type { Hub } from './hub.js';

export interface ServerContext {
  store: ObserverStore;
  summary: () => Summary;
  hub: Hub;
  tls: ServerTls;
  /** the names the observer answers as: its certificate's DNS names and IP addresses */
  names: readonly string[];
}

class HttpFailure extends Error {
  constructor(readonly status: number, message: string, readonly hint?: string) {
    super(message);
  }
}

type Handler = (url: URL, req: IncomingMessage, res: ServerResponse, ctx: ServerContext) => void;

const pages: Record<string, Handler> = {
  '/': (_u, _q, res) => asset(res, 'index.html'),
  '/api/v1/summary': (_u, _q, res, ctx) => json(res, 200, ctx.summary()),
  '/api/v1/metrics': (url, _q, res, ctx) => {
    const site = need(url, 'site');
    const since = num(url, 'since', Date.now() - 3_600_000);
    json(res, 200, { site, samples: ctx.store.metrics.series(site, since) });
  },
  '/api/v1/logs': (url, _q, res, ctx) => {
    const site = url.searchParams.get('site') ?? undefined;
    json(res, 200, { lines: ctx.store.logs.tail(need(url, 'service'), site, Math.min(num(url, 'limit', 200), 2000)) });
  },
  '/api/v1/events': (url, _q, res, ctx) => {
    const site = url.searchParams.get('site') ?? undefined;
    json(res, 200, { events: ctx.store.events.list({ ...(site ? { site } : {}), after: num(url, 'after', 0), limit: Math.min(num(url, 'limit', 1000), 10_000) }) });
  },
};

export function observerServer(ctx: ServerContext): Server {
  const streams = new StreamCaps();
  const server = createServer({ ...ctx.tls.options(), requestCert: true, rejectUnauthorized: false, handshakeTimeout: LISTENER_LIMITS.handshakeMs }, (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        req.resume();
        return json(res, 405, { error: `${req.method} is not allowed: the observer is read-only` });
      }
      const url = new URL(req.url ?? '/', 'https://observer');
      checkHost(req, ctx.names);
      if (ctx.tls.problem) throw new HttpFailure(503, `the observer's CRL cannot be used (${ctx.tls.problem}): every client is refused until it is fixed`, "copy the CA's crl.pem again");
      if (url.pathname === '/healthz') return json(res, 200, { ok: true });
      const client = authenticate(req.socket as TLSSocket);
      if (url.pathname === '/api/v1/stream') {
        const got = streams.take({ identity: client.identity, address: client.address, operator: client.role === 'operator' });
        if ('refused' in got) throw new HttpFailure(429, got.refused, 'close another dashboard tab first');
        res.once('close', got.release);
        return ctx.hub.subscribe(req, res);
      }
      const file = /^\/assets\/([A-Za-z.]+)$/.exec(url.pathname);
      if (file) return asset(res, file[1] as string);
      const page = pages[url.pathname];
      if (!page) throw new HttpFailure(404, 'no such page');
      page(url, req, res, ctx);
    } catch (err) {
      if (err instanceof HttpFailure) return json(res, err.status, { error: err.message, ...(err.hint ? { hint: err.hint } : {}) });
      json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  });
  hardenListener(server);
  ctx.tls.watch(server);
  server.on('close', () => ctx.tls.unwatch());
  // CONNECT never reaches the request handler: answer it the same way
  server.on('connect', (_req, socket) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  return server;
}

/** The client behind a verified certificate with a reading role; 401 without one, 403 for other roles. */
function authenticate(socket: TLSSocket): { role: string; identity: string; address: string } {
  if (!socket.authorized) {
    const why = socket.getPeerCertificate()?.subject ? `its certificate was refused (${String(socket.authorizationError)})` : 'no client certificate was presented';
    throw new HttpFailure(401, `the observer is private: ${why}`, 'present a certificate from turtle\'s CA (`turtle ca issue --role operator|observer`); a browser needs it imported (README: the observer)');
  }
  const client = clientOf(socket);
  if ('refused' in client) throw new HttpFailure(403, client.refused, client.hint);
  if (client.role !== 'operator' && client.role !== 'observer') throw new HttpFailure(403, `role ${client.role} may not read the observer`);
  return client;
}

/** The Host header must name this observer (a page on another name resolving here must not read it). */
function checkHost(req: IncomingMessage, names: readonly string[]): void {
  const host = hostName(req.headers.host ?? '');
  if (!names.includes(host)) {
    throw new HttpFailure(421, `this observer answers as ${names.join(', ')}; Host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not one of them`, 'use one of those names, or issue the observer\'s certificate with that name too: turtle ca issue --role observer --host …');
  }
}

function hostName(header: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (v6) return (v6[1] as string).toLowerCase();
  return header.replace(/:\d+$/, '').toLowerCase();
}

/** The DNS names and IP addresses of a certificate's subjectAltName, as the Host check compares them. */
export function certificateNames(subjectAltName: string | undefined): string[] {
  return (subjectAltName ?? '').split(/,\s*/).map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1]?.toLowerCase()).filter((n): n is string => Boolean(n));
}

function asset(res: ServerResponse, name: string): void {
  const a = dashboardAsset(name);
  if (!a) throw new HttpFailure(404, 'no such page');
  res.writeHead(200, {
    'content-type': a.type, 'content-length': a.body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff',
    'content-security-policy': CSP, 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer',
  });
  res.end(a.body);
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function need(url: URL, name: string): string {
  const v = url.searchParams.get(name);
  if (!v) throw new HttpFailure(400, `\`${name}\` is required`);
  return v;
}

function num(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return fallback;
  if (!/^\d{1,15}$/.test(v)) throw new HttpFailure(400, `\`${name}\` must be a whole number`);
  return Number(v);
}

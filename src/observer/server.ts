// The observer's HTTP server: the dashboard and a read-only JSON API. Only GET and HEAD exist; every other
// method gets 405, whatever the path, so nothing here can be used to change anything.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dashboardAsset } from '../dashboard/index.js';
import type { ObserverStore } from './store.js';
import type { Summary } from './summary.js';
import type { Hub } from './hub.js';

export interface ServerContext {
  store: ObserverStore;
  summary: () => Summary;
  hub: Hub;
}

class NotFound extends Error {}
class BadRequest extends Error {}

type Handler = (url: URL, req: IncomingMessage, res: ServerResponse, ctx: ServerContext) => void;

const pages: Record<string, Handler> = {
  '/': (_u, _q, res) => asset(res, 'index.html'),
  '/healthz': (_u, _q, res) => json(res, 200, { ok: true }),
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
  '/api/v1/stream': (_u, req, res, ctx) => ctx.hub.subscribe(req, res),
};

export function observerServer(ctx: ServerContext): Server {
  const server = createServer((req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        req.resume();
        return json(res, 405, { error: `${req.method} is not allowed: the observer is read-only` });
      }
      const url = new URL(req.url ?? '/', 'http://observer');
      const file = /^\/assets\/([A-Za-z.]+)$/.exec(url.pathname);
      if (file) return asset(res, file[1] as string);
      const page = pages[url.pathname];
      if (!page) throw new NotFound();
      page(url, req, res, ctx);
    } catch (err) {
      if (err instanceof NotFound) return json(res, 404, { error: 'no such page' });
      if (err instanceof BadRequest) return json(res, 400, { error: err.message });
      json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  });
  // CONNECT never reaches the request handler: answer it the same way
  server.on('connect', (_req, socket) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  return server;
}

function asset(res: ServerResponse, name: string): void {
  const a = dashboardAsset(name);
  if (!a) throw new NotFound();
  res.writeHead(200, { 'content-type': a.type, 'content-length': a.body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(a.body);
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function need(url: URL, name: string): string {
  const v = url.searchParams.get(name);
  if (!v) throw new BadRequest(`\`${name}\` is required`);
  return v;
}

function num(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return fallback;
  if (!/^\d{1,15}$/.test(v)) throw new BadRequest(`\`${name}\` must be a whole number`);
  return Number(v);
}

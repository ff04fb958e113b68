// Live updates for dashboards: Server-Sent Events. A summary is pushed when something changed (at most
// every 250 ms), plus each new event, alert change, sample and log line as it arrives. A dashboard that
// stops reading gets nothing more until its socket drains (then a fresh summary, which holds everything
// it missed), and is cut after STALL_MS: a stuck browser costs a socket buffer, not the observer's heap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STALL_MS } from '../lib/streams.js';

export class Hub {
  private readonly clients = new Set<ServerResponse>();
  /** clients whose socket buffer is full, since when */
  private readonly blocked = new Map<ServerResponse, NodeJS.Timeout>();
  private pending: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(private readonly summary: () => unknown, private readonly debounceMs = 250) {}

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    if (req.method === 'HEAD') return void res.end();
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    this.send(res, 'summary', this.summary());
    res.on('close', () => {
      this.clients.delete(res);
      clearTimeout(this.blocked.get(res));
      this.blocked.delete(res);
    });
    this.keepAlive ??= setInterval(() => {
      for (const c of this.clients) this.write(c, ': keep-alive\n\n');
    }, 15_000).unref();
  }

  /** Something changed: push a new summary soon (coalescing bursts). */
  changed(): void {
    if (this.pending || this.clients.size === 0) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.broadcast('summary', this.summary());
    }, this.debounceMs);
  }

  broadcast(type: string, data: unknown): void {
    if (this.clients.size === 0) return;
    for (const c of this.clients) this.send(c, type, data);
  }

  close(): void {
    if (this.pending) clearTimeout(this.pending);
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const t of this.blocked.values()) clearTimeout(t);
    this.blocked.clear();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private send(res: ServerResponse, type: string, data: unknown): void {
    this.write(res, `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(res: ServerResponse, text: string): void {
    if (this.blocked.has(res) || res.destroyed) return;
    if (res.write(text)) return;
    this.blocked.set(res, setTimeout(() => res.destroy(), STALL_MS).unref());
    res.once('drain', () => {
      clearTimeout(this.blocked.get(res));
      this.blocked.delete(res);
      this.send(res, 'summary', this.summary());
    });
  }
}

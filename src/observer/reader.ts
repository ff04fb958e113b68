// The observer's only way to reach an agent: a mutual-TLS client that can send GET and nothing else.
// There is no method parameter to get wrong; the agent refuses the observer certificate for writes anyway.
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { identityFiles } from '../pki/index.js';

export interface ObserverIdentity {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  /** the CRL its own server checks clients against: a file (watched) or text (Fly secrets) */
  crlPath?: string;
  crl?: string;
}

export function readIdentity(tlsDir: string): ObserverIdentity {
  const f = identityFiles(tlsDir);
  return { cert: readFileSync(f.cert), key: readFileSync(f.key), ca: readFileSync(f.ca), crlPath: f.crl };
}

/** A request that failed: `status` is set when the agent answered (it is reachable, the request was refused). */
export class AgentRequestError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export class AgentReader {
  private readonly base: URL;
  private readonly agent: HttpsAgent;

  constructor(url: string, identity: ObserverIdentity) {
    this.base = new URL(url.endsWith('/') ? url : `${url}/`);
    this.agent = new HttpsAgent({ keepAlive: true, maxSockets: 4, cert: identity.cert, key: identity.key, ca: identity.ca });
  }

  /** GET a JSON answer; a non-2xx answer or a broken connection throws AgentRequestError. */
  async json<T>(path: string, { signal, timeoutMs = 30_000 }: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> {
    const res = await this.open(path, signal, timeoutMs);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if ((res.statusCode ?? 0) >= 300) throw new AgentRequestError(`GET ${path}: ${res.statusCode} ${text.slice(0, 200)}`, res.statusCode);
    return JSON.parse(text) as T;
  }

  /** GET a stream of NDJSON lines (logs with follow=1), until it ends or `signal` aborts. */
  async *lines(path: string, signal: AbortSignal): AsyncGenerator<string> {
    const res = await this.open(path, signal, 0);
    if ((res.statusCode ?? 0) >= 300) {
      res.resume();
      throw new AgentRequestError(`GET ${path}: ${res.statusCode}`, res.statusCode);
    }
    let rest = '';
    for await (const chunk of res) {
      rest += (chunk as Buffer).toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p) yield p;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private open(path: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<IncomingMessage> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', agent: this.agent, ...(signal ? { signal } : {}), ...(timeoutMs ? { timeout: timeoutMs } : {}) }, resolve);
      req.on('timeout', () => req.destroy(new AgentRequestError(`GET ${path}: no answer in ${timeoutMs} ms`)));
      req.on('error', (err) => reject(err instanceof AgentRequestError ? err : new AgentRequestError(`GET ${path}: ${err.message}`)));
      req.end();
    });
  }
}

// Requests to an agent's API over mutual TLS (node:https), with every failure turned into a TurtleError.
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { answerError, connectionError, type AgentRef } from './_errors.js';
import type { Identity } from './identity.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** silence allowed once connected, for ordinary requests (waits and streams set 0: none) */
const IDLE_TIMEOUT_MS = 30_000;

export interface CallOptions {
  body?: unknown;
  signal?: AbortSignal;
  idleMs?: number;
  /** statuses outside 2xx answered as a body rather than an error (409 from a held lease) */
  accept?: readonly number[];
  headers?: Record<string, string>;
}

export class AgentConnection {
  readonly ref: AgentRef;
  private readonly base: URL;

  constructor(site: string, url: string, private readonly identity: Identity) {
    this.base = new URL(url.endsWith('/') ? url : `${url}/`);
    this.ref = { site, url: url.replace(/\/$/, ''), identityDir: identity.dir, role: identity.role };
  }

  /** A JSON request; an answer outside 2xx becomes the agent's own error. */
  async json<T>(method: string, path: string, options: CallOptions = {}): Promise<{ status: number; body: T }> {
    const res = await this.open(method, path, options);
    const text = await readAll(res, this.ref);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: answerError shows the text
    }
    if ((res.statusCode ?? 0) >= 300 && !options.accept?.includes(res.statusCode ?? 0)) throw answerError(this.ref, res.statusCode ?? 0, body);
    return { status: res.statusCode ?? 0, body: body as T };
  }

  /** NDJSON lines as they arrive; undefined when the agent answers 404 (nothing there to read). */
  async lines(path: string, signal: AbortSignal): Promise<AsyncIterable<unknown> | undefined> {
    const res = await this.open('GET', path, { signal, idleMs: 0 });
    if (res.statusCode === 404) {
      await readAll(res, this.ref);
      return undefined;
    }
    if ((res.statusCode ?? 0) >= 300) {
      const text = await readAll(res, this.ref);
      throw answerError(this.ref, res.statusCode ?? 0, safeJson(text));
    }
    return parseLines(res, signal, this.ref);
  }

  /** The response once its head arrived; connection failures are explained. */
  private open(method: string, path: string, { body, signal, idleMs = IDLE_TIMEOUT_MS, headers = {} }: CallOptions): Promise<IncomingMessage> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    // Every request that changes something says it is JSON (the agent refuses others: a browser's cross-site
    // form cannot), with `{}` when there is nothing to send.
    const payload = body === undefined ? (method === 'GET' || method === 'HEAD' ? undefined : '{}') : JSON.stringify(body);
    const options: RequestOptions = {
      method,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || 443,
      path: url.pathname + url.search,
      agent: false,
      cert: this.identity.cert,
      key: this.identity.key,
      ca: this.identity.ca,
      minVersion: 'TLSv1.2',
      headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
      ...(signal ? { signal } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = request(options, resolve);
      req.on('socket', (socket) => {
        socket.setTimeout(CONNECT_TIMEOUT_MS);
        socket.once('secureConnect', () => socket.setTimeout(idleMs));
        // on the socket, not the request: a request made without its own `timeout` option never hears of its
        // socket's timeout, and a connect to a cut-off site then lasted until the kernel gave up (38.6 s on
        // the test bed; up to the SYN retries, about 2 min, where no unreachable error comes back)
        socket.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
      });
      req.on('error', (err) => reject(signal?.aborted ? err : connectionError(this.ref, err)));
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage, ref: AgentRef): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (err) => reject(connectionError(ref, err)));
  });
}

async function* parseLines(res: IncomingMessage, signal: AbortSignal, ref: AgentRef): AsyncIterable<unknown> {
  try {
    for await (const line of createInterface({ input: res, crlfDelay: Infinity })) {
      if (line.trim()) yield JSON.parse(line);
    }
  } catch (err) {
    if (!signal.aborted) throw connectionError(ref, err);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

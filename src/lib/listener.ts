// What every turtle listener (the agent's API, the observer) does against clients that hold resources:
// short handshake, header and request timeouts, a ceiling on connections, a bounded pool of connections
// still shaking hands (the oldest silent one is dropped for a new one, so a flood of silent sockets cannot
// lock an operator out), and Node's own 400/408/431 answers as JSON like every other error.
import { STATUS_CODES, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export const LISTENER_LIMITS = {
  /** a TLS handshake not finished by then is dropped (Node's default is 120 s) */
  handshakeMs: 10_000,
  /** the request line and headers must arrive within this */
  headersMs: 10_000,
  /** the whole request, body included (answers, such as a log follow, may last longer) */
  requestMs: 30_000,
  keepAliveMs: 5_000,
  /** the engine's file descriptors are the router's too */
  maxConnections: 512,
  /** connections accepted but not yet through the TLS handshake */
  pendingHandshakes: 64,
} as const;

export type Limits = { [K in keyof typeof LISTENER_LIMITS]: number };

export function hardenListener(server: HttpServer | HttpsServer, limits: Limits = LISTENER_LIMITS): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = limits.requestMs;
  server.keepAliveTimeout = limits.keepAliveMs;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket));
  if (!('setSecureContext' in server)) return;
  // Sockets still in the handshake, oldest first (a Set keeps insertion order).
  const pending = new Set<Socket>();
  server.on('connection', (raw: Socket) => {
    pending.add(raw);
    raw.once('close', () => pending.delete(raw));
    if (pending.size > limits.pendingHandshakes) {
      // a client that has said nothing yet goes first: a real one sends its hello as it connects, so a flood
      // of silent sockets churns among themselves and never pushes out an operator mid-handshake
      const silent = [...pending].find((p) => p !== raw && p.bytesRead === 0);
      const drop = silent ?? (pending.values().next().value as Socket);
      pending.delete(drop);
      drop.destroy();
    }
  });
  server.on('secureConnection', (tls) => pending.delete((tls as unknown as { _parent?: Socket })._parent as Socket));
  server.on('tlsClientError', (_err, tls) => tls.destroy());
}

/** Node's answer to a request it could not parse (or that took too long), as JSON. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message = status === 431 ? 'the request headers are too large'
    : status === 408 ? 'the request took too long to arrive'
    : `the request is not valid HTTP (${err.code ?? 'parse error'})`;
  const body = JSON.stringify({ error: message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`);
}

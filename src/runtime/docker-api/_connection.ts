// One dockerode client per endpoint, with every HTTP request counted at the single point they all pass
// (docker-modem's dial), so a no-op deploy can be proven to make zero mutating engine calls.
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import Dockerode from 'dockerode';
import type DockerModem from 'docker-modem';
import { parseEndpoint } from './_endpoint.js';

export interface CallCounts {
  /** POST, PUT, DELETE, …: anything that can change the engine's state */
  mutating: number;
  /** GET and HEAD */
  read: number;
}

/** Fail fast when the engine does not accept the connection; streams (logs --follow) stay open. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * An agent whose connections fail when the engine does not accept them within `ms`. Not docker-modem's
 * `connectionTimeout`: that timer runs until the answer's headers, so any call that takes the engine longer
 * (stopping a container that waits out its grace period, Podman's /info on a busy host) was cut off as
 * "socket hang up".
 */
function connectTimeoutAgent(https: boolean, ms: number): HttpAgent {
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const create = (agent as unknown as { createConnection: (o: object, cb?: unknown) => Socket }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (o: object, cb?: unknown) => Socket }).createConnection = (options, cb) => {
    const socket = create(options, cb);
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`no connection within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    socket.once(https ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
  // docker-modem formats every request's options with util.inspect (depth: null, showHidden), even with
  // its debug output off: an agent holding sockets made that cost ~40% of a core in the site agent.
  Object.defineProperty(agent, inspect.custom, { value: () => `[engine agent, connect timeout ${ms} ms]` });
  return agent;
}

export function connect(endpoint: string, calls: CallCounts): Dockerode {
  const target = parseEndpoint(endpoint);
  // Explicit undefineds on purpose: docker-modem would otherwise mix in DOCKER_HOST, DOCKER_TLS_VERIFY and
  // DOCKER_CLIENT_TIMEOUT from the environment; the endpoint alone says where the engine is.
  const blank = { host: undefined, port: undefined, protocol: 'http', timeout: undefined, ca: undefined, cert: undefined, key: undefined };
  const options = { ...blank, ...target, agent: connectTimeoutAgent(target.protocol === 'https', CONNECT_TIMEOUT_MS) } as Dockerode.DockerOptions;
  const docker = new Dockerode(options);
  const modem = docker.modem;
  const dial = modem.dial.bind(modem);
  modem.dial = (opts: DockerModem.DialOptions, callback?: DockerModem.RequestCallback) => {
    const method = (opts.method ?? 'GET').toUpperCase();
    if (method === 'GET' || method === 'HEAD') calls.read++;
    else calls.mutating++;
    dial(opts, callback);
  };
  return docker;
}

/** A request dockerode has no method for (libpod endpoints, raw log streams), through the counted dial. */
export function request<T>(docker: Dockerode, opts: DockerModem.DialOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(opts, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

export function requestStream(docker: Dockerode, opts: DockerModem.DialOptions): Promise<IncomingMessage> {
  return request<IncomingMessage>(docker, { ...opts, isStream: true });
}

/**
 * Reads a progress stream (pull, import) to its end and fails on the first error event. Not docker-modem's
 * followProgress: it passes error events on as progress, and drops Podman's last line (no final newline).
 */
export async function followProgress(stream: NodeJS.ReadableStream, onProgress?: (event: ProgressEvent) => void): Promise<void> {
  let buffered = '';
  const handle = (line: string) => {
    if (!line.trim()) return;
    const event = JSON.parse(line) as ProgressEvent;
    const error = event.error ?? event.errorDetail?.message;
    if (error) throw new Error(error);
    onProgress?.(event);
  };
  for await (const chunk of stream) {
    const lines = (buffered + chunk.toString()).split('\n');
    buffered = lines.pop() ?? '';
    lines.forEach(handle);
  }
  handle(buffered);
}

export interface ProgressEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

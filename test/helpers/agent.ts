// A real `turtle agent` process (the built CLI) with its own CA, and a mutual-TLS client for its API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { readReply, type Reply } from './_reply.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { identityFiles, initCa, issueCert, type Role } from '../../src/pki/index.js';

const BIN = resolve('bin/turtle.js');

export interface Identity {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

export class AgentFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'turtle-agent-'));
  readonly caDir = join(this.dir, 'ca');
  readonly tlsDir = join(this.dir, 'agent-tls');
  readonly state = join(this.dir, 'agent.db');
  port = 0;
  child: ChildProcess | undefined;
  output = '';

  constructor(readonly site: string, readonly runtime: string, readonly engine: string) {}

  async init(): Promise<void> {
    await initCa(this.caDir);
    await issueCert(this.caDir, { role: 'agent', name: this.site, hosts: ['127.0.0.1'], out: this.tlsDir });
  }

  /** `hosts`: an identity that also serves (the observer's dashboard) */
  async identity(role: Role, name: string, hosts?: string[]): Promise<Identity> {
    const { out } = await issueCert(this.caDir, { role, name, ...(hosts ? { hosts } : {}) });
    const f = identityFiles(out);
    return { cert: readFileSync(f.cert), key: readFileSync(f.key), ca: readFileSync(f.ca) };
  }

  /**
   * Starts the agent and waits until it listens. Tests resync every 5 s; benchmarks pass the production
   * default (30 s) and may add Node flags that NODE_OPTIONS refuses (--cpu-prof).
   * The governor is off unless `env` turns it on (TURTLE_GOVERNOR=on): every test agent shares this host's one
   * /turtle cgroup, and on a machine busy with the test run itself an acting governor caps every turtle
   * container of every test at the budget. The governor's own tests use their own cgroup parent, or turn it on.
   */
  async start(env: Record<string, string> = {}, opts: { resyncS?: number; nodeArgs?: string[] } = {}): Promise<void> {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, '--state', this.state, 'agent', '--site', this.site, '--runtime', this.runtime, '--engine', this.engine,
      '--listen', `127.0.0.1:${this.port}`, '--tls-dir', this.tlsDir, '--resync', String(opts.resyncS ?? 5)], { env: { ...process.env, TURTLE_GOVERNOR: 'off', TURTLE_FIREWALL: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    const seen = new Promise<void>((ok, fail) => {
      const onData = (d: Buffer) => {
        this.output += d.toString();
        const m = /listening on https:\/\/[^:]+:(\d+)/.exec(this.output);
        if (m) {
          this.port = Number(m[1]);
          ok();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
      child.once('exit', (code) => fail(new Error(`agent exited ${code}: ${this.output}`)));
    });
    await Promise.race([seen, sleep(15_000).then(() => Promise.reject(new Error(`agent did not start: ${this.output}`)))]);
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type { Reply } from './_reply.js';

/** One request to the agent's API as `who` (undefined: no client certificate). */
export function api(port: number, who: Identity | undefined, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, ca?: Buffer): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1', port, method, path, agent: false, timeout: 15_000,
        ca: who?.ca ?? ca, ...(who ? { cert: who.cert, key: who.key } : {}),
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        readReply(res).then(resolvePromise, reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(200);
  }
}

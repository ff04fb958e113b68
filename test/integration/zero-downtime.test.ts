// Zero-downtime updates behind the site proxy, on a real engine with the real CLI: wrk keeps load on a web
// service through HAProxy while `turtle deploy` swaps its version 20 times (web:1 and web:2 in turn);
// not one request may fail and not one connection may break.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { proxyDir } from '../../src/proxy/index.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

// npm test's size: ten swaps each way and a short baseline; the README's figures are of 20 and 20 s (TURTLE_ZD_*)
const UPDATES = Number(process.env.TURTLE_ZD_UPDATES ?? 10);
// Sized so that a timeout would be the swap's doing, not busybox httpd's: a few connections, and a
// timeout far above the service's latency on a busy 2-core machine, where turtle's containers sit under
// the lowest CPU weight there is (the /turtle cgroup) and wait their turn behind every host process
// (ENVIRONMENT.md). A swap that went wrong shows as a refused or reset connection or a 5xx from the proxy
// (its own connect and server timeouts are 3 s x 3 tries and 60 s), not as a slow answer.
const WRK = { threads: 1, connections: 4, timeout: '30s' };
const BASELINE_S = Number(process.env.TURTLE_ZD_BASELINE_S ?? 5);

interface WrkResult {
  requests: number;
  seconds: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  non2xx: number;
  /** the slowest request, as wrk prints it */
  maxLatency: string;
  text: string;
}

function parseWrk(text: string): WrkResult {
  const served = /(\d+) requests in ([\d.]+)(us|ms|s|m|h),/.exec(text);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (!served) throw new Error(`wrk printed no summary:\n${text}`);
  return {
    requests: Number(served[1]),
    seconds: Number(served[2]) * ({ us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 }[served[3] as 'us' | 'ms' | 's' | 'm' | 'h']),
    errors: errs ? { connect: +errs[1]!, read: +errs[2]!, write: +errs[3]!, timeout: +errs[4]! } : { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    maxLatency: /Latency\s+\S+\s+\S+\s+(\S+)/.exec(text)?.[1] ?? '?',
    text,
  };
}

function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return; // wrk --version exits 1 but exists
    console.log('zero-downtime: installing wrk from Debian');
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

/** wrk against `url` until the returned stop() is called; stop() resolves with its summary. */
function startWrk(url: string): { child: ChildProcess; stop: () => Promise<WrkResult> } {
  const child = spawn('wrk', [`-t${WRK.threads}`, `-c${WRK.connections}`, '-d', '3600s', '--timeout', WRK.timeout, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const ended = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    stop: async () => {
      child.kill('SIGINT'); // wrk prints its summary on SIGINT
      await ended;
      return parseWrk(out);
    },
  };
}

const figures = (r: WrkResult) =>
  `${r.requests} requests served in ${r.seconds.toFixed(1)} s (slowest ${r.maxLatency}); errors: connect ${r.errors.connect}, read ${r.errors.read}, ` +
  `write ${r.errors.write}, timeout ${r.errors.timeout}; non-2xx responses ${r.non2xx}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function body(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return (await res.text()).trim();
}

for (const engine of engines().filter((e) => (process.env.TURTLE_ZD_ENGINES ?? 'docker').split(',').includes(e.kind))) {
  describe(`zero-downtime updates behind the proxy on ${engine.kind}`, { skip: skipEngines, timeout: 900_000 }, () => {
    const project = `zd-${engine.kind}-${process.pid}`;
    const work = new Workdir();
    const rt = createRuntime(engine);
    let port = 0;
    let wrk: ChildProcess | undefined;

    const write = (version: string) =>
      work.write(`version: 1
project: ${project}
sites:
  dc1: { runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g } }
services:
  web:
    image: turtle-test/web:${version}
    ports: ["${port}:80"]
    proxy: http
    # generous: on a loaded machine a check that runs through the engine can take seconds
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 1s, timeout: 10s, retries: 5 }
    update: { min_healthy: 1s, drain_timeout: 10s }
`);

    before(async () => {
      ensureWrk();
      execFileSync('bash', ['scripts/proxy-image.sh', engine.endpoint], { stdio: 'inherit' });
      port = await freePort();
    });
    after(async () => {
      if (wrk && wrk.exitCode === null) wrk.kill('SIGKILL');
      await removeProject(rt, project);
      rmSync(dirname(proxyDir(project, 'dc1')), { recursive: true, force: true });
      work.remove();
    });

    test(`${UPDATES} updates under wrk load: 0 failed requests, 0 connection errors`, async () => {
      write('1');
      const first = await work.run(['deploy']);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.match(first.stdout + first.stderr, /create _proxy#1 \(turtle\/haproxy:2\.6\)/);
      assert.equal(await body(port), 'web 1');

      // the same load without updates, so a reader can tell the machine's slowness from the swaps'
      const base = startWrk(`http://127.0.0.1:${port}/`);
      wrk = base.child;
      await sleep(BASELINE_S * 1000);
      const baseline = await base.stop();
      console.log(`zero-downtime (${engine.kind}): baseline, no updates, wrk -t${WRK.threads} -c${WRK.connections} --timeout ${WRK.timeout}: ${figures(baseline)}`);

      const load = startWrk(`http://127.0.0.1:${port}/`);
      wrk = load.child;
      await sleep(1_000);
      const durations: number[] = [];
      for (let i = 1; i <= UPDATES; i++) {
        const version = i % 2 === 1 ? '2' : '1';
        write(version);
        const started = Date.now();
        const r = await work.run(['deploy']);
        durations.push(Date.now() - started);
        assert.equal(r.code, 0, `update ${i} to web:${version} failed:\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout + r.stderr, /replace web#1 \(image turtle-test\/web:\d -> turtle-test\/web:\d, start-first, behind the proxy\)/);
        assert.equal(await body(port), `web ${version}`, `after update ${i} the proxy serves web:${version}`);
      }
      await sleep(1_000);
      const result = await load.stop();
      const mean = durations.reduce((a, b) => a + b, 0) / durations.length / 1000;
      console.log(`zero-downtime (${engine.kind}): ${UPDATES} updates (mean ${mean.toFixed(1)} s each) under wrk -t${WRK.threads} -c${WRK.connections} --timeout ${WRK.timeout}: ${figures(result)}`);
      assert.ok(result.requests > 0, result.text);
      assert.deepEqual({ ...result.errors, non2xx: result.non2xx }, { connect: 0, read: 0, write: 0, timeout: 0, non2xx: 0 }, result.text);
      // one proxy, one web container: every old one was removed
      const left = (await rt.list(project)).map((c) => `${c.service}:${c.state}`).sort();
      assert.deepEqual(left, ['_proxy:running', 'web:running']);
    });
  });
}

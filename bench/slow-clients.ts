// bench:slow-clients — the agent under clients that hold resources, on loopback, bounded in time.
// Targets (issue 14): with 500 concurrent slow clients and 50 stalled log-follow streams, the agent's RSS
// stays within 10 MB of idle and an operator is answered within 1 s.
//
// The slow clients, as defined here:
// - 250 connections that never finish a TLS handshake (a TCP connect, then silence); each one the agent
//   drops is opened again at once, so 250 are always trying;
// - 250 requests that read their answer one byte a second: a 10,000-line log read each, from five
//   observer certificates (a stolen one is an observer's, not an operator's); one refused (429) asks
//   again 5 s later, one answered a second after its answer ends;
// - 50 log follows of a service writing 1,000 lines a second, never read, from ten observer certificates.
// Meanwhile an operator opens a new connection every second (a full handshake) and reads /v1/desired, with
// curl: a process of its own, so the time is the agent's, not this process's own event loop under 550 clients.
import { request } from 'node:https';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec, servicesForSite } from '../src/spec/index.js';
import { renderSite } from '../src/domain/render.js';
import { specHash } from '../src/converge/deploy.js';
import { createRuntime } from '../src/runtime/index.js';
import { AgentFixture, api, until, type Identity } from '../test/helpers/agent.js';
import { AGENT_MALLOC, AGENT_NODE_FLAGS, AGENT_NODE_OPTIONS, ENDPOINT, sample } from './_agent-site.js';

const ATTACK_S = Number(process.env.BENCH_SECONDS ?? 60);
// BENCH_ONLY=handshakes|readers|follows: one kind of client alone, to see what each costs
const only = process.env.BENCH_ONLY;
const HANDSHAKERS = !only || only === 'handshakes' ? 250 : 0;
const SLOW_READERS = !only || only === 'readers' ? 250 : 0;
const FOLLOWS = !only || only === 'follows' ? 50 : 0;
const project = `bench-slow-${process.pid}`;
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);

const agent = new AgentFixture('dc1', 'docker', ENDPOINT);
await agent.init();
const operator = await agent.identity('operator', 'bench-operator');
const curlDir = mkdtempSync(join(tmpdir(), 'turtle-bench-curl-'));
for (const part of ['ca', 'cert', 'key'] as const) writeFileSync(join(curlDir, `${part}.pem`), operator[part]);
const observers: Identity[] = [];
for (let i = 0; i < 10; i++) observers.push(await agent.identity('observer', `stolen-${i}`));
await agent.start({ NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? AGENT_NODE_OPTIONS, ...AGENT_MALLOC, TURTLE_GOVERNOR: 'off' }, { resyncS: 30, nodeArgs: AGENT_NODE_FLAGS.split(' ') });
const runtime = createRuntime({ kind: 'docker', endpoint: ENDPOINT });
const open = new Set<{ destroy: () => void }>();
let stopping = false;
try {
  const spec = parseSpec(`version: 1
project: ${project}
sites:
  dc1: { engine: "${ENDPOINT}", capacity: { cpus: 2, memory: 2g } }
services:
  chatty:
    image: turtle-test/web:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do ${process.env.BENCH_QUIET ? '' : "yes 'a log line of about seventy bytes, written a thousand times a second' | head -n 1000; "}sleep 1; done & wait"]
    logging: { driver: json-file, options: { max-size: 5m, max-file: "2" } }
`, 'turtle.yaml', {});
  const desired = { project, specHash: specHash(spec), containers: renderSite(servicesForSite(spec, 'dc1'), { project, site: 'dc1' }) };
  const put = await api(agent.port, operator, 'PUT', '/v1/desired', JSON.stringify(desired));
  if (put.status !== 202) throw new Error(`push failed: ${put.text}`);
  await until('chatty running', async () => ((await runtime.list(project)).some((c) => c.state === 'running') ? true : undefined), 120_000);
  const pid = agent.child!.pid!;

  // idle: the agent supervising, with an operator's reads, nothing else
  await sleep(10_000);
  const idleRss: number[] = [];
  const idleLatency: number[] = [];
  for (let i = 0; i < 10; i++) {
    idleLatency.push(await operatorRead());
    idleRss.push(sample(pid).rss);
    await sleep(1_000);
  }
  const idle = median(idleRss);
  const idleHeap = await heap();

  // the attack
  const counts = { handshakeDrops: 0, readers: 0, readers429: 0, follows: 0, follows429: 0, followsCut: 0 };
  // the follows first: once the readers hold every request slot of their address, a follow cannot start
  for (let i = 0; i < FOLLOWS; i++) follow(observers[i % 10]!, counts);
  await until('every follow answered', async () => (counts.follows + counts.follows429 === FOLLOWS ? true : undefined), 30_000).catch(() => undefined);
  for (let i = 0; i < HANDSHAKERS; i++) silent(counts);
  for (let i = 0; i < SLOW_READERS; i++) void slowReader(observers[i % 5]!, counts);
  const rss: number[] = [];
  const latency: number[] = [];
  const started = Date.now();
  while (Date.now() - started < ATTACK_S * 1000) {
    latency.push(await operatorRead());
    rss.push(sample(pid).rss);
    await sleep(Math.max(0, 1_000 - (latency.at(-1) ?? 0)));
  }
  const peak = Math.max(...rss);
  const attackHeap = await heap();
  console.log(`agent under slow clients for ${ATTACK_S} s on loopback (node ${AGENT_NODE_FLAGS}, NODE_OPTIONS=${AGENT_NODE_OPTIONS}):`);
  console.log(`  clients: ${HANDSHAKERS} that never finish a handshake (the agent dropped ${counts.handshakeDrops}, each opened again), ${SLOW_READERS} reading a 10,000-line log a byte a second (${counts.readers} answered, ${counts.readers429} refused 429 and asked again), ${FOLLOWS} stalled log follows (${counts.follows} accepted, ${counts.follows429} refused 429, ${counts.followsCut} cut)`);
  console.log(`  RSS idle ${mb(idle)} MB, under attack median ${mb(median(rss))} MB, peak ${mb(peak)} MB: ${mb(peak - idle)} MB above idle (target <= 10 MB)`);
  console.log(`  of which (prom-client, idle -> end of attack): V8 heap used ${mb(idleHeap.used)} -> ${mb(attackHeap.used)} MB, heap total ${mb(idleHeap.total)} -> ${mb(attackHeap.total)} MB, external ${mb(idleHeap.external)} -> ${mb(attackHeap.external)} MB`);
  console.log(`  operator (new connection, GET /v1/desired): idle median ${idleLatency.length ? median(idleLatency).toFixed(0) : '?'} ms; under attack median ${median(latency).toFixed(0)} ms, max ${Math.max(...latency).toFixed(0)} ms over ${latency.length} reads (target <= 1000 ms)`);
} finally {
  stopping = true;
  for (const o of open) o.destroy();
  await agent.kill();
  for (const c of await runtime.list(project)) await runtime.remove(c.id);
  agent.remove();
  rmSync(curlDir, { recursive: true, force: true });
}

/** A TCP connection that says nothing; opened again when the agent drops it. */
function silent(counts: { handshakeDrops: number }): void {
  if (stopping) return;
  const s: Socket = connect(agent.port, '127.0.0.1');
  open.add(s);
  s.on('error', () => undefined);
  s.on('close', () => {
    open.delete(s);
    if (stopping) return;
    counts.handshakeDrops++;
    setTimeout(() => silent(counts), 10);
  });
}

/** A log read taken one byte a second; asked again a second after a refusal or an end. */
async function slowReader(who: Identity, counts: { readers: number; readers429: number }): Promise<void> {
  while (!stopping) {
    const res = await get(who, `/v1/services/chatty/logs?tail=10000`).catch(() => undefined);
    if (!res) {
      await sleep(1_000);
      continue;
    }
    if (res.statusCode === 429) {
      counts.readers429++;
      res.resume();
      await sleep(5_000);
      continue;
    }
    counts.readers++;
    res.pause();
    await new Promise<void>((done) => {
      const tick = setInterval(() => res.read(1), 1_000);
      res.once('close', () => {
        clearInterval(tick);
        done();
      });
    });
    await sleep(1_000);
  }
}

/** A log follow that is never read. */
function follow(who: Identity, counts: { follows: number; follows429: number; followsCut: number }): void {
  void get(who, '/v1/services/chatty/logs?follow=1&tail=0').then((res) => {
    if (res.statusCode === 429) {
      counts.follows429++;
      return res.resume();
    }
    counts.follows++;
    res.pause();
    res.once('close', () => {
      if (!stopping) counts.followsCut++;
    });
  }, () => undefined);
}

function get(who: Identity, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request({ host: '127.0.0.1', port: agent.port, path, agent: false, ca: who.ca, cert: who.cert, key: who.key }, resolve);
    const handle = { destroy: () => req.destroy() };
    open.add(handle);
    req.on('close', () => open.delete(handle));
    req.on('error', reject);
    req.end();
  });
}

/** ms for an operator's read on a new connection, as curl (its own process) measures it; 10 s and more counts as 10 s. */
async function operatorRead(): Promise<number> {
  const url = `https://127.0.0.1:${agent.port}/v1/desired`;
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '--max-time', '10', '--cacert', join(curlDir, 'ca.pem'), '--cert', join(curlDir, 'cert.pem'), '--key', join(curlDir, 'key.pem'), url];
  const out = await new Promise<string>((resolve) => execFile('curl', args, (_err, stdout) => resolve(String(stdout))));
  const [status, seconds] = out.trim().split(' ');
  if (status !== '200') console.error(`operator read: ${out.trim() || 'no answer'}`);
  return Math.min(Number(seconds ?? 10) * 1000 || 10_000, 10_000);
}

/** The agent's V8 heap and external memory, from its /metrics. */
async function heap(): Promise<{ used: number; total: number; external: number }> {
  const text = (await api(agent.port, operator, 'GET', '/metrics')).text;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { used: value('nodejs_heap_size_used_bytes'), total: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

// bench:observer — replication lag under a steady event stream, and catch-up after a 10-minute cut-off,
// from a real agent process (Docker site) to the observer over mutual TLS. Targets: lag p95 <= 2 s,
// catch-up >= 5,000 events/s. The events are written into the agent's own store beside the running agent
// (as its reconciler and health monitor write theirs); the agent serves them through GET /v1/events.
// The cut-off is not waited out: "10 minutes" of events at 100 events/s (60,000) are written at once while
// a TCP forwarder between observer and agent refuses every connection, then it heals.
// The observer is the real `turtle observer` process; its RSS and CPU time are read from /proc.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCert } from '../src/pki/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Store } from '../src/store/index.js';
import { ObserverStore } from '../src/observer/index.js';
import { AgentFixture, until } from '../test/helpers/agent.js';
import { Forwarder } from '../test/helpers/forwarder.js';
import { ObserverProcess } from '../test/helpers/observer.js';
import { percentile as pct } from '../test/helpers/stats.js';

const ENDPOINT = process.env.TURTLE_TEST_DOCKER || 'unix:///run/turtle-test/docker.sock';
const RATE = Number(process.env.BENCH_RATE ?? 50); // events/s in the steady phase
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 30);
const CUT_EVENTS = Number(process.env.BENCH_CUT_EVENTS ?? 60_000); // 10 min x 100 events/s

const dir = mkdtempSync(join(tmpdir(), 'turtle-bench-observer-'));
const agent = new AgentFixture('dc1', 'docker', ENDPOINT);
await agent.init();
const tls = join(dir, 'observer-tls');
await issueCert(agent.caDir, { role: 'observer', name: 'bench', out: tls });
await agent.start({ NODE_OPTIONS: '--max-semi-space-size=1 --max-old-space-size=64' }, { resyncS: 30 });
const forwarder = new Forwarder(agent.port);
await forwarder.start();
const agentStore = Store.open(agent.state);
writeFileSync(join(dir, 'turtle.yaml'), `version: 1
project: bench-observer
sites:
  dc1: { runtime: docker, agent: "https://127.0.0.1:${forwarder.port}", capacity: { cpus: 2, memory: 2g } }
services:
  web: { image: turtle-test/web:1 }
`);
const observer = await ObserverProcess.start({
  spec: join(dir, 'turtle.yaml'), state: join(dir, 'observer.db'), tlsDir: tls, listen: '127.0.0.1:0',
  env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=1 --max-old-space-size=96' },
});
const store = ObserverStore.open(join(dir, 'observer.db'));
/** the observer process's RSS (MB) and CPU seconds so far */
const usage = () => {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${observer.pid}/status`, 'utf8'))?.[1]) / 1024;
  const f = readFileSync(`/proc/${observer.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { rss, cpu: (Number(f[11]) + Number(f[12])) / 100 };
};

try {
  const top = () => agentStore.events.list({ site: 'dc1', after: Math.max(0, store.sites.cursor('dc1')), limit: 100_000 }).at(-1)?.seq ?? store.sites.cursor('dc1');
  await until('the observer in step', async () => (store.sites.cursor('dc1') >= top() ? true : undefined));

  // 1. steady stream: RATE events/s for STEADY_S seconds, each stamped when written
  const since = Date.now();
  let written = 0;
  while (Date.now() - since < STEADY_S * 1000) {
    const due = Math.floor(((Date.now() - since) / 1000) * RATE);
    for (; written < due; written++) agentStore.events.append({ site: 'dc1', type: 'bench.steady', message: `steady ${written}` });
    await sleep(5);
  }
  const last = top();
  await until('steady events applied', async () => (store.sites.cursor('dc1') >= last ? true : undefined), 30_000);
  const steadyUse = usage();
  const lags = store.events.lags('dc1', since).filter((x) => x >= 0);
  console.log(`steady stream: ${written} events at ${RATE}/s over ${STEADY_S} s`);
  console.log(`  replication lag p50 ${pct(lags, 50)} ms, p95 ${pct(lags, 95)} ms, max ${lags.at(-1)} ms (target p95 <= 2000 ms)`);
  console.log(`  observer process: ${steadyUse.rss.toFixed(0)} MB RSS, ${steadyUse.cpu.toFixed(1)} s CPU since it started`);

  // 2. cut off, a backlog of CUT_EVENTS written meanwhile, then healed
  forwarder.cut();
  await sleep(1_000);
  const write = agentStore.events.append.bind(agentStore.events);
  const backlogFrom = Date.now();
  for (let i = 0; i < CUT_EVENTS; i++) write({ site: 'dc1', type: 'bench.backlog', message: `backlog ${i}`, data: { i } });
  console.log(`cut-off: ${CUT_EVENTS} events written in ${((Date.now() - backlogFrom) / 1000).toFixed(1)} s while the observer could not connect`);
  const target = top();
  const before = store.events.stats('dc1').count;
  const healed = Date.now();
  forwarder.heal();
  await until('caught up', async () => (store.sites.cursor('dc1') >= target ? true : undefined), 600_000);
  const secs = (Date.now() - healed) / 1000;
  const got = store.events.stats('dc1').count - before;
  const applied = store.events.list({ site: 'dc1', types: ['bench.backlog'], limit: 10_000_000 }).map((e) => e.appliedAt);
  const span = (Math.max(...applied) - Math.min(...applied)) / 1000;
  console.log(`catch-up: ${got} events in ${secs.toFixed(2)} s from healing (${Math.round(got / secs)} events/s, reconnect backoff included);`);
  console.log(`  ${Math.round(applied.length / Math.max(span, 0.001))} events/s from the first backlog event applied to the last (${span.toFixed(2)} s) (target >= 5,000/s)`);
  const theirs = agentStore.events.list({ site: 'dc1', after: 0, limit: 10_000_000 }).length;
  console.log(`exactly once: agent ${theirs} events, observer ${store.events.stats('dc1').count}`);
  const end = usage();
  console.log(`observer process after catch-up: ${end.rss.toFixed(0)} MB RSS, ${(end.cpu - steadyUse.cpu).toFixed(1)} s CPU for the backlog`);
} finally {
  await observer.stop();
  store.close();
  agentStore.close();
  await forwarder.stop();
  await agent.kill();
  agent.remove();
  rmSync(dir, { recursive: true, force: true });
}

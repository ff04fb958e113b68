// bench:heal — 20 trials each of (a) a service's process killed and (b) its health endpoint starting to
// fail; time to detection and until healthy again, from the agent's own events. Targets: detection p95
// <= 3 s, healthy again p95 <= 10 s.
import { setTimeout as sleep } from 'node:timers/promises';
import { api, until } from '../test/helpers/agent.js';
import { engineRequest } from '../test/helpers/engines.js';
import { ENDPOINT, pct, startSite } from './_agent-site.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
// 10 services in rotation: a service's next trial comes ~9 trials later, so turtle's restart backoff for a
// crash-looping service (which grows while restarts come less than 30 s apart) does not enter the figures.
const site = await startSite(10);
type Ev = { seq: number; type: string; service?: string; time: string; message: string };
const events = async (after: number) => ((await api(site.agent.port, site.operator, 'GET', `/v1/events?after=${after}&limit=10000`)).body as { events: Ev[] }).events;
let cursor = 0;
/** the newest event's seq (paging: one answer holds at most 10,000 events) */
async function last(): Promise<number> {
  for (let page = await events(cursor); page.length > 0; page = await events(cursor)) cursor = page.at(-1)!.seq;
  return cursor;
}

async function trial(kind: 'kill' | 'fail', service: string): Promise<{ detect: number; healthy: number }> {
  const c = (await site.runtime.list(site.project)).find((x) => x.service === service && x.state === 'running')!;
  const from = await last();
  const at = Date.now();
  if (kind === 'kill') await engineRequest(ENDPOINT, 'POST', `/containers/${c.id}/kill?signal=KILL`);
  else {
    const exec = await engineRequest(ENDPOINT, 'POST', `/containers/${c.id}/exec`, { Cmd: ['/bin/busybox', 'rm', '-f', '/www/health'] });
    await engineRequest(ENDPOINT, 'POST', `/exec/${(exec.body as { Id: string }).Id}/start`, { Detach: true });
  }
  const recovered = await until(`${service} recovered`, async () => (await events(from)).find((e) => e.type === 'health.recovered' && e.service === service), 60_000).catch(async (err: unknown) => {
    // what the agent did instead, to tell why
    for (const e of await events(from)) console.error(`  ${Date.parse(e.time) - at} ms ${e.type} ${e.service ?? ''}: ${e.message}`);
    throw err;
  });
  const failed = (await events(from)).find((e) => e.type === 'health.failed' && e.service === service)!;
  return { detect: Date.parse(failed.time) - at, healthy: Date.parse(recovered.time) - at };
}

try {
  for (const kind of ['kill', 'fail'] as const) {
    const detect: number[] = [];
    const healthy: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const r = await trial(kind, site.names[i % site.names.length]!);
      detect.push(r.detect);
      healthy.push(r.healthy);
      await sleep(1_000);
    }
    const s = (xs: number[]) => xs.sort((a, b) => a - b);
    const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`${kind === 'kill' ? '(a) process killed' : '(b) health endpoint fails'}, ${TRIALS} trials:`);
    console.log(`  detection      p50 ${f(pct(s(detect), 50))}  p95 ${f(pct(detect, 95))}  (target p95 <= 3 s)`);
    console.log(`  healthy again  p50 ${f(pct(s(healthy), 50))}  p95 ${f(pct(healthy, 95))}  (target p95 <= 10 s)`);
  }
} finally {
  await site.close();
}

// bench:heal — 20 trials each of (a) a service's process killed, (b) its health endpoint starting to fail
// (an error answer) and (c) the service hanging (its process stopped: connections are accepted, nothing is
// answered); time to detection and until healthy again, from the agent's own events. Targets: detection
// p95 <= 3 s, healthy again p95 <= 10 s. Probes run at turtle's defaults (every 2 s, timeout 800 ms,
// 2 failures, the first one confirmed 250 ms later, at once after a timeout).
import { setTimeout as sleep } from 'node:timers/promises';
import { api, until } from '../test/helpers/agent.js';
import { engineRequest } from '../test/helpers/engines.js';
import { percentile } from '../test/helpers/stats.js';
import { ENDPOINT, startSite } from './_agent-site.js';

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

type Kind = 'kill' | 'fail' | 'hang';
const KINDS = (process.env.BENCH_KINDS ?? 'kill,fail,hang').split(',') as Kind[];
const governorMode = async () => ((await api(site.agent.port, site.operator, 'GET', '/v1/governor')).body as { governor: { mode: string } | null }).governor?.mode;
const TITLES: Record<Kind, string> = { kill: '(a) process killed', fail: '(b) health endpoint fails', hang: '(c) service hangs (no answer)' };

async function exec(id: string, cmd: string[]): Promise<void> {
  const made = await engineRequest(ENDPOINT, 'POST', `/containers/${id}/exec`, { Cmd: cmd });
  await engineRequest(ENDPOINT, 'POST', `/exec/${(made.body as { Id: string }).Id}/start`, { Detach: true });
}

async function trial(kind: Kind, service: string): Promise<{ detect: number; healthy: number }> {
  const c = (await site.runtime.list(site.project)).find((x) => x.service === service && x.state === 'running')!;
  const from = await last();
  const at = Date.now();
  if (kind === 'kill') await engineRequest(ENDPOINT, 'POST', `/containers/${c.id}/kill?signal=KILL`);
  else if (kind === 'fail') await exec(c.id, ['/bin/busybox', 'rm', '-f', '/www/health']);
  else {
    // while the governor holds turtle back for a busy host, an unanswered probe is slowness, not a failure
    // (by design): a hang is only detected on a calm host, so wait for one
    await until('the governor relaxed (the host calm)', async () => (await governorMode()) === 'relaxed' ? true : undefined, 120_000);
    await exec(c.id, ['/bin/busybox', 'killall', '-STOP', 'httpd']);
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
  for (const kind of KINDS) {
    const detect: number[] = [];
    const healthy: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const r = await trial(kind, site.names[i % site.names.length]!);
      detect.push(r.detect);
      healthy.push(r.healthy);
      await sleep(1_000);
    }
    const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`${TITLES[kind]}, ${TRIALS} trials:`);
    console.log(`  detection      p50 ${f(percentile(detect, 50))}  p95 ${f(percentile(detect, 95))}  (target p95 <= 3 s)`);
    console.log(`  healthy again  p50 ${f(percentile(healthy, 50))}  p95 ${f(percentile(healthy, 95))}  (target p95 <= 10 s)`);
  }
} finally {
  await site.close();
}

// bench:agent — the agent's idle RSS and CPU over 60 s while it supervises 20 services (turtle's default probe),
// with dockerd's RSS measured in the same run. Targets: RSS <= 60 MB, CPU <= 1% of one core.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_MALLOC, AGENT_NODE_FLAGS, AGENT_NODE_OPTIONS, sample, startSite } from './_agent-site.js';
import { api } from '../test/helpers/agent.js';

const SERVICES = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const site = await startSite(SERVICES);
try {
  const pid = site.agent.child!.pid!;
  await sleep(5_000); // let start-up work settle
  const first = sample(pid);
  let peak = first.rss;
  for (let t = 0; t < SECONDS; t += 5) {
    await sleep(5_000);
    peak = Math.max(peak, sample(pid).rss);
  }
  const last = sample(pid);
  const cpu = ((last.cpuS - first.cpuS) / SECONDS) * 100;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  const dockerd = sample(Number(readFileSync('/run/turtle-test/docker.pid', 'utf8').trim()));
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  console.log(`agent supervising ${SERVICES} services for ${SECONDS} s (node ${AGENT_NODE_FLAGS}, NODE_OPTIONS=${AGENT_NODE_OPTIONS} ${Object.entries(AGENT_MALLOC).map(([k, v]) => `${k}=${v}`).join(' ')}; load average ${load()}):`);
  console.log(`  RSS ${mb(last.rss)} MB (peak ${mb(peak)} MB; target <= 60 MB): ${mb(kb('RssFile'))} MB of it file pages (the node binary's code), ${mb(kb('RssAnon'))} MB the agent's own`);
  const governor = (await api(site.agent.port, site.operator, 'GET', '/v1/governor')).body as { governor: { mode: string; sampleCost: { cpuMs: number } } | null };
  const g = governor.governor;
  console.log(`  CPU ${cpu.toFixed(2)}% of one core (target <= 1%)${g ? `; the governor's sampling ${(g.sampleCost.cpuMs / 10).toFixed(2)}% of it (${g.sampleCost.cpuMs.toFixed(2)} ms a second), its mode at the end: ${g.mode}` : ''}`);
  console.log(`  dockerd RSS ${mb(dockerd.rss)} MB (agent/dockerd = ${(last.rss / dockerd.rss).toFixed(2)})`);
} finally {
  await site.close();
}

function load(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

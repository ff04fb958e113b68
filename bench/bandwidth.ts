// bench:bandwidth — does a container sending (or receiving) as fast as it can stay within 5% of its limit?
// On the test bed's dc1 (Docker) and dc2 (Podman), each site's agent shapes with tc: a service with
// resources { egress: 20mbit, ingress: 50mbit }, then the site's budget.network at 10mbit over a service
// without limits. Each is measured `--trials N` times (default 3) through the host (10.231.0.1): what the
// receiver got (TCP payload) and the wire rate it stands for (payload x 1514/1448: Ethernet, IP and TCP
// headers with timestamps on full frames, which is what HTB counts), against the limit. Plain sockets
// (busybox nc and wget in the container), no iperf3.
// Needs root and the test bed, which it brings up if it is down (and then takes down):
// `flock /tmp/turtle-testbed.lock npm run bench:bandwidth`.
import { parseArgs } from 'node:util';
import { createRuntime } from '../src/runtime/index.js';
import { holdTestbed, siteApi, testbed, testbedIdentity } from '../test/helpers/testbed.js';
import { until } from '../test/helpers/agent.js';
import { desiredState } from '../test/helpers/desired.js';
import { measureEgress, measureIngress, type Rate } from '../test/helpers/bandwidth.js';
import { percentile } from '../test/helpers/stats.js';

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '3' } } });
const TRIALS = Number(args.trials);
const PROJECT = 'bench-bandwidth';
const WIRE = 1514 / 1448;
const MBIT = 1e6;

function desired(site: 'dc1' | 'dc2', cap?: string): string {
  const s = testbed.sites[site];
  return JSON.stringify(desiredState(`version: 1
project: ${PROJECT}
sites:
  ${site}: { runtime: ${s.engine.kind}, engine: "${s.engine.endpoint}", capacity: { cpus: 2, memory: 2g }${cap ? `, budget: { network: ${cap} }` : ''} }
services:
  limited: { image: turtle-test/tools:1, resources: { egress: 20mbit, ingress: 50mbit } }
  free: { image: turtle-test/tools:1 }
`, site, { withBudget: true }));
}

const held = await holdTestbed();
const operator = testbedIdentity('operator');
const rows: string[][] = [];
let worst = 0;
try {
  for (const site of ['dc1', 'dc2'] as const) {
    const runtime = createRuntime(testbed.sites[site].engine);
    const put = async (cap?: string) => {
      const r = await siteApi(site, operator, 'PUT', '/v1/desired', { body: desired(site, cap) });
      if (r.status !== 202) throw new Error(`${site} refused the desired state: ${r.text}`);
      // the agent says what it shaped: wait for that event after this push
      const after = JSON.parse(r.text) as { seq: number };
      await until(`${site}'s shaping`, async () => {
        const e = JSON.parse((await siteApi(site, operator, 'GET', `/v1/events?after=${after.seq}&limit=1000`)).text) as { events: { type: string; message: string }[] };
        return e.events.find((x) => x.type === 'bandwidth.applied' && !x.message.includes('no container running yet'));
      }, 120_000);
    };
    const container = (service: string) => until(`${service} on ${site}`, async () => (await runtime.list(PROJECT)).find((c) => c.service === service && c.state === 'running'), 120_000);
    const measure = async (what: string, limitMbit: number, run: () => Promise<Rate>) => {
      const rates: number[] = [];
      for (let i = 0; i < TRIALS; i++) rates.push((await run()).bits);
      const p50 = percentile(rates, 50);
      const wire = p50 * WIRE;
      const off = (wire / (limitMbit * MBIT) - 1) * 100;
      worst = Math.max(worst, Math.abs(off));
      rows.push([`${site} (${testbed.sites[site].engine.kind})`, what, `${limitMbit}`, (Math.min(...rates) / MBIT).toFixed(2), (p50 / MBIT).toFixed(2), (Math.max(...rates) / MBIT).toFixed(2), (wire / MBIT).toFixed(2), `${off >= 0 ? '+' : ''}${off.toFixed(1)}%`]);
    };
    await put();
    const limited = await container('limited');
    const free = await container('free');
    await measure('egress limit', 20, () => measureEgress(runtime, limited.id, 4));
    await measure('ingress limit', 50, () => measureIngress(runtime, limited.id, 20_000_000));
    await put('10mbit');
    await measure('site cap, egress', 10, () => measureEgress(runtime, free.id, 4));
    await measure('site cap, ingress', 10, () => measureIngress(runtime, free.id, 4_000_000));
    await siteApi(site, operator, 'PUT', '/v1/desired', { body: JSON.stringify({ project: PROJECT, specHash: '0'.repeat(64), containers: [] }) });
  }
} finally {
  await held.release();
}

const head = ['site', 'what', 'limit Mbit/s', 'min', 'median', 'max (payload Mbit/s)', 'wire (median)', 'wire vs limit'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(`bandwidth: ${TRIALS} trials each, through the test bed's host; wire = payload x 1514/1448`);
console.log(line(head));
for (const r of rows) console.log(line(r));
console.log(`worst median off its limit on the wire: ${worst.toFixed(1)}% (target: within 5%)`);

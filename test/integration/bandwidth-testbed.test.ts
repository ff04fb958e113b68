// Bandwidth on the test bed: each site's agent shapes its containers' traffic with tc (two IFBs per site,
// HTB classes), on dc1 (Docker) and dc2 (Podman). A container sending or receiving as fast as it can through
// the host stays at its resources.egress / ingress; the site's budget.network caps it below that; one
// without limits is not held back; shaping removed by hand is put back; it goes with the project.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { ifbNames } from '../../src/bandwidth/plan.js';
import { until, type Identity } from '../helpers/agent.js';
import { holdTestbed, siteApi, skipTestbed, testbed, testbedIdentity } from '../helpers/testbed.js';
import { desiredState } from '../helpers/desired.js';
import { measureEgress, measureIngress } from '../helpers/bandwidth.js';

const project = `bw-${process.pid}`;
const SITES = ['dc1', 'dc2'] as const;
const MBIT = 1e6;

function desired(site: 'dc1' | 'dc2', cap?: string) {
  const s = testbed.sites[site];
  return JSON.stringify(desiredState(`version: 1
project: ${project}
sites:
  ${site}: { runtime: ${s.engine.kind}, engine: "${s.engine.endpoint}", capacity: { cpus: 2, memory: 2g }${cap ? `, budget: { network: ${cap} }` : ''} }
services:
  slow: { image: turtle-test/tools:1, resources: { egress: 20mbit, ingress: 30mbit } }
  free: { image: turtle-test/tools:1 }
`, site, { withBudget: true }));
}

const links = (site: string) => execFileSync('ip', ['netns', 'exec', site, 'ip', '-o', 'link', 'show'], { encoding: 'utf8' });
const mbit = (bits: number) => `${(bits / MBIT).toFixed(1)} Mbit/s`;

describe('bandwidth limits on the test bed (dc1 Docker, dc2 Podman)', { skip: skipTestbed, timeout: 600_000 }, () => {
  let operator: Identity;
  let testbedHeld: { release: () => Promise<void> } | undefined;

  before(async () => {
    testbedHeld = await holdTestbed();
    operator = testbedIdentity('operator');
  });
  after(async () => {
    for (const site of SITES) await siteApi(site, operator, 'PUT', '/v1/desired', { body: JSON.stringify({ project, specHash: '0'.repeat(64), containers: [] }) }).catch(() => undefined);
    await testbedHeld?.release();
  });

  for (const site of SITES) {
    test(`${site}: a container sends and receives at its limits, the site's cap holds it lower, and shaping is kept`, async () => {
      const s = testbed.sites[site];
      const ifb = ifbNames(site);
      const put = await siteApi(site, operator, 'PUT', '/v1/desired', { body: desired(site) });
      assert.equal(put.status, 202, put.text);
      const runtime = createRuntime(s.engine);
      const running = (service: string) => until(`${project}'s ${service} on ${site}`, async () => (await runtime.list(project)).find((c) => c.service === service && c.state === 'running'), 120_000);
      const slow = await running('slow');
      const free = await running('free');
      await until(`the shaping of ${site}`, async () => (links(site).includes(`alias turtle:`) ? true : undefined), 30_000);

      const out = await measureEgress(runtime, slow.id);
      const down = await measureIngress(runtime, slow.id, 10_000_000);
      const unlimited = await measureEgress(runtime, free.id, 2);
      console.log(`${site}: slow sends ${mbit(out.bits)} (limit 20), receives ${mbit(down.bits)} (limit 30); free sends ${mbit(unlimited.bits)}`);
      // goodput: the limit is on the wire, where TCP/IP and Ethernet headers take ~4% of it
      assert.ok(out.bits > 0.85 * 20 * MBIT && out.bits < 1.02 * 20 * MBIT, `egress ${mbit(out.bits)} for a 20mbit limit`);
      assert.ok(down.bits > 0.85 * 30 * MBIT && down.bits < 1.02 * 30 * MBIT, `ingress ${mbit(down.bits)} for a 30mbit limit`);
      assert.ok(unlimited.bits > 60 * MBIT, `a container without limits is not held back (${mbit(unlimited.bits)})`);

      // the site's cap, below slow's own limit: it holds every container, slow and free alike
      assert.equal((await siteApi(site, operator, 'PUT', '/v1/desired', { body: desired(site, '10mbit') })).status, 202);
      await until(`the cap on ${site}`, async () => (execFileSync('ip', ['netns', 'exec', site, 'tc', 'class', 'show', 'dev', ifb.up], { encoding: 'utf8' }).includes('rate 10Mbit') ? true : undefined), 30_000);
      const capped = await measureEgress(runtime, free.id, 3);
      console.log(`${site}: under a 10mbit cap, free sends ${mbit(capped.bits)}`);
      assert.ok(capped.bits > 0.85 * 10 * MBIT && capped.bits < 1.02 * 10 * MBIT, `capped egress ${mbit(capped.bits)}`);

      // an IFB deleted by hand is put back at the next resync (5 s here), and said so
      execFileSync('ip', ['netns', 'exec', site, 'ip', 'link', 'del', ifb.up]);
      await until(`${ifb.up} back on ${site}`, async () => (links(site).includes(`${ifb.up}:`) && links(site).includes('alias turtle:') ? true : undefined), 30_000);
      const events = JSON.parse((await siteApi(site, operator, 'GET', '/v1/events?limit=10000')).text) as { events: { type: string }[] };
      const types = events.events.map((e) => e.type).filter((t) => t.startsWith('bandwidth.'));
      assert.ok(types.includes('bandwidth.applied') && types.includes('bandwidth.repaired'), types.join(', '));

      // the project gone: its shaping goes too
      await siteApi(site, operator, 'PUT', '/v1/desired', { body: JSON.stringify({ project, specHash: '0'.repeat(64), containers: [] }) });
      await until(`the shaping of ${site} removed`, async () => (links(site).includes(`${ifb.up}:`) ? undefined : true), 60_000);
    });
  }
});

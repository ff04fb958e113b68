// The tc plan of a site's bandwidth limits: exact commands for its IFBs, classes and filters; and how the
// agent finds a container's host-side veths.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bandwidthPlan, ifbNames } from '../../src/bandwidth/plan.js';
import { parseLinks } from '../../src/bandwidth/tc.js';
import { hostVeths } from '../../src/bandwidth/site.js';
import { formatRate, parseRate } from '../../src/spec/_units.js';
import { parseSpec } from '../../src/spec/index.js';
import { formatIssue, InvalidInputError } from '../../src/lib/errors.js';

const web = { name: 'shop-web-1-aaaa', addresses: ['172.16.0.2'], veths: ['veth1a'], bandwidth: { egress: 20e6, ingress: 50e6 } };
const db = { name: 'shop-db-1-bbbb', addresses: ['172.16.0.3'], veths: ['veth2b'] };

test('no cap and no limit: nothing to shape', () => {
  assert.equal(bandwidthPlan({ site: 'dc1', containers: [db], local: ['172.16.0.0/24'] }), undefined);
});

test('a limited container: its veths go through the site\'s two IFBs, where its class caps it; its own networks are not shaped', () => {
  const plan = bandwidthPlan({ site: 'dc1', containers: [web, db], local: ['172.16.0.0/24'] })!;
  const { up, down } = ifbNames('dc1');
  assert.match(up, /^ttu-[0-9a-f]{8}$/);
  assert.deepEqual(plan.veths, ['veth1a'], 'without a cap, only limited containers are shaped');
  const line = 10e9;
  assert.deepEqual(plan.batch.trim().split('\n'), [
    'qdisc add dev veth1a handle ffff: ingress',
    `filter add dev veth1a parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ${up}`,
    'qdisc add dev veth1a root handle 1: htb',
    `filter add dev veth1a parent 1: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ${down}`,
    ...[[up, 20e6, 'src', 'dst'], [down, 50e6, 'dst', 'src']].flatMap(([dev, limit, own, other]) => [
      `qdisc add dev ${dev} root handle 1: htb default ffff`,
      `class add dev ${dev} parent 1: classid 1:1 htb rate ${line}bit ceil ${line}bit quantum 1514`,
      `class add dev ${dev} parent 1: classid 1:2 htb rate ${line}bit ceil ${line}bit quantum 1514`,
      `class add dev ${dev} parent 1:1 classid 1:ffff htb rate ${line}bit ceil ${line}bit quantum 1514`,
      `filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip ${other} 172.16.0.0/24 flowid 1:2`,
      `class add dev ${dev} parent 1:1 classid 1:10 htb rate ${limit}bit ceil ${limit}bit quantum 1514`,
      `filter add dev ${dev} parent 1: protocol ip prio 2 u32 match ip ${own} 172.16.0.2/32 flowid 1:10`,
    ]),
  ]);
  assert.deepEqual(plan.limits, [{ name: 'shop-web-1-aaaa', egress: 20e6, ingress: 50e6 }]);
  assert.match(plan.hash, /^[0-9a-f]{12}$/);
});

test('a site cap: every container goes through it, a limit above the cap is the cap, and words that are not names stay out', () => {
  const plan = bandwidthPlan({ site: 'dc1', cap: 30e6, containers: [web, { ...db, veths: ['veth2b', 'x; qdisc del'], addresses: ['172.16.0.3', '1.2.3.4 flowid 1:2'] }], local: ['172.16.0.0/24', 'bad range'] })!;
  assert.deepEqual(plan.veths, ['veth1a', 'veth2b']);
  assert.deepEqual(plan.limits, [{ name: 'shop-db-1-bbbb', egress: 30e6, ingress: 30e6 }, { name: 'shop-web-1-aaaa', egress: 20e6, ingress: 30e6 }]);
  const lines = plan.batch.split('\n');
  assert.ok(lines.includes(`class add dev ${ifbNames('dc1').up} parent 1: classid 1:1 htb rate 30000000bit ceil 30000000bit quantum 1514`));
  assert.ok(lines.includes(`class add dev ${ifbNames('dc1').down} parent 1:1 classid 1:11 htb rate 30000000bit ceil 30000000bit quantum 1514`), 'web\'s ingress, over the cap, is the cap');
  assert.ok(!plan.batch.includes('bad range') && !plan.batch.includes('x; qdisc') && !plan.batch.includes('1.2.3.4'));
  assert.notEqual(plan.hash, bandwidthPlan({ site: 'dc1', cap: 40e6, containers: [web, db], local: [] })!.hash);
});

test('the host\'s links by index, with their alias; a container\'s veths from the iflink of its interfaces', async () => {
  const links = parseLinks([
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    '7: ttu-1234abcd: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc htb state UNKNOWN mode DEFAULT group default qlen 32\\    link/ether 8e:25:8c:76:8f:26 brd ff:ff:ff:ff:ff:ff\\    alias turtle:0123456789ab',
    '12: veth1a@if11: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master tt-0123 state UP mode DEFAULT group default\\    link/ether 5e:d8:cf:8e:b7:ce brd ff:ff:ff:ff:ff:ff link-netnsid 0',
  ].join('\n'));
  assert.deepEqual([...links.byIndex], [[1, 'lo'], [7, 'ttu-1234abcd'], [12, 'veth1a']]);
  assert.deepEqual([...links.alias], [['ttu-1234abcd', 'turtle:0123456789ab']]);
  const proc = mkdtempSync(join(tmpdir(), 'turtle-proc-'));
  try {
    for (const [name, iflink, ifindex] of [['lo', 1, 1], ['eth0', 12, 11], ['eth1', 99, 13]] as const) {
      mkdirSync(join(proc, '42/root/sys/class/net', name), { recursive: true });
      writeFileSync(join(proc, '42/root/sys/class/net', name, 'iflink'), `${iflink}\n`);
      writeFileSync(join(proc, '42/root/sys/class/net', name, 'ifindex'), `${ifindex}\n`);
    }
    // eth1's peer (99) is not on this host's list: left out, not guessed
    assert.deepEqual(await hostVeths(42, links, proc), ['veth1a']);
    assert.deepEqual(await hostVeths(43, links, proc), [], 'a process gone: no veths');
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test('rates: bits a second in tc\'s decimal units; bytes are refused with the factor; a located error in the spec', () => {
  assert.deepEqual(['20mbit', '500kbit', '1.5gbit', '64000bit', '10Mbit/s'].map(parseRate), [20e6, 500e3, 1.5e9, 64e3, 10e6]);
  assert.deepEqual([20e6, 1.5e9, 640e3, 500].map(formatRate), ['20mbit', '1.5gbit', '640kbit', '500bit']);
  const text = (res: string, budget = '') => `name: shop\nsites:\n  dc1: { capacity: { cpus: 1, memory: 1g }${budget} }\nservices:\n  web: { image: nginx, resources: ${res} }\n`;
  const spec = parseSpec(text('{ memory: 64m, egress: 20mbit, ingress: 50mbit }', ', budget: { network: 100mbit }'), 'turtle.yaml', {});
  assert.deepEqual([spec.services.web?.resources, spec.services.web?.bandwidth, spec.sites.dc1?.budget.network], [{ memory: 64 * 2 ** 20 }, { egress: 20e6, ingress: 50e6 }, 100e6]);
  try {
    parseSpec(text('{ egress: 20mbps, ingress: 1kbit }', ', budget: { network: fast }'), 'turtle.yaml', {});
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof InvalidInputError);
    assert.deepEqual(err.issues.map(formatIssue), [
      'turtle.yaml:3:64: sites.dc1.budget.network: expected a rate such as 20mbit, 500kbit or 1gbit, found "fast"',
      'turtle.yaml:5:45: services.web.resources.egress: expected a rate in bits such as 20mbit (tc reads "mbps" as megabytes a second: write 8 times the number in mbit), found "20mbps"',
      'turtle.yaml:5:62: services.web.resources.ingress: must be at least 8kbit, found "1kbit"',
    ]);
  }
});

test("top's bandwidth column: the limits within the site's cap, the cap alone, and a site without an agent said so", async () => {
  const { bandwidthColumn } = await import('../../src/cli/_bandwidth-column.js');
  assert.deepEqual([
    bandwidthColumn(undefined, undefined, true),
    bandwidthColumn({ egress: 20e6 }, undefined, true),
    bandwidthColumn({ egress: 20e6, ingress: 50e6 }, 30e6, true),
    bandwidthColumn(undefined, 30e6, true),
    bandwidthColumn({ egress: 20e6 }, undefined, false),
  ], ['-', '-/20mbit', '30mbit/20mbit', '30mbit(site)/30mbit(site)', '-/20mbit (not applied: no agent)']);
});

test('limits no agent can apply are noted, not dropped without a word', () => {
  const text = `name: shop
sites:
  dc1: { capacity: { cpus: 1, memory: 1g }, budget: { network: 50mbit } }
  dc2: { capacity: { cpus: 1, memory: 1g }, agent: "https://10.0.0.2:7443" }
services:
  web: { image: nginx, resources: { egress: 20mbit } }
  probe: { image: busybox, network_mode: host, resources: { ingress: 1mbit }, sites: [dc2] }
`;
  assert.deepEqual(parseSpec(text, 'turtle.yaml', {}).notes?.map(formatIssue), [
    "turtle.yaml:3:55: sites.dc1.budget.network: not applied on dc1: bandwidth is shaped by a site's agent, and dc1 is driven straight through its engine (give dc1 an agent: run `turtle agent --site dc1` there and write its address as agent: in the site)",
    "turtle.yaml:6:24: services.web.resources: egress and ingress are not applied on dc1: bandwidth is shaped by a site's agent, and dc1 has none (give dc1 an agent, or leave the limits for the sites that have one)",
    "turtle.yaml:7:28: services.probe.network_mode: network_mode: host: the container shares the host's network, outside the project's networks and their isolation rules (every port of the host is open to it); a site can refuse it with `forbid: [host_network]`",
    "turtle.yaml:7:48: services.probe.resources: egress and ingress are not applied to probe: with network_mode host it has no veth of its own to shape (put it on a project network, or shape the host's interface yourself)",
  ]);
});

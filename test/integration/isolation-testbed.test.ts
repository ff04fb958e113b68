// Isolation from the router, on the test bed: each site's agent writes its iptables rules in its own
// namespace (dc1 Docker, dc2 Podman). A container of the project cannot open the agent's port, nor a
// stand-in for SSH on the site's address, nor another network of the engine; it still reaches its own
// services by name, the site's published ports, and the ports host_access opens. Rules removed by hand
// are put back at the next resync.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { createRuntime } from '../../src/runtime/index.js';
import { chainsOf } from '../../src/firewall/rules.js';
import { until, type Identity } from '../helpers/agent.js';
import { holdTestbed, siteApi, skipTestbed, testbed, testbedIdentity } from '../helpers/testbed.js';
import { desiredState } from '../helpers/desired.js';

const project = `iso-${process.pid}`;
const PUBLISHED = 18_491;
const SSH = 22;
const OPENED = 2_222;
const SITES = ['dc1', 'dc2'] as const;

function desired(site: 'dc1' | 'dc2') {
  const s = testbed.sites[site];
  return JSON.stringify(desiredState(`version: 1
project: ${project}
sites:
  ${site}: { runtime: ${s.engine.kind}, engine: "${s.engine.endpoint}", capacity: { cpus: 2, memory: 2g }, networks: { host_access: [${OPENED}/tcp] } }
services:
  web: { image: turtle-test/web:1, ports: ["${PUBLISHED}:80"] }
  tools: { image: turtle-test/tools:1 }
`, site));
}

/** A listener in the site's namespace on `port` (a stand-in for sshd or any management port); answers "hi". */
function listen(site: string, port: number): ChildProcess {
  // a client that resets at once must not end it: an unhandled socket error would
  const script = `require('net').createServer((s) => { s.on('error', () => {}); s.end('hi'); }).listen(${port}, '0.0.0.0')`;
  return spawn('ip', ['netns', 'exec', site, process.execPath, '-e', script], { stdio: 'ignore' });
}

/** From this host (outside the site): the port answers. */
function reachableFromHost(address: string, port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createConnection({ host: address, port, timeout: 3_000 }, () => (s.destroy(), ok(true)));
    s.on('error', () => ok(false)).on('timeout', () => (s.destroy(), ok(false)));
  });
}

const iptablesIn = (site: string, ...args: string[]) => execFileSync('ip', ['netns', 'exec', site, 'iptables', '-w', ...args], { encoding: 'utf8' });

describe('isolation from the router on the test bed (dc1 Docker, dc2 Podman)', { skip: skipTestbed, timeout: 600_000 }, () => {
  let operator: Identity;
  let testbedHeld: { release: () => Promise<void> } | undefined;
  const listeners: ChildProcess[] = [];
  const others: Array<{ site: 'dc1' | 'dc2'; container: string; network: string }> = [];

  before(async () => {
    testbedHeld = await holdTestbed();
    operator = testbedIdentity('operator');
  });
  after(async () => {
    for (const l of listeners) l.kill();
    for (const o of others) {
      const docker = new Dockerode({ socketPath: testbed.sites[o.site].engine.endpoint.slice('unix://'.length) });
      await docker.getContainer(o.container).remove({ force: true }).catch(() => undefined);
      await docker.getNetwork(o.network).remove().catch(() => undefined);
    }
    for (const site of SITES) await siteApi(site, operator, 'PUT', '/v1/desired', { body: JSON.stringify({ project, specHash: '0'.repeat(64), containers: [] }) }).catch(() => undefined);
    await testbedHeld?.release();
  });

  for (const site of SITES) {
    test(`${site}: the project's containers reach each other and published ports, not the host's other ports or another network`, async () => {
      const s = testbed.sites[site];
      listeners.push(listen(site, SSH), listen(site, OPENED));
      // the controls: from outside the site, the agent and the stand-in for SSH answer
      assert.equal(await until(`the listener on ${site}:${SSH}`, async () => ((await reachableFromHost(s.address, SSH)) ? true : undefined), 20_000), true);
      assert.equal(await reachableFromHost(s.address, 7443), true);

      // someone else's network and container on the same engine
      const docker = new Dockerode({ socketPath: s.engine.endpoint.slice('unix://'.length) });
      const network = `other-${process.pid}`;
      await docker.createNetwork({ Name: network, Driver: 'bridge' });
      const other = await docker.createContainer({ Image: s.engine.kind === 'podman' ? 'localhost/turtle-test/web:1' : 'turtle-test/web:1', name: `other-web-${process.pid}-${site}`, HostConfig: { NetworkMode: network } });
      others.push({ site, container: other.id, network });
      await other.start();
      const otherIp = Object.values(((await other.inspect()) as { NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }).NetworkSettings.Networks)[0]!.IPAddress;
      assert.match(otherIp, /^\d+\.\d+\.\d+\.\d+$/);

      const put = await siteApi(site, operator, 'PUT', '/v1/desired', { body: desired(site) });
      assert.equal(put.status, 202, put.text);
      const runtime = createRuntime(s.engine);
      const tools = await until(`${project}'s tools on ${site}`, async () => (await runtime.list(project)).find((c) => c.service === 'tools' && c.state === 'running'), 120_000);
      const web = await until(`${project}'s web on ${site}`, async () => (await runtime.list(project)).find((c) => c.service === 'web' && c.state === 'running'), 60_000);
      assert.ok(web);
      const chains = chainsOf(site);
      await until(`the isolation rules on ${site}`, async () => (iptablesIn(site, '-S', 'INPUT').includes(`-j ${chains.input}`) ? true : undefined), 30_000);

      /** exit code of a connection from the tools container: 0 when it was accepted */
      const connect = (host: string, port: number) => runtime.exec(tools.id, ['nc', '-w', '3', host, String(port), '-e', '/bin/true'], 15_000);
      const results = {
        'web by name': await runtime.exec(tools.id, ['wget', '-q', '-O', '/dev/null', 'http://web/'], 15_000),
        'the published port on the site address': await connect(s.address, PUBLISHED),
        'a host_access port': await connect(s.address, OPENED),
        "the agent's port": await connect(s.address, 7443),
        'the stand-in for SSH': await connect(s.address, SSH),
        'another network of the engine': await connect(otherIp, 80),
      };
      const reached = Object.fromEntries(Object.entries(results).map(([k, code]) => [k, code === 0]));
      assert.deepEqual(reached, {
        'web by name': true,
        'the published port on the site address': true,
        'a host_access port': true,
        "the agent's port": false,
        'the stand-in for SSH': false,
        'another network of the engine': false,
      });
      // the control: from the other network, which is not turtle's, the same ports of the host answer (so the
      // project's rules, not the engine or the site, are what closed them), and the other container is up
      const fromOther = (host: string, port: number) => runtime.exec(other.id, ['nc', '-w', '3', host, String(port), '-e', '/bin/true'], 15_000);
      assert.deepEqual([await fromOther(s.address, 7443), await fromOther(s.address, SSH), await runtime.exec(other.id, ['wget', '-q', '-O', '/dev/null', 'http://127.0.0.1/'], 15_000)], [0, 0, 0]);

      // a rule taken away by hand is put back at the next resync (5 s on the test bed), and said so
      const rulesBefore = iptablesIn(site, '-S', chains.input).split('\n').filter(Boolean).length;
      iptablesIn(site, '-D', 'INPUT', '-m', 'comment', '--comment', `turtle site ${site}`, '-j', chains.input);
      await until(`the jump back on ${site}`, async () => (iptablesIn(site, '-S', 'INPUT').includes(`-j ${chains.input}`) ? true : undefined), 30_000);
      assert.equal(iptablesIn(site, '-S', chains.input).split('\n').filter(Boolean).length, rulesBefore);
      const events = await siteApi(site, operator, 'GET', '/v1/events?limit=10000');
      const types = (JSON.parse(events.text) as { events: { type: string }[] }).events.map((e) => e.type);
      assert.ok(types.includes('firewall.applied') && types.includes('firewall.repaired'), types.filter((t) => t.startsWith('firewall')).join(', '));
      assert.notEqual(await connect(s.address, SSH), 0);

      // the project gone from the site: its rules go with its networks
      await siteApi(site, operator, 'PUT', '/v1/desired', { body: JSON.stringify({ project, specHash: '0'.repeat(64), containers: [] }) });
      await until(`the rules of ${site} removed`, async () => (iptablesIn(site, '-S').includes(chains.input) ? undefined : true), 60_000);
    });
  }
});

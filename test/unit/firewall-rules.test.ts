// The isolation rules a site's agent writes: exact iptables-restore input for the networks it runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainsOf, firewallScript, openPorts, ruleCounts, scriptHash } from '../../src/firewall/rules.js';
import { firewallInput } from '../../src/firewall/site.js';
import { bridgeName } from '../../src/domain/network.js';
import { renderSite } from '../../src/domain/render.js';
import { parseSpec } from '../../src/spec/index.js';

test('each network: replies, its gateway DNS (once, though host_access names it too) and the open ports pass into the host, nothing else; no new connection to another network', () => {
  const script = firewallScript({
    site: 'dc2',
    networks: [{ name: 'shop_default', iface: 'tt-0123456789ab', subnets: ['10.89.1.0/24'], gatewayDns: true }],
    open: [{ port: 53, protocol: 'udp' }, { port: 8000, to: 8100, protocol: 'tcp' }],
    others: ['10.89.2.0/24'],
  });
  const body = script.split('\n').filter((l) => l.startsWith('-A') && !l.includes('turtle:'));
  const n = '-m comment --comment "turtle network shop_default"';
  assert.deepEqual(body, [
    `-A TT-dc2-IN -i tt-0123456789ab -m conntrack --ctstate RELATED,ESTABLISHED ${n} -j RETURN`,
    `-A TT-dc2-IN -i tt-0123456789ab -p udp -m udp --dport 53 ${n} -j RETURN`,
    `-A TT-dc2-IN -i tt-0123456789ab -p tcp -m tcp --dport 53 ${n} -j RETURN`,
    `-A TT-dc2-IN -i tt-0123456789ab -p tcp -m tcp --dport 8000:8100 ${n} -j RETURN`,
    `-A TT-dc2-IN -i tt-0123456789ab -p tcp ${n} -j REJECT --reject-with tcp-reset`,
    `-A TT-dc2-IN -i tt-0123456789ab ${n} -j REJECT --reject-with icmp-port-unreachable`,
    `-A TT-dc2-FWD -i tt-0123456789ab -m conntrack --ctstate RELATED,ESTABLISHED,DNAT ${n} -j RETURN`,
    `-A TT-dc2-FWD -i tt-0123456789ab -d 10.89.2.0/24 ${n} -j REJECT --reject-with icmp-net-prohibited`,
  ]);
  const lines = script.split('\n');
  assert.deepEqual(lines.slice(0, 3), ['*filter', ':TT-dc2-IN - [0:0]', ':TT-dc2-FWD - [0:0]']);
  assert.equal(lines.at(-2), 'COMMIT');
  const hash = scriptHash(script);
  assert.match(hash ?? '', /^[0-9a-f]{12}$/);
  assert.deepEqual(lines.slice(3, 5), [`-A TT-dc2-IN -m comment --comment turtle:${hash}`, `-A TT-dc2-FWD -m comment --comment turtle:${hash}`]);
  assert.deepEqual(ruleCounts(script, chainsOf('dc2')), { input: 7, forward: 3 });
});

test('the marker changes with the rules, and a long site name still makes a chain name iptables takes', () => {
  const base = { site: 'dc1', networks: [{ name: 'a_default', iface: 'tt-a', subnets: [], gatewayDns: false }], open: [], others: [] };
  assert.notEqual(scriptHash(firewallScript(base)), scriptHash(firewallScript({ ...base, open: [{ port: 22, protocol: 'tcp' as const }] })));
  assert.equal(scriptHash(firewallScript(base)), scriptHash(firewallScript({ ...base })));
  const long = chainsOf('a-site-with-a-rather-long-name');
  assert.ok(long.input.length <= 28 && long.forward.length <= 28, `${long.input} ${long.forward}`);
  assert.match(long.forward, /^TT-a-site-with-[0-9a-f]{8}-FWD$/);
  // no other network: no forward rule at all
  assert.deepEqual(ruleCounts(firewallScript(base), chainsOf('dc1')), { input: 4, forward: 1 });
});

test('open ports: published host ports and host_access, each once, tcp before udp', () => {
  assert.deepEqual(openPorts([{ host: 8080, protocol: 'tcp' }, { protocol: 'tcp' }, { host: 8080, protocol: 'tcp' }, { host: 5353, protocol: 'udp' }], [{ port: 53, protocol: 'udp' }, { port: 22, protocol: 'tcp' }]), [
    { port: 22, protocol: 'tcp' }, { port: 8080, protocol: 'tcp' }, { port: 53, protocol: 'udp' }, { port: 5353, protocol: 'udp' },
  ]);
});

test('from a spec: turtle names each bridge it makes, reads host_access, and leaves external and host-mode services out', async () => {
  const spec = parseSpec(`
project: shop
sites:
  dc1: { runtime: podman, capacity: { cpus: 4, memory: 4g }, networks: { host_access: [53/udp, 123/udp] } }
networks:
  back: { internal: true }
  lan: { external: true }
services:
  web: { image: nginx:1, ports: ["8080:80"], networks: [default, back] }
  db: { image: postgres:16, networks: [back, lan] }
  probe: { image: busybox:1, network_mode: host }
`, 'turtle.yaml', {});
  const containers = renderSite(Object.values(spec.services).map((s) => ({ ...s, sites: ['dc1'] })), { project: 'shop', site: 'dc1', ...(spec.networks ? { networks: spec.networks } : {}), hostAccess: spec.sites.dc1!.networkHostAccess! });
  const engine = { engineSubnets: async () => [
    { name: 'shop_default', subnets: ['10.89.1.0/24'] }, { name: 'shop_back', subnets: ['10.89.2.0/24'] },
    { name: 'lan', subnets: ['192.168.50.0/24'] }, { name: 'podman', subnets: ['10.88.0.0/16'] },
  ] };
  const input = await firewallInput('dc1', 'podman', containers, engine);
  assert.deepEqual(input, {
    site: 'dc1',
    networks: [
      { name: 'shop_default', iface: bridgeName({ name: 'shop_default', site: 'dc1', driverOpts: {} }), subnets: ['10.89.1.0/24'], gatewayDns: true },
      { name: 'shop_back', iface: bridgeName({ name: 'shop_back', site: 'dc1', driverOpts: {} }), subnets: ['10.89.2.0/24'], gatewayDns: true },
    ],
    open: [{ port: 8080, protocol: 'tcp' }, { port: 53, protocol: 'udp' }, { port: 123, protocol: 'udp' }],
    others: ['10.88.0.0/16', '192.168.50.0/24'],
  });
  assert.match(input.networks[0]!.iface, /^tt-[0-9a-f]{12}$/);
  // the name is in the network's create options, so the engine makes the bridge the rules name
  const web = containers.find((c) => c.service === 'web')!;
  assert.equal(web.networks?.[0]?.network.driverOpts['com.docker.network.bridge.name'], input.networks[0]!.iface);
});

test('host_access: ports and ranges, tcp by default; anything else is a located error with the forms it takes', async () => {
  const { InvalidInputError, formatIssue } = await import('../../src/lib/errors.js');
  const text = (list: string) => `name: shop\nsites:\n  dc1: { capacity: { cpus: 1, memory: 1g }, networks: { host_access: ${list} } }\nservices:\n  web: { image: nginx }\n`;
  assert.deepEqual(parseSpec(text('[53/udp, 22, "8000-8100/tcp", 123/udp]'), 'turtle.yaml', {}).sites.dc1?.networkHostAccess, [
    { port: 53, protocol: 'udp' }, { port: 22, protocol: 'tcp' }, { port: 8000, to: 8100, protocol: 'tcp' }, { port: 123, protocol: 'udp' },
  ]);
  try {
    parseSpec(text('[53/icmp, 0, "90-80", ssh]'), 'turtle.yaml', {});
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof InvalidInputError);
    assert.deepEqual(err.issues.map(formatIssue), [0, 1, 2, 3].map((i) => {
      const found = ['"53/icmp"', 'number 0', '"90-80"', '"ssh"'][i];
      const column = [71, 80, 83, 92][i];
      return `turtle.yaml:3:${column}: sites.dc1.networks.host_access[${i}]: expected a port of the host such as 53/udp, 22 or 8000-8100/tcp, found ${found} (a port 1-65535, or a range FROM-TO, then /tcp (the default) or /udp)`;
    }));
  }
});

test('nothing from a desired state can end a rule or start another: a bad bridge name is refused, a bad subnet left out', () => {
  const net = { name: 'shop_default', iface: 'tt-a', subnets: ['10.0.0.0/24'], gatewayDns: false };
  assert.throws(() => firewallScript({ site: 'dc1', networks: [{ ...net, iface: 'x -j ACCEPT' }], open: [], others: [] }), {
    message: 'network shop_default has the bridge name "x -j ACCEPT", which is not an interface name',
  });
  assert.throws(() => firewallScript({ site: 'dc1', networks: [{ ...net, name: 'a"b' }], open: [], others: [] }), { message: 'network name "a\\"b" cannot go into a firewall rule' });
  const script = firewallScript({ site: 'dc1', networks: [net], open: [], others: ['10.1.0.0/24', '10.2.0.0/24 -j ACCEPT', 'fd00::/64'] });
  assert.deepEqual(script.split('\n').filter((l) => l.includes(' -d ')).map((l) => l.split(' -d ')[1]?.split(' ')[0]), ['10.1.0.0/24']);
});

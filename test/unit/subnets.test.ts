// Picking project subnets that never shadow a route of the host or another network (pure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstOverlap, parseCidr, pickSubnet } from '../../src/domain/subnets.js';

test('CIDRs are read and normalised; anything else is not one', () => {
  assert.deepEqual(parseCidr('10.1.2.3/24'), { base: (10 * 256 ** 3) + 256 ** 2 + 2 * 256, prefix: 24 });
  assert.deepEqual(parseCidr('192.168.1.1'), { base: 192 * 256 ** 3 + 168 * 256 ** 2 + 256 + 1, prefix: 32 });
  for (const bad of ['default', '10.0.0.256/8', '10.0.0.0/33', 'fe80::/64', '']) assert.equal(parseCidr(bad), undefined, bad);
});

test('the first free /24 of the pool, past every route and network already there', () => {
  const cases: [string[], string[], string | undefined][] = [
    [['172.16.0.0/12'], [], '172.16.0.0/24'],
    // Docker's own bridge, another engine network, a VPN route inside the pool
    [['172.16.0.0/12'], ['172.16.0.0/24', '172.16.1.0/24', '172.17.0.0/16'], '172.16.2.0/24'],
    [['172.16.0.0/12'], ['172.16.0.0/15'], '172.18.0.0/24'],
    // a host address (a /32) takes its block; the default route (0.0.0.0/0) takes nothing
    [['10.0.0.0/8'], ['10.0.0.7', '0.0.0.0/0'], '10.0.1.0/24'],
    // the whole first range used: the next range
    [['192.168.0.0/23', '10.9.0.0/16'], ['192.168.0.0/24', '192.168.1.0/24'], '10.9.0.0/24'],
    [['192.168.0.0/24'], ['192.168.0.128/25'], undefined],
    [['not a cidr', '10.5.0.0/16'], [], '10.5.0.0/24'],
  ];
  for (const [pool, taken, want] of cases) assert.equal(pickSubnet(pool, taken), want, `${pool} minus ${taken}`);
  assert.equal(pickSubnet(['10.0.0.0/8'], ['10.0.0.0/26'], 26), '10.0.0.64/26');
});

test('a written subnet is checked against what the host routes', () => {
  const routes = [{ dst: '192.168.1.0/24', what: 'dev br0 (LAN)' }, { dst: '0.0.0.0/0', what: 'default' }];
  assert.deepEqual(firstOverlap('192.168.0.0/16', routes), routes[0]);
  assert.equal(firstOverlap('10.1.0.0/24', routes), undefined);
});

test("a site's pool is a list of IPv4 ranges; it reaches the networks rendered there, outside their hash", async () => {
  const { parseSpec } = await import('../../src/spec/index.js');
  const { InvalidInputError } = await import('../../src/lib/errors.js');
  const { renderSite } = await import('../../src/domain/index.js');
  const { servicesForSite } = await import('../../src/spec/index.js');
  const text = (pool: string) => `name: shop\nsites:\n  dc1: { role: edge, capacity: { cpus: 1, memory: 1g }, networks: { pool: ${pool} } }\nservices:\n  web: { image: nginx }\n`;
  const spec = parseSpec(text('[10.88.0.0/16]'), 'turtle.yaml', {});
  assert.deepEqual(spec.sites.dc1?.networkPool, ['10.88.0.0/16']);
  try {
    parseSpec(text('[10.88.0.0, "fe80::/64", []]'), 'turtle.yaml', {});
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof InvalidInputError);
    assert.deepEqual(err.issues.map((i) => `${i.path}: ${i.message}`), [
      'sites.dc1.networks.pool[0]: expected an IPv4 range such as 10.88.0.0/16, found "10.88.0.0"',
      'sites.dc1.networks.pool[1]: expected an IPv4 range such as 10.88.0.0/16, found "fe80::/64"',
      'sites.dc1.networks.pool[2]: expected an IPv4 range such as 10.88.0.0/16, found a list',
    ]);
  }
  const services = servicesForSite(spec, 'dc1');
  const [withPool] = renderSite(services, { project: 'shop', site: 'dc1', pool: ['10.88.0.0/16'] });
  const [without] = renderSite(services, { project: 'shop', site: 'dc1' });
  assert.deepEqual(withPool?.networks?.[0]?.network.pool, ['10.88.0.0/16']);
  assert.equal(withPool?.configHash, without?.configHash);
});

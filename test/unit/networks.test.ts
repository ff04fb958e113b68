// Project networks, pure parts: what turtle.yaml's networks render to, what the planner does with them,
// the engine requests they become, and the rules that refuse bad ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpec, servicesForSite } from '../../src/spec/index.js';
import { renderSite } from '../../src/domain/render.js';
import { describeStep, plan } from '../../src/domain/index.js';
import { siteDrift } from '../../src/domain/drift.js';
import { bridgeName, type ObservedNetwork } from '../../src/domain/network.js';
import type { ContainerSpec, ObservedContainer } from '../../src/domain/types.js';
import { createBody } from '../../src/runtime/docker-api/_create-body.js';
import { networkBody } from '../../src/runtime/docker-api/_networks.js';
import { prerequisites } from '../../src/converge/_schedule.js';
import { specProblems } from '../helpers/fixtures.js';

const SITES = `
version: 1
project: shop
sites:
  dc1: { capacity: { cpus: 2, memory: 2g } }
`;

function render(services: string, extra = ''): ContainerSpec[] {
  const spec = parseSpec(`${SITES}${extra}\nservices:\n${services}`, 'turtle.yaml', {});
  return renderSite(servicesForSite(spec, 'dc1'), { project: 'shop', site: 'dc1', ...(spec.networks ? { networks: spec.networks } : {}) });
}

/** The containers in the order named (the spec keeps its own order of services). */
const pick = (containers: ContainerSpec[], ...names: string[]) => names.map((n) => containers.find((c) => c.service === n));
const joins = (c: ContainerSpec | undefined) => (c?.networks ?? []).map((n) => `${n.name} ${n.aliases.join(',')}${n.ipv4Address ? ` ${n.ipv4Address}` : ''}`);

test('every service joins <project>_default, found there by its service name', () => {
  const [web, db] = pick(render('  web: { image: "web:1" }\n  db: { image: "db:1" }\n'), 'web', 'db');
  assert.deepEqual([joins(web), joins(db)], [['shop_default web'], ['shop_default db']]);
  assert.deepEqual(web?.networks?.[0]?.network, {
    name: 'shop_default', key: 'default', project: 'shop', site: 'dc1', external: false, driver: 'bridge', internal: false,
    subnets: [], driverOpts: { 'com.docker.network.bridge.name': bridgeName({ name: 'shop_default', site: 'dc1', driverOpts: {} }) }, labels: {}, configHash: web?.networks?.[0]?.network.configHash,
  });
  // turtle names the bridge: `tt-` and 12 hex digits of its site and name (15 characters, Linux's limit)
  assert.equal(bridgeName({ name: 'shop_default', site: 'dc1', driverOpts: {} }), 'tt-09466416d6d1');
  assert.equal(bridgeName({ name: 'shop_default', site: 'dc1', driverOpts: { 'com.docker.network.bridge.name': 'br-shop' } }), 'br-shop');
  assert.match(web?.networks?.[0]?.network.configHash ?? '', /^[0-9a-f]{64}$/);
});

test('declared networks, aliases, a fixed address, container_name and links are names on each network', () => {
  const containers = render(
    [
      '  web: { image: "web:1", networks: [front], links: ["api:backend"] }',
      '  api: { image: "api:1", container_name: my-api, networks: { front: { aliases: [edge-api] }, back: { ipv4_address: 172.28.0.10 } } }',
      '  db: { image: "db:1", networks: [back] }',
    ].join('\n'),
    'networks:\n  front: {}\n  back: { internal: true, ipam: { config: [{ subnet: 172.28.0.0/16 }] } }\n  shared: { external: true, name: proxy-net }\n',
  );
  assert.deepEqual(pick(containers, 'web', 'api', 'db').map(joins), [
    ['shop_front web'],
    ['shop_front api,my-api,edge-api,backend', 'shop_back api,my-api,backend 172.28.0.10'],
    ['shop_back db'],
  ]);
  const back = pick(containers, 'db')[0]?.networks?.[0]?.network;
  assert.deepEqual([back?.internal, back?.subnets], [true, [{ subnet: '172.28.0.0/16' }]]);
});

test('network_mode: no project network; service:NAME follows that service (a new one of it, a new one of this)', () => {
  const base = '  vpn: { image: "vpn:1" }\n  app: { image: "app:1", network_mode: "service:vpn" }\n  tool: { image: "tool:1", network_mode: host }\n';
  const [vpn, app, tool] = pick(render(base), 'vpn', 'app', 'tool');
  assert.deepEqual([app?.network, app?.networks, app?.dependsOn, tool?.network, tool?.networks], ['service:vpn', undefined, { vpn: 'service_started' }, 'host', undefined]);
  assert.deepEqual(joins(vpn), ['shop_default vpn']);
  const [app2] = pick(render(base.replace('vpn:1', 'vpn:2')), 'app');
  assert.notEqual(app2?.configHash, app?.configHash);
});

test('a network\'s own configuration is in the hash of the containers on it', () => {
  const [a] = render('  web: { image: "web:1", networks: [n] }\n', 'networks:\n  n: {}\n');
  const [b] = render('  web: { image: "web:1", networks: [n] }\n', 'networks:\n  n: { internal: true }\n');
  assert.notEqual(a?.configHash, b?.configHash);
  assert.notEqual(a?.networks?.[0]?.network.configHash, b?.networks?.[0]?.network.configHash);
});

const seen = (over: Partial<ObservedNetwork> & { name: string }): ObservedNetwork => ({ id: `id-${over.name}`, project: 'shop', site: 'dc1', configHash: '', containers: [], ...over });
const running = (c: ContainerSpec): ObservedContainer => ({
  id: `id-${c.name}`, name: c.name, project: 'shop', site: 'dc1', service: c.service, replica: c.replica, image: c.image,
  configHash: c.configHash, resources: {}, state: 'running', health: 'none', networks: (c.networks ?? []).map((n) => n.name),
});

test('plan: networks are made before what joins them, remade when changed, removed last; external ones never', () => {
  const desired = render('  web: { image: "web:1", networks: [front, shared] }\n  db: { image: "db:1" }\n', 'networks:\n  front: {}\n  shared: { external: true, name: proxy-net }\n');
  const front = pick(desired, 'web')[0]!.networks![0]!.network;
  const steps = plan({
    site: 'dc1', project: 'shop', desired, actual: [],
    networks: [seen({ name: 'shop_front', configHash: 'old' }), seen({ name: 'shop_gone' }), seen({ name: 'proxy-net', project: '', site: '' }), seen({ name: 'other_default', project: 'other' })],
  });
  assert.deepEqual(steps.map(describeStep), [
    'create network shop_default',
    'recreate network shop_front (config changed)',
    'create db#1 (db:1)',
    'create web#1 (web:1)',
    'remove network shop_gone (no service of the spec joins it on this site)',
  ]);
  assert.deepEqual(steps[1]?.kind === 'recreate-network' && steps[1].network, front);
  // the schedule: launches wait for the networks; the removal waits for everything
  assert.deepEqual(prerequisites(steps), [[], [], [0, 1], [0, 1], [0, 1, 2, 3]]);
});

test('a site as wanted: no network steps; a network removed by hand is drift, named', () => {
  const desired = render('  web: { image: "web:1" }\n');
  const actual = desired.map(running);
  const networks = [seen({ name: 'shop_default', configHash: desired[0]!.networks![0]!.network.configHash })];
  assert.deepEqual(plan({ site: 'dc1', project: 'shop', desired, actual, networks }), []);
  // removed by hand (cut off from its containers first): the network is made again, and the container put back on it
  const cutOff = actual.map((c) => ({ ...c, networks: [] }));
  assert.deepEqual(siteDrift({ site: 'dc1', project: 'shop', desired, actual: cutOff, networks: [] }).map((d) => [d.slot, d.kind, d.message]), [
    ['network shop_default', 'network', 'network shop_default is missing'],
    ['web#1', 'network', 'web#1 is not on network shop_default'],
  ]);
  assert.deepEqual(plan({ site: 'dc1', project: 'shop', desired, actual: cutOff, networks: [] }).map(describeStep), [
    'create network shop_default',
    'connect web#1 to network shop_default',
  ]);
  // a runtime that knows no networks: no network steps at all
  assert.deepEqual(plan({ site: 'dc1', desired, actual }), []);
});

test('engine requests: the first network at create with the names; the network with turtle\'s labels', () => {
  const [api] = render('  api: { image: "api:1", networks: { front: {}, back: { ipv4_address: 172.28.0.10 } } }\n', 'networks:\n  front: {}\n  back: { ipam: { config: [{ subnet: 172.28.0.0/16, gateway: 172.28.0.1 }] } }\n');
  const body = createBody(api!);
  assert.deepEqual([body.HostConfig.NetworkMode, body.NetworkingConfig], ['shop_front', { EndpointsConfig: { shop_front: { Aliases: ['api'] } } }]);
  const back = api!.networks![1]!.network;
  assert.deepEqual(networkBody(back), {
    Name: 'shop_back', Driver: 'bridge', Internal: false, CheckDuplicate: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: '172.28.0.0/16', Gateway: '172.28.0.1' }] },
    Options: { 'com.docker.network.bridge.name': 'tt-686a0925cd5e' },
    Labels: { 'io.turtle.managed': 'true', 'io.turtle.project': 'shop', 'io.turtle.site': 'dc1', 'io.turtle.network': 'back', 'io.turtle.config-hash': back.configHash },
  });
  const [tool] = render('  tool: { image: "tool:1", network_mode: host }\n');
  assert.deepEqual([createBody(tool!).HostConfig.NetworkMode, createBody(tool!).NetworkingConfig], ['host', undefined]);
  const [app] = pick(render('  vpn: { image: "vpn:1" }\n  app: { image: "app:1", network_mode: "service:vpn" }\n'), 'app');
  assert.equal(createBody(app!, 'cgroupfs', 'c0ffee').HostConfig.NetworkMode, 'container:c0ffee');
});

test('bad networks: each a located error with the fix', () => {
  const services = (s: string) => `${SITES}services:\n${s}`;
  const cases: [string, string[]][] = [
    [services('  web: { image: "web:1", networks: [frnt] }\n') + 'networks:\n  front: {}\n', [
      'turtle.yaml:7:37: services.web.networks[0]: unknown network `frnt`, did you mean `front`? (declare it under the top-level networks: (frnt: {}), or use one of: default, front)',
    ]],
    [services('  web: { image: "web:1", network_mode: "service:dbb" }\n  db: { image: "db:1" }\n'), [
      'turtle.yaml:7:40: services.web.network_mode: network_mode names unknown service `dbb`, did you mean `db`? (known services: web, db)',
    ]],
    [services('  web: { image: "web:1", network_mode: host, networks: [default] }\n'), [
      'turtle.yaml:7:40: services.web.network_mode: network_mode host and networks cannot both be set (keep one: network_mode puts the service outside the project networks)',
    ]],
    [services('  web: { image: "web:1", network_mode: "container:abc" }\n'), [
      'turtle.yaml:7:40: services.web.network_mode: `container:abc` joins a container turtle does not manage, whose name and lifetime it cannot know (make that container a service of this file (then container:NAME, or service:NAME, joins it), or put both on one network)',
    ]],
    [services('  web: { image: "web:1" }\n') + 'networks:\n  a: { ipam: { config: [{ subnet: 10.9.0.0/16 }] } }\n  b: { ipam: { config: [{ subnet: 10.9.4.0/24 }] } }\n', [
      'turtle.yaml:10:35: networks.b.ipam.config[0].subnet: subnet 10.9.4.0/24 of network b overlaps 10.9.0.0/16 of network a (give each network its own subnet)',
    ]],
    [services('  web: { image: "web:1", networks: { a: { ipv4_address: 10.8.0.5 } } }\n') + 'networks:\n  a: { ipam: { config: [{ subnet: 10.9.0.0/16 }] } }\n', [
      'turtle.yaml:7:57: services.web.networks.a.ipv4_address: 10.8.0.5 is outside network a\'s 10.9.0.0/16 (pick an address inside the subnet)',
    ]],
    [services('  web: { image: "web:1", links: ["dbb:database"] }\n'), [
      'turtle.yaml:7:34: services.web.links[0]: links names unknown service `dbb` (known services: web)',
    ]],
    [services('  web: { image: "web:1" }\n') + 'networks:\n  n: { driver: overlay }\n', [
      "turtle.yaml:9:16: networks.n.driver: the overlay driver is not supported: a site's project networks are bridges on its one machine (drop `driver` (or write bridge); networks spanning machines come with Swarm sites)",
    ]],
  ];
  for (const [text, want] of cases) assert.deepEqual(specProblems(text), want, text);
});

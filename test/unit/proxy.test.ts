// The site proxy: rendering (routes, the proxy container, haproxy.cfg), runtime API commands and their
// answers, the plan's order for proxied services, the spec's rules, and the order of a swap (fake
// engine and proxy; the real ones are in test/integration/zero-downtime.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderSite } from '../../src/domain/render.js';
import { plan } from '../../src/domain/plan.js';
import { describeStep } from '../../src/domain/steps.js';
import type { ContainerSpec, ObservedContainer } from '../../src/domain/types.js';
import { parseSpec, servicesForSite } from '../../src/spec/index.js';
import { commands, haproxyConfig, parseServerStats, PROXY_SERVICE, withProxy, type ProxyServer, type ServerAddress, type SiteProxy } from '../../src/proxy/index.js';
import { executeStep } from '../../src/converge/executors.js';
import { syncProxy } from '../../src/converge/_proxied.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';
import { desired, observed, specProblems } from '../helpers/fixtures.js';

const HEAD = `version: 1
project: p
sites:
  dc1: { capacity: { cpus: 2, memory: 2g } }
services:
`;

const problems = (text: string) => specProblems(text);

const rendered = (services: string) => {
  const spec = parseSpec(HEAD + services, 'turtle.yaml', {});
  return renderSite(servicesForSite(spec, 'dc1'), { project: 'p', site: 'dc1' });
};

describe('rendering a proxied service', () => {
  const web = `  web:
    image: web:1
    ports: ["8080:80", "127.0.0.1:9090:90", "53:53/udp"]
    proxy: http
    update: { min_healthy: 2s, drain_timeout: 30s }
`;

  test('its TCP host ports become routes; its containers publish none of them', () => {
    const [c] = rendered(web);
    assert.deepEqual(c?.routes, [
      { listen: 8080, target: 80, mode: 'http' },
      { listen: 9090, hostIp: '127.0.0.1', target: 90, mode: 'http' },
    ]);
    assert.deepEqual(c?.ports, [
      { container: 80, protocol: 'tcp' },
      { container: 90, protocol: 'tcp' },
      { host: 53, container: 53, protocol: 'udp' },
    ]);
    assert.deepEqual(c?.update, { minHealthyMs: 2000, drainTimeoutMs: 30000 });
  });

  test('a service without proxy renders as before: no routes, its host ports its own', () => {
    const [c] = rendered(`  web:\n    image: web:1\n    ports: ["8080:80"]\n`);
    assert.equal(c?.routes, undefined);
    assert.deepEqual(c?.ports, [{ host: 8080, container: 80, protocol: 'tcp' }]);
  });

  test('withProxy adds the site proxy first (host network, config in its environment) and makes proxied services wait for it', () => {
    const all = withProxy(rendered(web + `  db:\n    image: db:1\n`));
    assert.deepEqual(all.map((c) => c.service), [PROXY_SERVICE, 'db', 'web']);
    const proxy = all[0] as ContainerSpec;
    assert.equal(proxy.name, `p-_proxy-1-${proxy.configHash.slice(0, 8)}`);
    assert.equal(proxy.image, 'turtle/haproxy:2.6');
    assert.equal(proxy.network, 'host');
    assert.deepEqual(proxy.ports, []);
    assert.deepEqual(proxy.mounts, [{ type: 'bind', source: '/run/turtle/proxy/p/dc1', target: '/run/turtle-proxy', readOnly: false }]);
    assert.equal(proxy.env.TURTLE_HAPROXY_CFG, haproxyConfig([{ service: 'web', routes: all[2]?.routes ?? [] }]));
    assert.deepEqual(all[2]?.dependsOn, { _proxy: 'service_started' });
    assert.deepEqual(all[1]?.dependsOn, {});
    assert.deepEqual(withProxy(rendered(`  db:\n    image: db:1\n`)).map((c) => c.service), ['db']);
  });

  test('haproxy.cfg: the admin socket, and a frontend and an empty backend per route', () => {
    assert.equal(haproxyConfig([{ service: 'web', routes: [{ listen: 8080, target: 80, mode: 'http' }, { listen: 9090, hostIp: '127.0.0.1', target: 90, mode: 'tcp' }] }]), [
      'global',
      '  stats socket /run/turtle-proxy/admin.sock mode 600 level admin',
      '  stats timeout 10s',
      '  maxconn 4096',
      '',
      'defaults',
      '  timeout connect 3s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout http-request 10s',
      '  timeout http-keep-alive 10s',
      '  retries 3',
      '  option redispatch 1',
      '',
      'frontend web_8080',
      '  mode http',
      '  bind 0.0.0.0:8080',
      '  default_backend web_8080',
      '',
      'backend web_8080',
      '  mode http',
      '  balance roundrobin',
      '',
      'frontend web_9090',
      '  mode tcp',
      '  bind 127.0.0.1:9090',
      '  default_backend web_9090',
      '',
      'backend web_9090',
      '  mode tcp',
      '  balance roundrobin',
      '',
    ].join('\n'));
  });
});

test('runtime API commands, exactly', () => {
  const s = { name: 'web-1-abc', address: '172.17.0.5', port: 80 };
  assert.deepEqual(
    [commands.addServer('web_8080', s), commands.enableHealth('web_8080', s.name), commands.enableServer('web_8080', s.name), commands.drain('web_8080', s.name),
      commands.maint('web_8080', s.name), commands.shutdownSessions('web_8080', s.name), commands.delServer('web_8080', s.name), commands.serverStats()],
    [
      'add server web_8080/web-1-abc 172.17.0.5:80 check inter 500ms rise 1 fall 2',
      'enable health web_8080/web-1-abc',
      'enable server web_8080/web-1-abc',
      'set server web_8080/web-1-abc state drain',
      'set server web_8080/web-1-abc state maint',
      'shutdown sessions server web_8080/web-1-abc',
      'del server web_8080/web-1-abc',
      'show stat -1 4 -1',
    ],
  );
});

test('show stat: servers with their status and current sessions; BACKEND rows left out', () => {
  const csv = [
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,addr,',
    'web_8080,web-1-aaa,0,0,3,4,,120,0,0,,0,,0,0,0,0,UP,1,172.17.0.5:80,',
    'web_8080,web-1-bbb,0,0,0,1,,7,0,0,,0,,0,0,0,0,DRAIN,0,172.17.0.4:80,',
    'web_8080,BACKEND,0,0,3,4,,127,0,0,0,0,,0,0,0,0,UP,1,,',
    '',
  ].join('\n');
  assert.deepEqual(parseServerStats(csv), [
    { backend: 'web_8080', name: 'web-1-aaa', status: 'UP', sessions: 3, address: '172.17.0.5:80' },
    { backend: 'web_8080', name: 'web-1-bbb', status: 'DRAIN', sessions: 0, address: '172.17.0.4:80' },
  ]);
});

describe('plan: replace order', () => {
  const route = { listen: 8080, target: 80, mode: 'http' as const };
  const cases: { name: string; spec: Partial<ContainerSpec>; order: string }[] = [
    { name: 'proxied: start-first (the proxy holds the host port)', spec: { ports: [{ container: 80, protocol: 'tcp' }], routes: [route] }, order: 'start-first' },
    { name: 'proxied with update.order stop-first', spec: { ports: [{ container: 80, protocol: 'tcp' }], routes: [route], update: { order: 'stop-first' } }, order: 'stop-first' },
    { name: 'host port without proxy: stop-first, as before', spec: { ports: [{ host: 8080, container: 80, protocol: 'tcp' }] }, order: 'stop-first' },
    { name: 'no host port: start-first', spec: {}, order: 'start-first' },
    { name: 'no host port, exclusive volume: update.order stop-first', spec: { update: { order: 'stop-first' } }, order: 'stop-first' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const steps = plan({ site: 'dc1', desired: [desired('web', { configHash: 'h2', image: 'web:2', ...c.spec })], actual: [observed('web', { configHash: 'h1' })] });
      assert.equal(steps.length, 1);
      assert.equal(steps[0]?.kind === 'replace' && steps[0].order, c.order);
    });
  }
  test('a proxied replacement says so', () => {
    const [step] = plan({ site: 'dc1', desired: [desired('web', { configHash: 'h2', image: 'web:2', routes: [route] })], actual: [observed('web', { configHash: 'h1' })] });
    assert.equal(describeStep(step!), 'replace web#1 (image web:1 -> web:2, start-first, behind the proxy)');
  });
});

describe('spec: proxy and update', () => {
  const cases: { name: string; service: string; expected: string[] }[] = [
    { name: 'proxy with a host port is fine', service: `  web:\n    image: w\n    ports: ["8080:80"]\n    proxy: http\n    replicas: 2\n`, expected: [] },
    {
      name: 'proxy without a host TCP port',
      service: `  web:\n    image: w\n    ports: ["80"]\n    proxy: http\n`,
      expected: ['turtle.yaml:9:12: services.web.proxy: web has `proxy: http` but publishes no host TCP port for the proxy to serve (publish one, e.g. ports: ["8080:80"], or remove proxy)'],
    },
    {
      name: 'start-first with a host port needs the proxy',
      service: `  web:\n    image: w\n    ports: ["8080:80"]\n    update: { order: start-first }\n`,
      expected: ['turtle.yaml:9:22: services.web.update.order: web publishes host port 8080, so an old and a new container cannot run side by side: start-first needs the proxy (add `proxy: http` to the service, so the site proxy serves its ports; or use order: stop-first)'],
    },
    {
      name: 'unknown proxy mode',
      service: `  web:\n    image: w\n    ports: ["8080:80"]\n    proxy: https\n`,
      expected: [],
    },
  ];
  for (const c of cases.slice(0, 3)) {
    test(c.name, () => assert.deepEqual(problems(HEAD + c.service), c.expected));
  }
  test('unknown proxy mode is refused', () => {
    const [p] = problems(HEAD + cases[3]!.service);
    assert.match(p ?? '', /^turtle\.yaml:9:12: services\.web\.proxy: /);
  });
});

/** Records what the executor asks of the proxy, in one log with the engine's calls. */
class FakeProxy implements SiteProxy {
  readonly where = 'fake proxy';
  readonly servers_ = new Map<string, ProxyServer>();
  constructor(private readonly log: string[]) {}
  async servers(): Promise<ProxyServer[]> {
    return [...this.servers_.values()];
  }
  async add(backend: string, s: ServerAddress): Promise<void> {
    this.log.push(`proxy add ${backend}/${s.name} ${s.address}:${s.port}`);
    this.servers_.set(`${backend}/${s.name}`, { backend, name: s.name, status: 'UP', sessions: 0, address: `${s.address}:${s.port}` });
  }
  async drain(backend: string, name: string): Promise<void> {
    this.log.push(`proxy drain ${backend}/${name}`);
  }
  async remove(backend: string, name: string): Promise<void> {
    this.log.push(`proxy remove ${backend}/${name}`);
    this.servers_.delete(`${backend}/${name}`);
  }
}

class AddressedRuntime extends FakeRuntime {
  override async inspect(id: string): Promise<ObservedContainer | undefined> {
    const c = await super.inspect(id);
    return c && { ...c, ipAddress: `10.0.0.${id.slice(1)}` };
  }
  override async list(project: string): Promise<ObservedContainer[]> {
    return (await super.list(project)).map((c) => ({ ...c, ipAddress: `10.0.0.${c.id.slice(1)}` }));
  }
}

describe('a swap behind the proxy (fake engine and proxy)', () => {
  const route = { listen: 8080, target: 80, mode: 'http' as const };
  const health = { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 1, startPeriodMs: 0 };
  const setup = async (order: 'start-first' | 'stop-first', image = 'web:2') => {
    const rt = new AddressedRuntime();
    rt.images.add('web:1').add('web:2').add('web:bad');
    rt.unhealthy.add('web:bad');
    const proxy = new FakeProxy(rt.calls);
    const base = { ports: [{ container: 80, protocol: 'tcp' as const }], routes: [route], healthcheck: health, update: { order, minHealthyMs: 0 } };
    const ctx = { runtime: rt, site: 'dc1', stopTimeoutS: 1, proxyFor: () => proxy };
    await executeStep({ kind: 'create', spec: desired('web', { ...base, image: 'web:1', configHash: 'h1' }) }, ctx);
    const old = (await rt.list('p'))[0]!;
    rt.calls.length = 0;
    const step = { kind: 'replace' as const, old, spec: desired('web', { ...base, image, configHash: 'h2' }), order, reason: 'image' };
    return { rt, proxy, ctx, step };
  };

  test('start-first: the new container joins before the old one is drained, removed from the proxy, stopped and removed', async () => {
    const { rt, ctx, step } = await setup('start-first');
    await executeStep(step, ctx);
    assert.deepEqual(rt.calls, [
      'create web#1 web:2', 'start c2', 'proxy add web_8080/web-1-c2 10.0.0.2:80',
      'proxy drain web_8080/web-1-c1', 'proxy remove web_8080/web-1-c1', 'stop c1', 'remove c1',
    ]);
  });

  test('stop-first: the old one leaves the proxy and stops before the new one starts', async () => {
    const { rt, ctx, step } = await setup('stop-first');
    await executeStep(step, ctx);
    assert.deepEqual(rt.calls, [
      'create web#1 web:2', 'proxy drain web_8080/web-1-c1', 'proxy remove web_8080/web-1-c1', 'stop c1',
      'start c2', 'proxy add web_8080/web-1-c2 10.0.0.2:80', 'remove c1',
    ]);
  });

  test('an unhealthy new container never gets traffic; the old one keeps serving, untouched', async () => {
    const { rt, proxy, ctx, step } = await setup('start-first', 'web:bad');
    await assert.rejects(executeStep(step, ctx), /became unhealthy .*the new container was removed and the previous container kept running/);
    assert.deepEqual(rt.calls, ['create web#1 web:bad', 'start c2', 'remove c2']);
    assert.deepEqual([...proxy.servers_.keys()], ['web_8080/web-1-c1']);
  });
});

describe('syncProxy: the proxy brought in line with what runs', () => {
  const route = { listen: 8080, target: 80, mode: 'http' as const };
  const web = desired('web', { image: 'web:1', ports: [{ container: 80, protocol: 'tcp' }], routes: [route], update: { minHealthyMs: 0 } });
  const proxySpec = desired(PROXY_SERVICE, { image: 'turtle/haproxy:2.6' });

  test('a proxy that came back empty gets the running containers again; a server whose container is gone is taken out', async () => {
    const rt = new AddressedRuntime();
    rt.images.add('web:1');
    const proxy = new FakeProxy(rt.calls);
    const ctx = { runtime: rt, site: 'dc1', proxyFor: () => proxy };
    const id = await rt.create(web);
    await rt.start(id);
    proxy.servers_.set('web_8080/web-1-gone00000000', { backend: 'web_8080', name: 'web-1-gone00000000', status: 'UP', sessions: 0, address: '10.0.0.9:80' });
    rt.calls.length = 0;
    const changes = await syncProxy(ctx, 'p', [proxySpec, web]);
    assert.deepEqual(rt.calls, ['proxy add web_8080/web-1-c1 10.0.0.1:80', 'proxy remove web_8080/web-1-gone00000000']);
    assert.deepEqual(changes, ['dc1/web#1 put back into the proxy at 10.0.0.1:80', 'dc1: web_8080/web-1-gone00000000 taken out of the proxy: its container is gone']);
    rt.calls.length = 0;
    assert.deepEqual(await syncProxy(ctx, 'p', [proxySpec, web]), []);
    assert.deepEqual(rt.calls, []);
  });

  test('nothing to do for a site without a proxy', async () => {
    const rt = new AddressedRuntime();
    assert.deepEqual(await syncProxy({ runtime: rt, site: 'dc1', proxyFor: () => new FakeProxy(rt.calls) }, 'p', [desired('db')]), []);
  });
});

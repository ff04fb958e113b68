// Whole documents → normalised Spec: defaults, Compose forms, overlays, extension fields, anchors, files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSpecFile, parseSpec, servicesForSite } from '../../src/spec/index.js';
import { TurtleError } from '../../src/lib/errors.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/spec/valid.yaml', import.meta.url));
const MiB = 2 ** 20;
const MINIMAL = 'version: 1\nproject: shop\nsites:\n  dc1: { capacity: { cpus: 4, memory: 4g } }\n  obs: { role: observer }\n';

test('defaults: a minimal site and service', () => {
  const spec = parseSpec(`${MINIMAL}services:\n  web: { image: nginx }\n`, 'turtle.yaml', {});
  assert.deepEqual(spec, {
    version: 1,
    project: 'shop',
    file: 'turtle.yaml',
    sites: {
      dc1: { name: 'dc1', role: 'edge', runtime: 'docker', engine: 'unix:///var/run/docker.sock', capacity: { cpus: 4, memory: 4 * 2 ** 30 }, budget: { cpu: 10, memory: 10 }, labels: {} },
      obs: { name: 'obs', role: 'observer', runtime: 'docker', engine: 'unix:///var/run/docker.sock', capacity: { cpus: 0, memory: 0 }, budget: { cpu: 10, memory: 10 }, labels: {} },
    },
    services: {
      web: {
        name: 'web', image: 'nginx', env: {}, ports: [], mounts: [], restart: 'unless-stopped', dependsOn: {}, labels: {},
        readOnly: false, capDrop: [], priority: 'normal', resources: {}, sites: ['dc1'], replicas: 1,
      },
    },
  });
  assert.equal(parseSpec(`${MINIMAL}  dc2: { runtime: podman, capacity: { cpus: 1, memory: 1g } }\n`, 'f', {}).sites.dc2?.engine, 'unix:///run/podman/podman.sock');
});

test('the fixture: every service field in Compose form', () => {
  const spec = loadSpecFile(FIXTURE, {});
  assert.deepEqual(spec.services.web, {
    name: 'web',
    image: 'nginx:1.25',
    command: ['httpd', '-f', '/etc/my conf'],
    env: { A: '1', DEBUG: 'false', PORT: '8080', SECRET: 'dev' },
    ports: [
      { host: 8080, container: 80, protocol: 'tcp' },
      { host: 8443, hostIp: '127.0.0.1', container: 443, protocol: 'tcp' },
      { container: 9000, protocol: 'tcp' },
      { host: 8081, hostIp: '0.0.0.0', container: 80, protocol: 'udp' },
    ],
    mounts: [
      { type: 'bind', source: fileURLToPath(new URL('../fixtures/spec/data', import.meta.url)), target: '/data', readOnly: true },
      { type: 'volume', source: 'named', target: '/var/lib/x', readOnly: false },
      { type: 'tmpfs', target: '/tmp', readOnly: false },
    ],
    healthcheck: { test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health'], intervalMs: 1000, timeoutMs: 1000, retries: 3, startPeriodMs: 5000 },
    restart: 'always', // from the x-common anchor through <<
    dependsOn: { db: 'service_healthy' },
    labels: { a: 'b' },
    user: '1000:1000',
    readOnly: true,
    capDrop: ['ALL'],
    priority: 'critical',
    resources: { cpus: 0.5, memory: 256 * MiB, memoryReservation: 128 * MiB },
    sites: ['dc1', 'dc2'],
    replicas: 1,
  });
  assert.deepEqual(spec.services.db?.healthcheck, { test: ['CMD-SHELL', 'pg_isready'], intervalMs: 10_000, timeoutMs: 5_000, retries: 3, startPeriodMs: 0 });
  assert.deepEqual(Object.keys(spec.sites), ['dc1', 'dc2', 'obs']);
  assert.equal(spec.sites.dc1?.agent, 'https://10.0.0.1:7443');
  assert.deepEqual(spec.sites.dc1?.labels, { region: 'home' });
});

test('the fixture: servicesForSite applies the overlay, sorted by name; base services stay untouched', () => {
  const spec = loadSpecFile(FIXTURE, { SECRET: 's3' });
  const dc2 = servicesForSite(spec, 'dc2');
  assert.deepEqual(dc2.map((s) => s.name), ['db', 'web']);
  assert.deepEqual(dc2[1]?.env, { A: '2', DEBUG: 'false', PORT: '8080', SECRET: 's3' });
  assert.deepEqual(dc2[1]?.resources, { cpus: 0.5, memory: 128 * MiB, memoryReservation: 128 * MiB });
  assert.deepEqual(spec.services.web?.resources, { cpus: 0.5, memory: 256 * MiB, memoryReservation: 128 * MiB });
  assert.deepEqual(servicesForSite(spec, 'dc1').map((s) => [s.name, s.env.A]), [['db', undefined], ['web', '1']]);
  assert.deepEqual(servicesForSite(spec, 'obs'), []);
  // plain data: a cloned spec gives the same answer
  assert.deepEqual(servicesForSite(structuredClone(spec), 'dc2'), dc2);
});

test('servicesForSite: an unknown site is an error naming the known ones', () => {
  const spec = loadSpecFile(FIXTURE, {});
  assert.throws(() => servicesForSite(spec, 'dc9'), { name: 'TurtleError', message: 'unknown site `dc9`', hint: `sites in ${FIXTURE}: dc1, dc2, obs` });
});

test('compose forms: environment and labels lists, depends_on list, string commands and healthcheck disable', () => {
  const text = `${MINIMAL}services:
  web:
    image: nginx
    entrypoint: /docker-entrypoint.sh --quiet
    command: []
    environment: ["A=1", "B=x=y", "C="]
    labels: ["team=web"]
    depends_on: [db]
    healthcheck: { disable: true }
    user: 1000
  db:
    image: postgres
    depends_on: { cache: { condition: service_completed_successfully }, web2: {} }
  cache: { image: redis }
  web2: { image: nginx, healthcheck: { test: ["NONE"] } }
`;
  const { services } = parseSpec(text, 'turtle.yaml', {});
  assert.deepEqual(services.web?.entrypoint, ['/docker-entrypoint.sh', '--quiet']);
  assert.deepEqual(services.web?.command, []);
  assert.deepEqual(services.web?.env, { A: '1', B: 'x=y', C: '' });
  assert.deepEqual(services.web?.labels, { team: 'web' });
  assert.deepEqual(services.web?.dependsOn, { db: 'service_started' });
  assert.deepEqual(services.web?.healthcheck, { test: ['NONE'], intervalMs: 10_000, timeoutMs: 5_000, retries: 3, startPeriodMs: 0 });
  assert.equal(services.web?.user, '1000');
  assert.deepEqual(services.db?.dependsOn, { cache: 'service_completed_successfully', web2: 'service_started' });
  assert.deepEqual(services.web2?.healthcheck?.test, ['NONE']);
  assert.equal(services.cache?.command, undefined);
});

test('overlays: maps merge key by key (a list environment too), lists replace, x- keys are ignored', () => {
  const text = `${MINIMAL}  dc2: { capacity: { cpus: 4, memory: 4g } }
x-defaults: &defaults { restart: always }
services:
  web:
    <<: *defaults
    image: nginx
    environment: ["A=1", "B=2"]
    ports: ["8080:80"]
    labels: { a: "1", b: "2" }
    x-owner: team-web
overlays:
  dc2:
    services:
      web: { environment: { B: "3" }, ports: ["127.0.0.1::80"], labels: ["b=4"], replicas: 2, image: "nginx:\${TAG:-1.27}", x-note: ignored }
`;
  const spec = parseSpec(text, 'turtle.yaml', {});
  const [web2] = servicesForSite(spec, 'dc2');
  assert.deepEqual(web2?.env, { A: '1', B: '3' });
  assert.deepEqual(web2?.ports, [{ hostIp: '127.0.0.1', container: 80, protocol: 'tcp' }]);
  assert.deepEqual(web2?.labels, { a: '1', b: '4' });
  assert.equal(web2?.replicas, 2);
  assert.equal(web2?.image, 'nginx:1.27');
  assert.equal(web2?.restart, 'always');
  assert.deepEqual(servicesForSite(spec, 'dc1')[0], spec.services.web);
  assert.equal(spec.services.web?.replicas, 1);
});

test('interpolation: from the passed env, and process.env by default', () => {
  const text = `${MINIMAL}services:\n  web: { image: "app:\${TURTLE_SPEC_TEST_TAG}", replicas: "\${N}", read_only: "\${RO}" }\n`;
  const spec = parseSpec(text, 'turtle.yaml', { TURTLE_SPEC_TEST_TAG: '7', N: '3', RO: 'true' });
  assert.deepEqual([spec.services.web?.image, spec.services.web?.replicas, spec.services.web?.readOnly], ['app:7', 3, true]);
  const saved = { TURTLE_SPEC_TEST_TAG: process.env.TURTLE_SPEC_TEST_TAG, N: process.env.N, RO: process.env.RO };
  Object.assign(process.env, { TURTLE_SPEC_TEST_TAG: 'from-process', N: '1', RO: 'false' });
  try {
    assert.equal(parseSpec(text, 'turtle.yaml').services.web?.image, 'app:from-process');
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test('loadSpecFile: a missing file is a TurtleError with a hint', () => {
  assert.throws(() => loadSpecFile('/nonexistent/turtle.yaml'), (err: unknown) => {
    assert.ok(err instanceof TurtleError);
    assert.equal(err.message, '/nonexistent/turtle.yaml: no such file');
    assert.equal(err.hint, 'run turtle in the folder with turtle.yaml, or pass --file <path>');
    assert.equal(err.exitCode, 1);
    return true;
  });
});

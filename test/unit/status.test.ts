// `turtle status`, the pure rule: each service's version (which release renders what runs), health, and skew.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatus, type Rendering, type SiteStatusInput } from '../../src/domain/status.js';
import { serviceHealth } from '../../src/domain/service-health.js';
import { human } from '../../src/cli/commands/status.js';
import { desired, observed } from '../helpers/fixtures.js';

const V1 = 'a'.repeat(64);
const V2 = 'b'.repeat(64);
const V0 = 'c'.repeat(64);
// v1 runs web:1; v2 (turtle.yaml now) runs web:2; api is the same in both; v0 is an older release with api:0
const renderings = (site: string): Rendering[] => [
  { version: V2, containers: [desired('api', { site }), desired('web', { site, image: 'web:2', configHash: 'web-h2' })] },
  { version: V1, containers: [desired('api', { site }), desired('web', { site })] },
  { version: V0, containers: [desired('api', { site, image: 'api:0', configHash: 'api-h0' })] },
];
const last = (id: number, outcome: string) => ({ id, outcome, at: '2026-11-27T03:00:00.000Z' });
const site = (name: string, over: Partial<SiteStatusInput>): SiteStatusInput => ({ site: name, stopped: new Set(), renderings: renderings(name), ...over });

test('two sites on the current version: every service current and healthy, no skew', () => {
  const on = (name: string) => site(name, { version: V2, lastDeployment: last(3, 'succeeded'), observed: [observed('api', { site: name }), observed('web', { site: name, image: 'localhost/web:2', configHash: 'web-h2' })] });
  const status = buildStatus({ current: V2, sites: [on('dc1'), on('dc2')] });
  const services = [
    { service: 'api', version: 'current', images: ['api:1'], running: 1, desired: 1, health: 'healthy' },
    { service: 'web', version: 'current', images: ['web:2'], running: 1, desired: 1, health: 'healthy' },
  ];
  assert.deepEqual(status, {
    current: 'bbbbbbbbbbbb',
    sites: [
      { site: 'dc1', reachable: true, version: 'bbbbbbbbbbbb', current: true, lastDeployment: last(3, 'succeeded'), pending: false, services },
      { site: 'dc2', reachable: true, version: 'bbbbbbbbbbbb', current: true, lastDeployment: last(3, 'succeeded'), pending: false, services },
    ],
    skew: [],
  });
});

test('a site on an older release: its changed service shows that release and is flagged, the unchanged one is not', () => {
  const status = buildStatus({
    current: V2,
    sites: [
      site('dc1', { version: V2, lastDeployment: last(4, 'succeeded'), observed: [observed('api'), observed('web', { image: 'web:2', configHash: 'web-h2' })] }),
      site('dc2', { version: V1, lastDeployment: last(4, 'pending'), observed: [observed('api', { site: 'dc2' }), observed('web', { site: 'dc2' })] }),
    ],
  });
  const dc2 = status.sites[1];
  assert.equal(dc2?.current, false);
  assert.equal(dc2?.pending, true);
  assert.equal(dc2?.version, 'aaaaaaaaaaaa');
  assert.deepEqual(dc2?.services.map((s) => [s.service, s.version]), [['api', 'current'], ['web', 'aaaaaaaaaaaa']]);
  assert.deepEqual(status.skew, [
    { subject: 'spec', bySite: { dc1: 'bbbbbbbbbbbb', dc2: 'aaaaaaaaaaaa' } },
    { subject: 'web', bySite: { dc1: 'current', dc2: 'aaaaaaaaaaaa' } },
  ]);
});

test('a service no release renders is unknown (changed by hand) and skewed; one with nothing running is missing', () => {
  const status = buildStatus({
    current: V2,
    sites: [
      site('dc1', { version: V2, observed: [observed('api', { configHash: 'api-by-hand', image: 'api:9' }), observed('web', { configHash: 'web-h2' })] }),
      site('dc2', { version: V2, observed: [observed('api', { site: 'dc2' })] }),
    ],
  });
  assert.deepEqual(status.sites[0]?.services[0], { service: 'api', version: 'unknown', images: ['api:9'], running: 1, desired: 1, health: 'healthy' });
  assert.deepEqual(status.sites[1]?.services[1], { service: 'web', version: null, images: [], running: 0, desired: 1, health: 'missing' });
  assert.deepEqual(status.skew, [{ subject: 'api', bySite: { dc1: 'unknown', dc2: 'current' } }]);
});

test('an older release no deployment recorded for the site still names what runs there', () => {
  const status = buildStatus({ current: V2, sites: [site('dc1', { version: V1, observed: [observed('api', { image: 'api:0', configHash: 'api-h0' })] })] });
  assert.equal(status.sites[0]?.services[0]?.version, 'cccccccccccc');
  assert.deepEqual(status.skew, []);
});

test('an unreachable site keeps its recorded version and last deployment, shows no services, and still counts for spec skew', () => {
  const status = buildStatus({
    current: V2,
    sites: [
      site('dc1', { version: V2, observed: [observed('api'), observed('web', { configHash: 'web-h2' })] }),
      site('dc3', { version: V1, lastDeployment: last(2, 'succeeded'), error: 'site dc3: cannot reach the engine', renderings: [] }),
    ],
  });
  assert.deepEqual(status.sites[1], {
    site: 'dc3',
    reachable: false,
    error: 'site dc3: cannot reach the engine',
    version: 'aaaaaaaaaaaa',
    current: false,
    lastDeployment: last(2, 'succeeded'),
    pending: false,
    services: [],
  });
  assert.deepEqual(status.skew, [{ subject: 'spec', bySite: { dc1: 'bbbbbbbbbbbb', dc3: 'aaaaaaaaaaaa' } }]);
});

test('health from what the engine reports: unhealthy, starting, stopped by the operator, a replica short', () => {
  const two = [desired('web'), desired('web', { replica: 2 }), desired('api'), desired('job'), desired('db')];
  const status = buildStatus({
    current: V2,
    sites: [
      site('dc1', {
        version: V2,
        stopped: new Set(['job']),
        renderings: [{ version: V2, containers: two }],
        observed: [
          observed('web', { health: 'healthy' }),
          observed('web', { replica: 2, state: 'restarting' }),
          observed('api', { health: 'starting' }),
          observed('job', { state: 'exited' }),
          observed('db', { state: 'exited', exitCode: 1 }),
        ],
      }),
    ],
  });
  assert.deepEqual(status.sites[0]?.services.map((s) => `${s.service} ${s.running}/${s.desired} ${s.health}`), ['api 1/1 starting', 'db 0/1 unhealthy', 'job 0/1 stopped', 'web 1/2 unhealthy']);
});

test('the shared health rule, as the observer also uses it', () => {
  const base = { stopped: false, desired: 2, running: 2, present: 2, failing: 0, starting: 0 };
  assert.equal(serviceHealth(base), 'healthy');
  assert.equal(serviceHealth({ ...base, stopped: true }), 'stopped');
  assert.equal(serviceHealth({ ...base, running: 0, present: 0 }), 'missing');
  assert.equal(serviceHealth({ ...base, failing: 1 }), 'unhealthy');
  assert.equal(serviceHealth({ ...base, running: 1 }), 'starting');
  assert.equal(serviceHealth({ ...base, starting: 1 }), 'starting');
});

test('the human form: a header per site, a table per reachable site, the skew last', () => {
  const status = buildStatus({
    current: V2,
    sites: [
      site('dc1', { version: V2, lastDeployment: last(12, 'succeeded'), observed: [observed('api'), observed('web', { image: 'web:2', configHash: 'web-h2' })] }),
      site('dc2', { version: V1, lastDeployment: last(12, 'pending'), observed: [observed('api', { site: 'dc2' }), observed('web', { site: 'dc2' })] }),
      site('dc3', { error: 'site dc3: engine at unix:///x.sock does not answer', renderings: [] }),
    ],
  });
  assert.equal(
    human(status, Date.parse('2026-11-27T03:03:10.000Z')),
    [
      'dc1:  version bbbbbbbbbbbb (current)  last deployment #12 succeeded 3m ago',
      '  SERVICE  VERSION  IMAGE  READY  HEALTH',
      '  api      current  api:1  1/1    healthy',
      '  web      current  web:2  1/1    healthy',
      '',
      'dc2:  version aaaaaaaaaaaa (not turtle.yaml)  last deployment #12 pending 3m ago  pending: cut off, the next deploy brings it',
      '  SERVICE  VERSION       IMAGE  READY  HEALTH',
      '  api      current       api:1  1/1    healthy',
      '  web      aaaaaaaaaaaa  web:1  1/1    healthy',
      '',
      'dc3:  version unknown  never deployed',
      '  unreachable: engine at unix:///x.sock does not answer',
      '',
      'skew:',
      '  sites on different versions: dc1 bbbbbbbbbbbb, dc2 aaaaaaaaaaaa',
      '  web: dc1 current, dc2 aaaaaaaaaaaa',
    ].join('\n'),
  );
});

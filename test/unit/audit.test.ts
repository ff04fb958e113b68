// turtle audit's findings: each check, its severity, the sites it was found on, and what the engines'
// image facts add (the image's user, health check, size). The CLI against real engines: test/integration/secrets.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpec, servicesForSite } from '../../src/spec/index.js';
import { audit, reaches, type SiteView } from '../../src/audit/audit.js';
import type { ImageFacts } from '../../src/runtime/types.js';
import { imageParts } from '../../src/domain/image.js';

const SPEC = `version: 1
project: shop
sites:
  dc1: { engine: unix:///run/d1.sock, capacity: { cpus: 4, memory: 4g } }
  dc2: { engine: unix:///run/d2.sock, capacity: { cpus: 4, memory: 4g } }
services:
  tight:
    image: app@sha256:${'a'.repeat(64)}
    user: "1000:1000"
    read_only: true
    healthcheck: { test: [CMD, /bin/true], interval: 5s }
    resources: { cpus: 0.25, memory: 64m }
  loose:
    image: nginx
    privileged: true
    network_mode: host
    cap_add: [NET_ADMIN]
    security_opt: ["seccomp=unconfined"]
    environment: { DB_PASSWORD: hunter2, DB_PASSWORD_FILE: /run/secrets/db, MODE: prod }
    sites: [dc1]
  plain:
    image: redis:7
    cap_add: [CHOWN]
    resources: { memory: 128m }
`;

const facts = (ref: string, user: string, healthcheck: boolean, sizeBytes = 10e6): ImageFacts => ({ ref, id: `sha256:${'b'.repeat(64)}`, digests: [], user, sizeBytes, healthcheck });

test('each check, with its severity and the sites it was found on, the most severe first', () => {
  const spec = parseSpec(SPEC, 'turtle.yaml', {});
  const images = new Map([['nginx', facts('nginx', '', false)], ['redis:7', facts('redis:7', 'redis', true, 600 * 1024 ** 2)], [`app@sha256:${'a'.repeat(64)}`, facts('app', '', false)]]);
  const views: SiteView[] = ['dc1', 'dc2'].map((site) => ({ site, services: servicesForSite(spec, site), images }));
  const found = audit(spec, views);
  assert.deepEqual(found.map((f) => `${f.severity} ${f.service ?? '-'} ${f.check} ${f.sites.join(',')}`), [
    'high loose cap-add dc1',
    'high loose host-network dc1',
    'high loose privileged dc1',
    'high loose secret-in-env dc1',
    'high loose unconfined dc1',
    'medium loose latest-tag dc1',
    'medium loose no-limits dc1',
    'medium loose root dc1',
    'medium plain cap-add dc1,dc2',
    'low - unkeyed-versions ',
    'low loose no-digest dc1',
    'low loose no-healthcheck dc1',
    'low loose writable-root dc1',
    'low plain image-size dc1,dc2',
    'low plain no-digest dc1,dc2',
    'low plain no-limits dc1,dc2',
    'low plain writable-root dc1,dc2',
  ]);
  const by = (service: string, check: string) => found.find((f) => f.service === service && f.check === check)!;
  // only the variable that holds a value, not its *_FILE sibling nor a harmless one
  assert.equal(by('loose', 'secret-in-env').message, "DB_PASSWORD looks like a secret and is in environment: in the spec, the engine's inspect and every process of the container");
  assert.equal(by('loose', 'cap-add').fix, 'NET_ADMIN gives the container power over the host: find a way without');
  assert.equal(by('loose', 'root').message, 'runs as root (the image says so, and the spec sets no user)');
  assert.equal(by('plain', 'image-size').message, 'redis:7 is 600 MB: slow to move to a router, and a large attack surface');
  assert.equal(by('plain', 'no-limits').message, 'no cpus limit: it can take what the router needs for routing');
  // redis runs as its image's user, and has the image's health check: no finding
  assert.equal(found.some((f) => f.service === 'plain' && (f.check === 'root' || f.check === 'no-healthcheck')), false);
  assert.equal(found.some((f) => f.service === 'tight'), false);
  assert.deepEqual([reaches(found, 'high'), reaches(found.filter((f) => f.severity !== 'high'), 'high'), reaches([], 'low')], [true, false, false]);
});

test('without the engines (offline, or a site that did not answer) a missing user is a possible root, and nothing is said of health checks or size', () => {
  const spec = parseSpec(SPEC, 'turtle.yaml', {});
  const found = audit({ ...spec, hashKey: 'k' }, [{ site: 'dc2', services: servicesForSite(spec, 'dc2') }]);
  assert.deepEqual(found.map((f) => `${f.severity} ${f.service} ${f.check}`), ['medium plain cap-add', 'medium plain root', 'low plain no-digest', 'low plain no-limits', 'low plain writable-root']);
  assert.equal(found[1]!.message, "sets no user, and the image's could not be read: it may run as root");
});

test('image references: tag and digest as engines read them', () => {
  assert.deepEqual(imageParts('nginx'), { name: 'nginx' });
  assert.deepEqual(imageParts('registry:5000/team/app:1.2'), { name: 'registry:5000/team/app', tag: '1.2' });
  assert.deepEqual(imageParts('registry:5000/app@sha256:abc'), { name: 'registry:5000/app', digest: 'sha256:abc' });
  assert.deepEqual(imageParts('app:1@sha256:abc'), { name: 'app', tag: '1', digest: 'sha256:abc' });
});

test('an image turtle.lock pins on a site is not reported unpinned there', () => {
  const spec = parseSpec(SPEC, 'turtle.yaml', {});
  spec.pins = { dc1: { 'redis:7': { id: `sha256:${'c'.repeat(64)}` } } };
  const found = audit(spec, ['dc1', 'dc2'].map((site) => ({ site, services: servicesForSite(spec, site) })));
  assert.deepEqual(found.filter((f) => f.check === 'no-digest').map((f) => `${f.service} ${f.sites.join(',')}`), ['loose dc1', 'plain dc2']);
});

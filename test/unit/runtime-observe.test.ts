// Inspect documents map to ObservedContainer exactly; Podman's health checks are run only when due.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toObserved, type InspectDoc } from '../../src/runtime/docker-api/_observe.js';
import { healthCheckDue } from '../../src/runtime/docker-api/_podman-health.js';

const doc: InspectDoc = {
  Id: 'abc123',
  Name: '/shop-web-1-0123abcd',
  Created: '2026-01-02T03:04:05.1Z',
  Config: {
    Image: 'localhost/turtle-test/web:1',
    Labels: { 'io.turtle.project': 'shop', 'io.turtle.site': 'dc1', 'io.turtle.service': 'web', 'io.turtle.replica': '2', 'io.turtle.config-hash': 'h' },
    Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000 },
  },
  State: { Status: 'running', StartedAt: '2026-01-02T03:04:06Z', ExitCode: 0, Health: { Status: 'healthy', Log: [{ End: '2026-01-02T03:04:10.5Z' }] } },
  HostConfig: { NanoCpus: 250_000_000, Memory: 0, MemoryReservation: 0 },
};

test('a running Podman container', () => {
  assert.deepEqual(toObserved(doc, 'podman'), {
    id: 'abc123',
    name: 'shop-web-1-0123abcd',
    project: 'shop',
    site: 'dc1',
    service: 'web',
    replica: 2,
    image: 'turtle-test/web:1',
    configHash: 'h',
    resources: { cpus: 0.25 },
    state: 'running',
    health: 'healthy',
    createdAt: '2026-01-02T03:04:05.1Z',
    startedAt: '2026-01-02T03:04:06Z',
  });
});

test('an exited container that never started, on Docker, keeps its image name and reports its exit code', () => {
  const exited = { ...doc, State: { Status: 'exited', StartedAt: '0001-01-01T00:00:00Z', ExitCode: 137, Health: null } };
  const o = toObserved(exited, 'docker');
  assert.equal(o.image, 'localhost/turtle-test/web:1');
  assert.equal(o.state, 'exited');
  assert.equal(o.health, 'none');
  assert.equal(o.exitCode, 137);
  assert.equal('startedAt' in o, false);
});

test('podman-native states map onto turtle states', () => {
  const stateOf = (Status: string) => toObserved({ ...doc, State: { Status } }, 'podman').state;
  assert.deepEqual(['configured', 'stopped', 'paused', 'weird'].map(stateOf), ['created', 'exited', 'paused', 'dead']);
});

test('a health check is due one interval after the last result, or after start when there is none', () => {
  const last = Date.parse('2026-01-02T03:04:10.5Z');
  assert.equal(healthCheckDue(doc, last + 999), false);
  assert.equal(healthCheckDue(doc, last + 1000), true);
  const never = { ...doc, State: { ...doc.State, Health: { Status: 'starting', Log: null } } };
  assert.equal(healthCheckDue(never, Date.parse('2026-01-02T03:04:06.9Z')), false);
  assert.equal(healthCheckDue(never, Date.parse('2026-01-02T03:04:07Z')), true);
  assert.equal(healthCheckDue({ ...doc, State: { Status: 'exited' } }, last + 5000), false);
  assert.equal(healthCheckDue({ ...doc, Config: { ...doc.Config, Healthcheck: { Test: ['NONE'] } } }, last + 5000), false);
});

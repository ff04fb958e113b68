// The create request body is exactly what the spec asks for, with turtle's labels winning over the user's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSpec } from '../../src/domain/types.js';
import { createBody } from '../../src/runtime/docker-api/_create-body.js';

const minimal: ContainerSpec = {
  name: 'shop-web-1-0123abcd',
  project: 'shop',
  site: 'dc1',
  service: 'web',
  replica: 1,
  image: 'turtle-test/web:1',
  env: {},
  ports: [],
  mounts: [],
  restart: 'no',
  labels: {},
  readOnly: false,
  capDrop: [],
  resources: {},
  priority: 'normal',
  dependsOn: {},
  running: true,
  configHash: 'f'.repeat(64),
};

const turtleLabels = {
  'io.turtle.managed': 'true',
  'io.turtle.project': 'shop',
  'io.turtle.site': 'dc1',
  'io.turtle.service': 'web',
  'io.turtle.replica': '1',
  'io.turtle.config-hash': 'f'.repeat(64),
  'io.turtle.priority': 'normal',
  'io.turtle.resources': '{}',
};

test('a minimal spec gives a body with only the required fields', () => {
  assert.deepEqual(createBody(minimal), {
    name: 'shop-web-1-0123abcd',
    Image: 'turtle-test/web:1',
    Env: [],
    Labels: turtleLabels,
    ExposedPorts: {},
    HostConfig: { PortBindings: {}, Mounts: [], RestartPolicy: { Name: 'no' }, ReadonlyRootfs: false, CapDrop: [] },
  });
});

test('every spec field lands in its engine field, in engine units', () => {
  const spec: ContainerSpec = {
    ...minimal,
    replica: 2,
    priority: 'critical',
    command: ['httpd', '-f'],
    entrypoint: ['/bin/sh', '-c'],
    env: { A: '1', B: 'x=y' },
    ports: [
      { host: 8080, container: 80, protocol: 'tcp' },
      { host: 8443, hostIp: '127.0.0.1', container: 80, protocol: 'tcp' },
      { container: 53, protocol: 'udp' },
    ],
    mounts: [
      { type: 'bind', source: '/srv/data', target: '/data', readOnly: true },
      { type: 'volume', source: 'cache', target: '/cache', readOnly: false },
      { type: 'tmpfs', target: '/tmp', readOnly: false },
    ],
    healthcheck: { test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health'], intervalMs: 500, timeoutMs: 2000, retries: 3, startPeriodMs: 1500 },
    restart: 'unless-stopped',
    labels: { team: 'ops', 'io.turtle.managed': 'false', 'io.turtle.project': 'forged' },
    user: '1000:1000',
    readOnly: true,
    capDrop: ['ALL'],
    resources: { cpus: 0.25, memory: 64 * 2 ** 20, memoryReservation: 32 * 2 ** 20 },
  };
  assert.deepEqual(createBody(spec), {
    name: 'shop-web-1-0123abcd',
    Image: 'turtle-test/web:1',
    Cmd: ['httpd', '-f'],
    Entrypoint: ['/bin/sh', '-c'],
    Env: ['A=1', 'B=x=y'],
    Labels: {
      team: 'ops',
      ...turtleLabels,
      'io.turtle.replica': '2',
      'io.turtle.priority': 'critical',
      'io.turtle.resources': '{"cpus":0.25,"memory":67108864,"memoryReservation":33554432}',
    },
    User: '1000:1000',
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    Healthcheck: {
      Test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health'],
      Interval: 500_000_000,
      Timeout: 2_000_000_000,
      Retries: 3,
      StartPeriod: 1_500_000_000,
    },
    HostConfig: {
      PortBindings: {
        '80/tcp': [
          { HostIp: '', HostPort: '8080' },
          { HostIp: '127.0.0.1', HostPort: '8443' },
        ],
        '53/udp': [{ HostIp: '', HostPort: '' }],
      },
      Mounts: [
        { Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: true },
        { Type: 'volume', Source: 'cache', Target: '/cache', ReadOnly: false },
        { Type: 'tmpfs', Target: '/tmp', ReadOnly: false },
      ],
      RestartPolicy: { Name: 'unless-stopped' },
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      NanoCpus: 250_000_000,
      Memory: 67_108_864,
      MemoryReservation: 33_554_432,
    },
  });
});

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
    HostConfig: { PortBindings: {}, Mounts: [], RestartPolicy: { Name: 'no' }, ReadonlyRootfs: false, CapDrop: [], LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } },
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
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  });
});

test('a container without logging gets a capped log: json-file on Docker, k8s-file on Podman', () => {
  assert.deepEqual(createBody(minimal, 'cgroupfs', undefined, 'podman').HostConfig.LogConfig, { Type: 'k8s-file', Config: { 'max-size': '10m' } });
});

test('every Compose container option lands in its engine field, in engine units', () => {
  const spec: ContainerSpec = {
    ...minimal,
    ports: [{ host: 8080, container: 80, protocol: 'tcp' }],
    options: {
      hostname: 'db', domainname: 'example.lan', expose: ['9000/udp'], capAdd: ['NET_ADMIN'], securityOpt: ['no-new-privileges:true'],
      privileged: true, devices: [{ host: '/dev/null', container: '/dev/nothing', permissions: 'rw' }], tmpfs: { '/run': 'size=1m' },
      extraHosts: ['router:192.168.1.1'], dns: ['1.1.1.1'], dnsSearch: ['lan'], dnsOpt: ['ndots:2'], sysctls: { 'net.core.somaxconn': '1024' },
      init: true, stopSignal: 'SIGQUIT', stopGraceMs: 1500, workingDir: '/app', ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
      pidsLimit: 200, logging: { driver: 'local', options: { 'max-size': '1m' } }, platform: 'linux/arm64', stdinOpen: true, tty: true,
      shmSize: 256 * 2 ** 20, groupAdd: ['audio'], oomScoreAdj: 500, memswapLimit: -1, runtime: 'crun',
    },
  };
  const body = createBody(spec);
  const { PortBindings: _p, Mounts: _m, RestartPolicy: _r, ReadonlyRootfs: _ro, CapDrop: _c, ...host } = body.HostConfig;
  assert.deepEqual(
    { platform: body.platform, Hostname: body.Hostname, Domainname: body.Domainname, WorkingDir: body.WorkingDir, StopSignal: body.StopSignal, StopTimeout: body.StopTimeout, OpenStdin: body.OpenStdin, Tty: body.Tty, ExposedPorts: body.ExposedPorts },
    { platform: 'linux/arm64', Hostname: 'db', Domainname: 'example.lan', WorkingDir: '/app', StopSignal: 'SIGQUIT', StopTimeout: 2, OpenStdin: true, Tty: true, ExposedPorts: { '9000/udp': {}, '80/tcp': {} } },
  );
  assert.deepEqual(host, {
    CapAdd: ['NET_ADMIN'], SecurityOpt: ['no-new-privileges:true'], Privileged: true,
    Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/nothing', CgroupPermissions: 'rw' }], Tmpfs: { '/run': 'size=1m' },
    ExtraHosts: ['router:192.168.1.1'], Dns: ['1.1.1.1'], DnsSearch: ['lan'], DnsOptions: ['ndots:2'], Sysctls: { 'net.core.somaxconn': '1024' },
    Init: true, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }], PidsLimit: 200, LogConfig: { Type: 'local', Config: { 'max-size': '1m' } },
    ShmSize: 268_435_456, GroupAdd: ['audio'], OomScoreAdj: 500, MemorySwap: -1, Runtime: 'crun',
  });
});

test('a declared volume with driver options is made by the engine with them', () => {
  const spec: ContainerSpec = { ...minimal, mounts: [{ type: 'volume', source: 'shop_cache', target: '/cache', readOnly: false, volume: { driverOpts: { type: 'tmpfs' }, labels: { tier: 'cache' } } }] };
  assert.deepEqual(createBody(spec).HostConfig.Mounts, [
    { Type: 'volume', Source: 'shop_cache', Target: '/cache', ReadOnly: false, VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'tmpfs' } }, Labels: { tier: 'cache' } } },
  ]);
});

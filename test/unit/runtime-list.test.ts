// Engine listings map to ObservedContainers exactly, and labels vouch for a container only when they can.
// The documents are what Docker 20.10 and Podman 4.3 returned for containers turtle created (fixtures/engine-lists).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ContainerSpec } from '../../src/domain/types.js';
import { fromDockerList, fromPodmanList, vouchedFor, type DockerListDoc, type Listed, type PodmanListDoc } from '../../src/runtime/docker-api/_list.js';
import { labelledResources, resourcesLabel } from '../../src/runtime/docker-api/_labels.js';

const fixture = <T>(name: string): T[] => JSON.parse(readFileSync(new URL(`../fixtures/engine-lists/${name}`, import.meta.url), 'utf8')) as T[];
const HASH = 'a'.repeat(64);
const MiB = 2 ** 20;
const owner = (id: string, service: string) => ({ id, name: `shop-${service}-1-0123abcd`, project: 'shop', site: 'dc1', service, replica: 1 });

test('Docker: a created, an exited and a healthy running container, from the listing alone', () => {
  const [idle, job, web] = fixture<DockerListDoc>('docker-containers.json').map(fromDockerList);
  assert.deepEqual(idle, {
    container: { ...owner('eeadc2700b1f6f03f445dc9df19e67ebb53528030563c2c0ae4c11c07f143d46', 'idle'), image: 'turtle-test/tools:1', configHash: HASH, state: 'created', health: 'none', networks: ['bridge'] },
    labelled: {},
    complete: true,
  });
  assert.deepEqual(job, {
    container: { ...owner('513664baabcf36e7f777b691d6dd84be0802471e68bb4dbb8701d390441f1e0d', 'job'), image: 'turtle-test/tools:1', configHash: HASH, state: 'exited', health: 'none', exitCode: 3, networks: ['bridge'] },
    labelled: {},
    complete: true,
  });
  assert.deepEqual(web, {
    container: {
      ...owner('27ff73207baa7765ad1af7bafbff2f1b3f2c5865bd1d095270da71e1d657fdfd', 'web'), image: 'turtle-test/web:1', configHash: HASH,
      state: 'running', health: 'healthy', ipAddress: '172.31.249.62', networks: ['bridge'],
    },
    labelled: { cpus: 0.5, memory: 64 * MiB },
    complete: true,
  });
});

test('Podman: its libpod listing gives health and exit code as fields, and no addresses', () => {
  const [web, job, idle] = fixture<PodmanListDoc>('podman-libpod-containers.json').map(fromPodmanList);
  assert.deepEqual(web, {
    container: { ...owner('b4e33546343d69657e8c0c9a70657b630b812d1ed096d6f1059e6e6a95620671', 'web'), image: 'turtle-test/web:1', configHash: HASH, state: 'running', health: 'healthy', networks: ['podman'] },
    labelled: { cpus: 0.5, memory: 64 * MiB },
    complete: true,
  });
  assert.deepEqual(job?.container, { ...owner('6171d05af56767cffca2759ab52709f036c7d1883f5df8a93b0c0fa419bf904b', 'job'), image: 'turtle-test/tools:1', configHash: HASH, state: 'exited', health: 'none', exitCode: 3, networks: ['podman'] });
  assert.deepEqual([idle?.container.state, idle?.container.health, idle?.complete], ['created', 'none', true]);
});

test("Podman 4.3's Docker-compatible listing says nothing of health, which is why turtle asks the libpod one", () => {
  const web = fixture<DockerListDoc>('podman-compat-containers.json').find((d) => d.Names[0] === '/shop-web-1-0123abcd');
  assert.equal(web?.Status, 'Up 1 second');
  assert.equal(fromDockerList(web!).container.health, 'none');
});

test('Docker health and exit codes as its Status string gives them; an image listed by id is incomplete', () => {
  const doc: DockerListDoc = { Id: 'c1', Names: ['/x'], Image: 'turtle-test/web:1', Labels: {}, State: 'running', Status: 'Up 3 seconds (health: starting)' };
  const cases: [Partial<DockerListDoc>, Partial<Listed['container']>, boolean][] = [
    [{}, { state: 'running', health: 'starting' }, true],
    [{ Status: 'Up 2 minutes (unhealthy)' }, { state: 'running', health: 'unhealthy' }, true],
    [{ Status: 'Up 2 minutes' }, { state: 'running', health: 'none' }, true],
    [{ State: 'exited', Status: 'Exited (137) 5 seconds ago' }, { state: 'exited', health: 'none', exitCode: 137 }, true],
    [{ State: 'dead', Status: 'Dead' }, { state: 'dead', health: 'none' }, false],
    [{ Image: 'sha256:11feefcfd2de5cae0b406b840acadece9e4a62f676fe8a91b93b33674943d8ea' }, { state: 'running', health: 'starting' }, false],
  ];
  for (const [change, want, complete] of cases) {
    const got = fromDockerList({ ...doc, ...change });
    const { state, health, exitCode } = got.container;
    assert.deepEqual({ state, health, ...(exitCode === undefined ? {} : { exitCode }) }, want, JSON.stringify(change));
    assert.equal(got.complete, complete, JSON.stringify(change));
  }
});

test('the resources label round-trips, and anything else in it reads as no label', () => {
  assert.equal(resourcesLabel({}), '{}');
  assert.equal(resourcesLabel({ cpus: 0.25, memory: 0, memoryReservation: 32 * MiB }), '{"cpus":0.25,"memoryReservation":33554432}');
  assert.deepEqual(labelledResources(resourcesLabel({ cpus: 1.5, memory: 64 * MiB })), { cpus: 1.5, memory: 64 * MiB });
  for (const bad of [undefined, '', 'x', '[]', 'null', '{"cpus":"1"}', '{"cpus":-1}', '{"disk":1}']) assert.equal(labelledResources(bad), undefined, String(bad));
});

const spec = (service: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: `shop-${service}-1-0123abcd`, project: 'shop', site: 'dc1', service, replica: 1, image: 'turtle-test/web:1', env: {}, ports: [], mounts: [],
  restart: 'no', labels: {}, readOnly: false, capDrop: [], resources: {}, priority: 'normal', dependsOn: {}, running: true, configHash: HASH, ...extra,
});

test('labels vouch for a container only on the expected slot, config and limits, alone in its slot and fully listed', () => {
  const listed = fixture<DockerListDoc>('docker-containers.json').map(fromDockerList);
  const web = listed[2]!;
  const expect = [spec('web', { resources: { cpus: 0.5, memory: 64 * MiB } })];
  assert.deepEqual(vouchedFor(web, listed, expect), { ...web.container, resources: { cpus: 0.5, memory: 64 * MiB } });
  const inspectWhen: [string, Listed, ContainerSpec[]][] = [
    ['no container expected there', web, [spec('api')]],
    ['another config', web, [spec('web', { configHash: 'b'.repeat(64), resources: { cpus: 0.5, memory: 64 * MiB } })]],
    ['other limits wanted (the label may be stale after an in-place update)', web, [spec('web', { resources: { cpus: 1, memory: 64 * MiB } })]],
    ['no resources label (made before turtle wrote one)', { ...web, labelled: undefined }, expect],
    ['not fully listed', { ...web, complete: false }, expect],
  ];
  for (const [why, l, e] of inspectWhen) assert.equal(vouchedFor(l, listed, e), undefined, why);
  const twin: Listed = { ...web, container: { ...web.container, id: 'twin' } };
  assert.equal(vouchedFor(web, [...listed, twin], expect), undefined, 'two containers in one slot: the planner needs their creation times');
});

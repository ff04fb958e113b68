// turtle.yaml's Spec -> the optimiser's input: capacities, budgets, overheads, limits and current placement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inputFromSpec } from '../../src/optimise/index.js';
import { parseSpec } from '../../src/spec/index.js';

const MiB = 2 ** 20;
const YAML = `
version: 1
project: home
sites:
  dc1: { role: edge, runtime: docker, engine: unix:///run/docker.sock, capacity: { cpus: 4, memory: 4g }, budget: { cpu: 10, memory: 10 } }
  dc2: { role: edge, runtime: podman, engine: unix:///run/podman.sock, capacity: { cpus: 2, memory: 512m }, budget: { cpu: 10, memory: 10 } }
  dc3: { role: observer, runtime: docker, engine: tcp://observer:2375 }
services:
  web:
    image: web:1
    priority: critical
    replicas: 2
    sites: [dc1]
    resources: { cpus: 0.1, memory: 128m, memory_reservation: 64m }
  dns:
    image: dns:1
    resources: { cpus: 0.1, memory: 32m }
`;

test('spec to input: observer sites without capacity are left out, replicas become totals, current placement kept', () => {
  const spec = parseSpec(YAML, 'turtle.yaml');
  const input = inputFromSpec(spec, { costs: {} });
  assert.deepEqual(input.sites.map((s) => [s.name, s.runtime, s.capacity.cpus, s.capacity.memory / MiB, s.overhead.perSite.memory / MiB]), [
    ['dc1', 'docker', 4, 4096, 142],
    ['dc2', 'podman', 2, 512, 38],
  ]);
  const web = input.services.find((s) => s.name === 'web')!;
  assert.deepEqual(web, {
    name: 'web', priority: 'critical', sites: ['dc1'], replicas: 2,
    min: { cpus: 0.025, memory: 64 * MiB }, max: { cpus: 0.1, memory: 128 * MiB }, observerClass: false,
    current: [{ site: 'dc1', cpus: 0.1, memory: 128 * MiB }, { site: 'dc1', cpus: 0.1, memory: 128 * MiB }],
  });
  const dns = input.services.find((s) => s.name === 'dns')!;
  assert.deepEqual([dns.sites, dns.replicas, dns.min], [['dc1', 'dc2'], 2, { cpus: 0.025, memory: 32 * MiB }]);
  assert.equal(inputFromSpec(spec, { placement: 'free' }).services[0]!.sites, undefined);
});

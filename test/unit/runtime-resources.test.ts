// Resource figures in and out of the engine: update bodies, read-back, the verification rule, stats maths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourcesOf } from '../../src/runtime/docker-api/_observe.js';
import { cpuPercent, cpuPercentBetween, hasPreCpu, memoryUsed } from '../../src/runtime/docker-api/_stats.js';
import { podmanKeepsUpdates, sameResources, updateBody } from '../../src/runtime/docker-api/_update.js';

const MiB = 2 ** 20;

test('update body per engine', () => {
  const r = { cpus: 1.5, memory: 256 * MiB, memoryReservation: 64 * MiB };
  assert.deepEqual(updateBody('docker', r), { NanoCpus: 1_500_000_000, Memory: 256 * MiB, MemorySwap: 512 * MiB, MemoryReservation: 64 * MiB });
  assert.deepEqual(updateBody('podman', r), { CpuPeriod: 100_000, CpuQuota: 150_000, Memory: 256 * MiB, MemorySwap: 512 * MiB, MemoryReservation: 64 * MiB });
  assert.deepEqual(updateBody('docker', {}), {});
});

test('resources read back from NanoCpus or quota/period; zero means no limit', () => {
  assert.deepEqual(resourcesOf({ NanoCpus: 500_000_000, Memory: 64 * MiB, MemoryReservation: 0 }), { cpus: 0.5, memory: 64 * MiB });
  assert.deepEqual(resourcesOf({ NanoCpus: 0, CpuQuota: 25_000, CpuPeriod: 100_000, MemoryReservation: MiB }), { cpus: 0.25, memoryReservation: MiB });
  assert.deepEqual(resourcesOf({ NanoCpus: 0, CpuQuota: -1, CpuPeriod: 100_000, Memory: 0 }), {});
});

test('a limit the engine kept is the same; a limit it could not remove is not', () => {
  assert.equal(sameResources({ cpus: 0.5, memory: 64 * MiB }, { cpus: 0.5000001, memory: 64 * MiB }), true);
  assert.equal(sameResources({ cpus: 0.5 }, { cpus: 0.5, memory: 64 * MiB }), false);
  assert.equal(sameResources({ cpus: 0.5, memoryReservation: MiB }, { cpus: 0.5 }), false);
  assert.equal(sameResources({}, {}), true);
});

test('only Podman 5.1 and later keep in-place updates', () => {
  const table: Array<[string, boolean]> = [['4.3.1', false], ['5.0.3', false], ['5.1.0', true], ['5.4.2', true], ['6.0.1', true], ['', false]];
  for (const [version, keeps] of table) assert.equal(podmanKeepsUpdates(version), keeps, version);
});

test('cpu percent of one core between two samples', () => {
  const before = { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000, online_cpus: 2 };
  const after = { cpu_usage: { total_usage: 2_000 }, system_cpu_usage: 14_000, online_cpus: 2 };
  assert.equal(cpuPercent(before, after), 50);
  assert.equal(cpuPercent(after, after), 0);
  assert.equal(hasPreCpu({ precpu_stats: before, cpu_stats: after }), true);
  // Podman 4.3's one-shot stats: the previous sample is all zeros.
  assert.equal(hasPreCpu({ precpu_stats: { cpu_usage: { total_usage: 0 } }, cpu_stats: after }), false);
});

test('memory used leaves out reclaimable cache (cgroup v1 and v2 names)', () => {
  assert.equal(memoryUsed({ memory_stats: { usage: 10 * MiB, stats: { total_inactive_file: 4 * MiB } } }), 6 * MiB);
  assert.equal(memoryUsed({ memory_stats: { usage: 10 * MiB, stats: { inactive_file: 3 * MiB } } }), 7 * MiB);
  assert.equal(memoryUsed({ memory_stats: { usage: 10 * MiB } }), 10 * MiB);
});

test('CPU between two samples of our own uses the read stamps, not the host counter', () => {
  const at = (read: string, total: number, system: number) => ({ read, cpu_stats: { cpu_usage: { total_usage: total }, system_cpu_usage: system, online_cpus: 2 } });
  // 0.5 s of CPU in 1 s: half a core, whatever the host counter (skewed here) says.
  const before = at('2026-11-26T23:00:00.000000000Z', 1_000_000_000, 10e9);
  const after = at('2026-11-26T23:00:01.000000000Z', 1_500_000_000, 10.7e9);
  assert.equal(cpuPercentBetween(before, after), 50);
  assert.equal(cpuPercentBetween(after, after), 0);
  // Without read stamps: the counter-based figure, as before.
  assert.equal(cpuPercentBetween({ cpu_stats: before.cpu_stats }, { cpu_stats: after.cpu_stats }), cpuPercent(before.cpu_stats, after.cpu_stats));
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectVersion, hierarchyWrites, kernelTaskLimits, pidsLimit, prepareHierarchy, prepareSlices, sliceUnits } from '../../src/governor/cgroups.js';
import { cgroupTree, detectLayout, files } from '../../src/governor/_paths.js';
import { prepareLocalHost } from '../../src/governor/prepare.js';
import { cgroupParentFor } from '../../src/runtime/docker-api/_create-body.js';

test('cgroup v1: the turtle parent gets the minimum cpu.shares, classes 1024/512/64, blkio likewise, and a task limit', () => {
  const { dirs, writes } = hierarchyWrites(1, '/cg');
  assert.deepEqual(dirs, [
    '/cg/cpu/turtle', '/cg/cpu/turtle/critical', '/cg/cpu/turtle/normal', '/cg/cpu/turtle/background',
    '/cg/blkio/turtle', '/cg/blkio/turtle/critical', '/cg/blkio/turtle/normal', '/cg/blkio/turtle/background', '/cg/pids/turtle',
  ]);
  assert.deepEqual(writes.map((w) => `${w.path}=${w.value}`), [
    '/cg/cpu/turtle/cpu.shares=2',
    '/cg/cpu/turtle/critical/cpu.shares=1024',
    '/cg/cpu/turtle/normal/cpu.shares=512',
    '/cg/cpu/turtle/background/cpu.shares=64',
    '/cg/blkio/turtle/blkio.weight=10',
    '/cg/blkio/turtle/critical/blkio.weight=500',
    '/cg/blkio/turtle/normal/blkio.weight=250',
    '/cg/blkio/turtle/background/blkio.weight=10',
    '/cg/pids/turtle/pids.max=8192',
  ]);
});

test('cgroup v2: controllers enabled top-down, cpu.weight 1 on the parent, classes 100/50/6', () => {
  const { dirs, writes } = hierarchyWrites(2, '/cg');
  assert.deepEqual(dirs, ['/cg/turtle', '/cg/turtle/critical', '/cg/turtle/normal', '/cg/turtle/background']);
  assert.deepEqual(writes.map((w) => `${w.path}=${w.value}`), [
    '/cg/cgroup.subtree_control=+cpu +io +memory +pids',
    '/cg/turtle/cgroup.subtree_control=+cpu +io +memory +pids',
    '/cg/turtle/cpu.weight=1',
    '/cg/turtle/io.weight=default 10',
    '/cg/turtle/pids.max=8192',
    '/cg/turtle/critical/cpu.weight=100',
    '/cg/turtle/critical/io.weight=default 500',
    '/cg/turtle/normal/cpu.weight=50',
    '/cg/turtle/normal/io.weight=default 250',
    '/cg/turtle/background/cpu.weight=6',
    '/cg/turtle/background/io.weight=default 10',
  ]);
});

test('prepare writes what the kernel offers and reports what it does not', () => {
  // A stand-in cgroup v1 tree: the kernel would create the files on mkdir; here only cpu offers them.
  const root = mkdtempSync(join(tmpdir(), 'turtle-cg-'));
  for (const dir of ['cpu/turtle/critical', 'cpu/turtle/normal', 'cpu/turtle/background', 'blkio']) mkdirSync(join(root, dir), { recursive: true });
  for (const f of ['cpu/turtle', 'cpu/turtle/critical', 'cpu/turtle/normal', 'cpu/turtle/background']) writeFileSync(join(root, f, 'cpu.shares'), '1024\n');
  assert.equal(detectVersion(root), 1);
  const r = prepareHierarchy(root, { pidMax: 32_768, threadsMax: 192_729 });
  assert.equal(readFileSync(join(root, 'cpu/turtle/cpu.shares'), 'utf8'), '2');
  assert.equal(readFileSync(join(root, 'cpu/turtle/background/cpu.shares'), 'utf8'), '64');
  assert.equal(r.written.length, 4);
  assert.deepEqual(r.skipped.map((p) => p.slice(root.length)), [
    '/blkio/turtle/blkio.weight', '/blkio/turtle/critical/blkio.weight', '/blkio/turtle/normal/blkio.weight', '/blkio/turtle/background/blkio.weight',
    '/pids/turtle/pids.max',
  ]);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpu io memory pids\n');
  assert.equal(detectVersion(root), 2);
  rmSync(root, { recursive: true });
});

test('the cgroup parent as each engine driver names it', () => {
  assert.equal(cgroupParentFor('/turtle/normal', 'cgroupfs'), '/turtle/normal');
  assert.equal(cgroupParentFor('/turtle/normal', 'systemd'), 'turtle-normal.slice');
});

test("the engine's systemd driver: slice units carry the same weights, the governor reads systemd's nested slices", () => {
  const units = sliceUnits();
  assert.deepEqual(units.map((u) => u.name), ['turtle.slice', 'turtle-critical.slice', 'turtle-normal.slice', 'turtle-background.slice']);
  assert.deepEqual(units.map((u) => u.text.split('\n').filter((l) => /^(CPU|IO)Weight=/.test(l)).join(' ')), [
    'CPUWeight=1 IOWeight=10', 'CPUWeight=100 IOWeight=500', 'CPUWeight=50 IOWeight=250', 'CPUWeight=6 IOWeight=10',
  ]);
  const v2 = cgroupTree(2, '/cg', 'turtle', 'systemd');
  const v1 = cgroupTree(1, '/cg', 'turtle', 'systemd');
  assert.deepEqual(
    [files.cpuQuota(v2), files.memoryLimit(v2, 'normal'), files.cpuQuota(v1), files.cpuUsage(v1), files.memoryLimit(v1, 'background'), files.memoryLimit(v1, 'turtle')],
    ['/cg/turtle.slice/cpu.max', '/cg/turtle.slice/turtle-normal.slice/memory.max', '/cg/cpu/turtle.slice/cpu.cfs_quota_us', '/cg/cpuacct/turtle.slice/cpuacct.usage',
      '/cg/memory/turtle.slice/turtle-background.slice/memory.limit_in_bytes', '/cg/memory/turtle.slice/memory.limit_in_bytes'],
  );
  assert.equal(files.memoryLimit(cgroupTree(2, '/cg'), 'normal'), '/cg/turtle/normal/memory.max');
});

test('deploy/systemd ships the slice units exactly as the agent writes them', () => {
  for (const { name, text } of sliceUnits()) assert.equal(readFileSync(join('deploy/systemd', name), 'utf8'), text, name);
});

test('slices: units installed under /etc are used as they are, missing ones written under /run, systemd reloaded only then', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-slices-'));
  const calls: string[] = [];
  const deps = { etcDir: join(dir, 'etc'), unitDir: join(dir, 'run'), root: dir, systemctl: (args: string[]) => void calls.push(args.join(' ')) };
  try {
    mkdirSync(deps.etcDir);
    writeFileSync(join(deps.etcDir, 'turtle.slice'), sliceUnits()[0]!.text);
    const first = prepareSlices(deps);
    assert.deepEqual(first.written.map((p) => p.slice(dir.length)), ['/run/turtle-critical.slice', '/run/turtle-normal.slice', '/run/turtle-background.slice']);
    assert.deepEqual(calls, ['daemon-reload', 'start turtle-critical.slice turtle-normal.slice turtle-background.slice']);
    calls.length = 0;
    assert.deepEqual(prepareSlices(deps).written, []);
    assert.deepEqual(calls, ['start turtle-critical.slice turtle-normal.slice turtle-background.slice']);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('prepareLocalHost: the systemd driver sets up slices; without systemctl it says so and containers still run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-slices-'));
  const site = { name: 'dc1', engine: 'unix:///var/run/docker.sock' };
  try {
    const ok = prepareLocalHost(site, dir, 'systemd', { etcDir: join(dir, 'etc'), unitDir: join(dir, 'run'), systemctl: () => undefined });
    assert.equal(ok?.ok, true);
    assert.match(ok!.message, /^turtle's containers run under turtle\.slice \(cgroup v1, the engine's systemd driver: weights set by slice units/);
    const failed = prepareLocalHost(site, dir, 'systemd', { etcDir: join(dir, 'etc'), unitDir: join(dir, 'run'), systemctl: () => { throw new Error('spawnSync systemctl ENOENT'); } });
    assert.equal(failed?.ok, false);
    assert.equal(failed!.message, "cannot set turtle's slice weights (spawnSync systemctl ENOENT): containers run, but without priority below the host's work; run turtle as root on dc1");
    assert.equal(prepareLocalHost({ name: 'dc2', engine: 'tcp://10.0.0.2:2375' }, dir, 'systemd'), undefined);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('the layout on disk: systemd slices when only turtle.slice exists, else cgroupfs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-layout-'));
  try {
    assert.equal(detectLayout(2, dir), 'cgroupfs');
    mkdirSync(join(dir, 'turtle.slice'));
    assert.equal(detectLayout(2, dir), 'systemd');
    mkdirSync(join(dir, 'cpu', 'turtle'), { recursive: true });
    assert.equal(detectLayout(1, dir), 'cgroupfs');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("turtle's containers together may have a quarter of the kernel's tasks: the lower of pid_max and threads-max", () => {
  assert.deepEqual([pidsLimit(32_768, 192_729), pidsLimit(4_194_304, 30_000), pidsLimit(100, 100)], [8_192, 7_500, 64]);
  const dir = mkdtempSync(join(tmpdir(), 'turtle-kernel-'));
  try {
    writeFileSync(join(dir, 'pid_max'), '4194304\n');
    writeFileSync(join(dir, 'threads-max'), '30000\n');
    assert.deepEqual(kernelTaskLimits(dir), { pidMax: 4_194_304, threadsMax: 30_000 });
    assert.deepEqual(kernelTaskLimits(join(dir, 'missing')), { pidMax: 32_768, threadsMax: 32_768 });
  } finally {
    rmSync(dir, { recursive: true });
  }
  assert.match(sliceUnits()[0]!.text, /\nTasksMax=25%\n/);
  assert.doesNotMatch(sliceUnits()[1]!.text, /TasksMax/);
});

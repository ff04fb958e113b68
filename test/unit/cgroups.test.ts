import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectVersion, hierarchyWrites, prepareHierarchy } from '../../src/governor/cgroups.js';
import { cgroupParentFor } from '../../src/runtime/docker-api/_create-body.js';

test('cgroup v1: the turtle parent gets the minimum cpu.shares, classes 1024/512/64, blkio likewise', () => {
  const { dirs, writes } = hierarchyWrites(1, '/cg');
  assert.deepEqual(dirs, [
    '/cg/cpu/turtle', '/cg/cpu/turtle/critical', '/cg/cpu/turtle/normal', '/cg/cpu/turtle/background',
    '/cg/blkio/turtle', '/cg/blkio/turtle/critical', '/cg/blkio/turtle/normal', '/cg/blkio/turtle/background',
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
  const r = prepareHierarchy(root);
  assert.equal(readFileSync(join(root, 'cpu/turtle/cpu.shares'), 'utf8'), '2');
  assert.equal(readFileSync(join(root, 'cpu/turtle/background/cpu.shares'), 'utf8'), '64');
  assert.equal(r.written.length, 4);
  assert.deepEqual(r.skipped.map((p) => p.slice(root.length)), [
    '/blkio/turtle/blkio.weight', '/blkio/turtle/critical/blkio.weight', '/blkio/turtle/normal/blkio.weight', '/blkio/turtle/background/blkio.weight',
  ]);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpu io memory pids\n');
  assert.equal(detectVersion(root), 2);
  rmSync(root, { recursive: true });
});

test('the cgroup parent as each engine driver names it', () => {
  assert.equal(cgroupParentFor('/turtle/normal', 'cgroupfs'), '/turtle/normal');
  assert.equal(cgroupParentFor('/turtle/normal', 'systemd'), 'turtle-normal.slice');
});

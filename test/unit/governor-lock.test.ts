// One governor acts on a cgroup parent; the others observe until the holder goes away.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParentLock } from '../../src/governor/_lock.js';

test('the first takes the lock, a second waits while the holder lives, and takes it once released', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-lock-'));
  try {
    const a = new ParentLock('turtle', dir);
    const b = new ParentLock('turtle', dir);
    assert.equal(a.path, join(dir, 'turtle-governor-turtle.pid'));
    assert.equal(a.acquire(), true);
    assert.equal(readFileSync(a.path, 'utf8'), String(process.pid));
    assert.equal(b.acquire(), false);
    a.release();
    assert.equal(b.acquire(), true);
    b.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a holder that died (a killed agent) is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-lock-'));
  try {
    const lock = new ParentLock('turtle', dir);
    writeFileSync(lock.path, '4194303'); // above any pid this kernel hands out by default
    assert.equal(lock.acquire(), true);
    assert.equal(lock.holder(), process.pid);
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

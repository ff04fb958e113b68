// Heavy work waits for a quiet window: at once without a governor, until quiet with one, never forever.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quietWindow, setQuietSource } from '../../src/governor/gate.js';

test('no governor in this process: no wait', async () => {
  setQuietSource(undefined);
  assert.ok((await quietWindow({ pollMs: 10 })) < 20);
});

test('a busy host: waits until the governor says quiet', async () => {
  let quiet = false;
  setQuietSource(() => quiet);
  setTimeout(() => (quiet = true), 100);
  const waited = await quietWindow({ pollMs: 10 });
  setQuietSource(undefined);
  assert.ok(waited >= 90 && waited < 400, `waited ${waited} ms`);
});

test('a host that never calms: the wait ends at maxWaitMs', async () => {
  setQuietSource(() => false);
  const waited = await quietWindow({ pollMs: 10, maxWaitMs: 80 });
  setQuietSource(undefined);
  assert.ok(waited >= 80 && waited < 300, `waited ${waited} ms`);
});

// The one percentile rule (nearest rank) that tests and benchmarks share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile } from '../helpers/stats.js';

test('nearest rank: the sample of rank ceil(p * n / 100), never an interpolation', () => {
  const xs = [50, 10, 40, 20, 30]; // unsorted on purpose
  const table: [number, number][] = [[1, 10], [20, 10], [21, 20], [50, 30], [80, 40], [81, 50], [95, 50], [100, 50]];
  for (const [p, want] of table) assert.equal(percentile(xs, p), want, `p${p}`);
  assert.deepEqual(xs, [50, 10, 40, 20, 30]);
});

test('exact ranks for whole p and n (no floating-point bump to the next sample)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 7), 7);
  assert.equal(percentile(hundred, 95), 95);
  assert.equal(percentile(Array.from({ length: 60 }, (_, i) => i + 1), 95), 57);
});

test('median: the middle sample, the lower middle one of an even count', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2);
  assert.equal(median([7]), 7);
});

test('no samples give NaN, a p outside (0, 100] is refused', () => {
  assert.equal(percentile([], 50), NaN);
  assert.throws(() => percentile([1], 0), /p must be in \(0, 100\], got 0/);
  assert.throws(() => percentile([1], 101), /got 101/);
});

// The site budget in a pushed desired state: what PUT /v1/desired accepts and refuses, word for word.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesired } from '../../src/agent/api/_validate.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const base = { project: 'p', specHash: 'a'.repeat(64), containers: [] };
const issues = (site: unknown) => {
  const r = parseDesired({ ...base, site }, 'dc1');
  return r.ok ? [] : r.invalid.issues;
};

test('a desired state without a site budget (an older CLI) is accepted and has none', () => {
  const r = parseDesired(base, 'dc1');
  assert.deepEqual(r, { ok: true, value: base });
});

test('a site budget, with and without its floor, is kept as sent', () => {
  const full = { capacity: { cpus: 2, memory: 2 * GiB }, budget: { cpu: 25, memory: 20, floor: 256 * MiB } };
  assert.deepEqual(parseDesired({ ...base, site: full }, 'dc1'), { ok: true, value: { ...base, site: full } });
  const noFloor = { capacity: { cpus: 0.5, memory: GiB }, budget: { cpu: 100, memory: 1 } };
  assert.deepEqual(parseDesired({ ...base, site: noFloor }, 'dc1'), { ok: true, value: { ...base, site: noFloor } });
});

const bad: [string, unknown, string[]][] = [
  ['not an object', 'big', ['site: Invalid input: expected object, received string']],
  ['null', null, ['site: Invalid input: expected object, received null']],
  ['out-of-range numbers', { capacity: { cpus: 0, memory: 1.5 }, budget: { cpu: 0, memory: 101, floor: 'x' } }, [
    'site.capacity.cpus: Too small: expected number to be >0',
    'site.capacity.memory: Invalid input: expected int, received number',
    'site.budget.cpu: Too small: expected number to be >=1',
    'site.budget.memory: Too big: expected number to be <=100',
    'site.budget.floor: Invalid input: expected number, received string',
  ]],
  ['missing and unknown fields', { capacity: { cpus: 2 }, budget: { cpu: 10, memory: 10, extra: 1 }, labels: {} }, [
    'site.capacity.memory: Invalid input: expected number, received undefined',
    'site.budget: Unrecognized key: "extra"',
    'site: Unrecognized key: "labels"',
  ]],
  ['a floor that leaves no room for the memory budget', { capacity: { cpus: 2, memory: GiB }, budget: { cpu: 10, memory: 50, floor: 600 * MiB } }, [
    "site.budget.floor: the floor of 600MiB and turtle's memory budget of 512MiB (50% of 1GiB) add up to more than the host has (1GiB); lower the floor to at most 512MiB, or the memory budget",
  ]],
];

for (const [name, site, want] of bad) {
  test(`a site budget is refused with a 400: ${name}`, () => {
    const r = parseDesired({ ...base, site }, 'dc1');
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual([r.invalid.status, r.invalid.error], [400, 'invalid desired state']);
    assert.deepEqual(issues(site), want);
  });
}

test('a floor that exactly fills what the memory budget leaves is accepted', () => {
  assert.deepEqual(issues({ capacity: { cpus: 2, memory: GiB }, budget: { cpu: 10, memory: 50, floor: 512 * MiB } }), []);
});

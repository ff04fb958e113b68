// sites.NAME.budget.floor: parsed as a size, and refused with the numbers when floor and budget overfill the host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpec } from '../../src/spec/index.js';
import { specProblems } from '../helpers/fixtures.js';

const spec = (budget: string) => `version: 1
project: shop
sites:
  dc1: { capacity: { cpus: 2, memory: 4g }, budget: ${budget} }
services:
  web: { image: nginx }
`;

const problems = (text: string) => specProblems(text);

test('budget.floor is a size, kept in bytes; absent stays absent (the governor defaults it to 10%)', () => {
  assert.equal(parseSpec(spec('{ floor: 512m }'), 'turtle.yaml', {}).sites.dc1?.budget.floor, 512 * 2 ** 20);
  assert.deepEqual(parseSpec(spec('{ cpu: 20 }'), 'turtle.yaml', {}).sites.dc1?.budget, { cpu: 20, memory: 10 });
});

const cases: [string, string, string[]][] = [
  ['a floor that leaves no room for the budget', '{ floor: 3.8g }', [
    "turtle.yaml:4:62: sites.dc1.budget.floor: the floor of 3.8 GiB that dc1 keeps available and turtle's memory budget of 409.6 MiB (10% of 4 GiB) add up to more than the host has (4 GiB) (lower sites.dc1.budget.floor to at most 3.6 GiB, or the memory budget)",
  ]],
  ['a floor that is not a size', '{ floor: lots }', [
    'turtle.yaml:4:62: sites.dc1.budget.floor: expected a size such as 512k, 256m or 1g, found "lots"',
  ]],
  ['a floor that fits exactly', '{ floor: 3.6g, memory: 10 }', []],
];

for (const [name, budget, expected] of cases) {
  test(`budget.floor: ${name}`, () => assert.deepEqual(problems(spec(budget)), expected));
}

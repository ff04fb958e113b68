// AHP, TOPSIS and sensitivity against textbook examples with known figures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ahp, sensitivity, topsis } from '../../src/decide/index.js';
import { InvalidInputError } from '../../src/lib/errors.js';

const round = (xs: number[], d = 4): number[] => xs.map((x) => Number(x.toFixed(d)));

test('AHP: the textbook 3x3 example gives weights 0.637/0.258/0.105, λmax 3.0385 and CR 0.033', () => {
  const r = ahp(['a', 'b', 'c'], [{ a: 'a', b: 'b', value: 3 }, { a: 'a', b: 'c', value: 5 }, { a: 'b', b: 'c', value: 3 }]);
  assert.deepEqual(round(r.weights), [0.637, 0.2583, 0.1047]);
  assert.equal(r.lambdaMax.toFixed(4), '3.0385');
  assert.equal(r.consistencyIndex.toFixed(4), '0.0193');
  assert.equal(r.consistencyRatio.toFixed(4), '0.0332');
});

test('AHP: a perfectly consistent matrix has λmax = n and CR 0', () => {
  const r = ahp(['a', 'b', 'c', 'd'], [
    { a: 'a', b: 'b', value: 2 }, { a: 'a', b: 'c', value: 4 }, { a: 'a', b: 'd', value: 8 },
    { a: 'b', b: 'c', value: 2 }, { a: 'b', b: 'd', value: 4 }, { a: 'c', b: 'd', value: 2 },
  ]);
  assert.deepEqual(round(r.weights), [0.5333, 0.2667, 0.1333, 0.0667]);
  assert.equal(r.lambdaMax.toFixed(6), '4.000000');
  assert.equal(Number(r.consistencyRatio.toFixed(9)), 0);
});

test('AHP: refuses CR above 0.1 and names the comparison most at odds with the rest', () => {
  const comparisons = [
    { a: 'a', b: 'b', value: 2 }, { a: 'a', b: 'c', value: 4 }, { a: 'a', b: 'd', value: 8 },
    { a: 'b', b: 'c', value: 2 }, { a: 'b', b: 'd', value: 4 }, { a: 'c', b: 'd', value: 1 / 7 },
  ];
  assert.throws(() => ahp(['a', 'b', 'c', 'd'], comparisons), (err: unknown) => {
    assert.ok(err instanceof InvalidInputError);
    assert.equal(err.message, 'the criteria comparisons are inconsistent: consistency ratio 0.361 is above 0.1');
    assert.equal(err.hint, 'c vs d = 1/7 disagrees most with the others, which imply about 1/2.22; revise that comparison');
    return true;
  });
});

test('AHP: a missing pair, an unknown criterion and an off-scale value are refused', () => {
  assert.throws(() => ahp(['a', 'b', 'c'], [{ a: 'a', b: 'b', value: 3 }, { a: 'a', b: 'c', value: 5 }]), { message: 'comparison b vs c is missing' });
  assert.throws(() => ahp(['a', 'b'], [{ a: 'a', b: 'x', value: 3 }]), { message: 'comparison a vs x names an unknown criterion' });
  assert.throws(() => ahp(['a', 'b'], [{ a: 'a', b: 'b', value: 12 }]), { message: "comparison a vs b = 12 is outside Saaty's scale 1/9..9" });
});

test('TOPSIS: the five-phone example (price is a cost) gives closeness 0.534/0.308/0.692/0.535/0.401', () => {
  const matrix = [[250, 16, 12, 5], [200, 16, 8, 3], [300, 32, 16, 4], [275, 32, 8, 4], [225, 16, 16, 2]];
  const r = topsis(matrix, [0.25, 0.25, 0.25, 0.25], ['cost', 'benefit', 'benefit', 'benefit']);
  assert.deepEqual(round(r.closeness), [0.5343, 0.3084, 0.6916, 0.5347, 0.401]);
  assert.deepEqual(r.ranking, [2, 3, 0, 4, 1]);
});

test('sensitivity: the weight at which the winner changes, found to 1e-6, both directions', () => {
  // A is cheaper, B does more; with two options the flip is where w_cost * 10/√500 = w_benefit * 4/√106
  const flips = sensitivity(['A', 'B'], ['cost', 'benefit'], [[10, 5], [20, 9]], [0.75, 0.25], ['cost', 'benefit']);
  const exact = (4 / Math.sqrt(106)) / (10 / Math.sqrt(500) + 4 / Math.sqrt(106));
  assert.equal(flips.length, 2);
  assert.equal(flips[0]!.winner, 'B');
  assert.ok(Math.abs(flips[0]!.to! - exact) < 1e-6, `cost flips at ${flips[0]!.to}, expected ${exact}`);
  assert.equal(flips[1]!.winner, 'B');
  assert.ok(Math.abs(flips[1]!.to! - (1 - exact)) < 1e-6, `benefit flips at ${flips[1]!.to}`);
});

test('sensitivity: an option best on every criterion never loses', () => {
  const flips = sensitivity(['A', 'B'], ['x', 'y'], [[1, 9], [2, 3]], [0.5, 0.5], ['cost', 'benefit']);
  assert.deepEqual(flips, [{ criterion: 'x', from: 0.5 }, { criterion: 'y', from: 0.5 }]);
});

// Percentiles and medians for tests and benchmarks: one rule, so figures from different benches compare.
//
// The rule is nearest-rank: the p-th percentile of n samples is the smallest sample such that at least p % of
// the samples are at or below it, i.e. the sample of rank ceil(p/100 * n) (1-based) in ascending order. It is
// always one of the samples (never an interpolation), p50 of an even count is the lower middle sample, and
// p100 is the maximum. An empty list has no percentile: NaN, so a bench prints "NaN" rather than a made-up 0.

/** The p-th percentile (0 < p <= 100) of `xs` by nearest rank; `xs` need not be sorted and is not changed. */
export function percentile(xs: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  const sorted = [...xs].sort((a, b) => a - b);
  // p * n / 100 rather than p / 100 * n: exact for whole p and n (0.07 * 100 is 7.000000000000001).
  return sorted[Math.ceil((p * sorted.length) / 100) - 1] ?? NaN;
}

/** The median by the same rule: percentile(xs, 50). */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

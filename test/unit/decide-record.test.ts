// The decision record's markdown, its file name, and the review of its predictions, as exact text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, recordFileName, renderDecisionRecord, renderReview, reviewPredictions } from '../../src/decide/index.js';
import type { DecisionProblem } from '../../src/decide/index.js';

function problem(): DecisionProblem {
  return {
    number: 7,
    title: 'Container runtime for dc2 (OpenWrt)',
    date: '2025-01-15',
    context: 'dc2 has 512 MB of RAM; turtle may use 10% of it.',
    criteria: [
      { name: 'daemon memory', kind: 'cost', unit: 'MB', description: 'resident memory of the engine when idle' },
      { name: 'start', kind: 'cost', unit: 's', description: 'container start latency' },
      { name: 'isolation', kind: 'benefit', unit: '1-5', description: 'namespaces, cgroup limits, read-only roots' },
    ],
    comparisons: [
      { a: 'daemon memory', b: 'start', value: 5 },
      { a: 'daemon memory', b: 'isolation', value: 2 },
      { a: 'isolation', b: 'start', value: 3 },
    ],
    options: [
      { name: 'docker', description: 'Docker Engine (dockerd + containerd)', consequences: ['dockerd stays resident'], predictions: [] },
      {
        name: 'podman', description: 'Podman, daemonless', consequences: ['no engine daemon between deploys'],
        predictions: [{ id: 'p1', metric: 'engine_rss_mb', site: 'dc2', op: '<=', value: 40, text: 'engine RSS ≤ 40 MB on dc2' }],
      },
    ],
    inputs: [
      { option: 'docker', criterion: 'daemon memory', value: 142, source: 'measured here: dockerd 100 MB + containerd 42 MB (ENVIRONMENT.md)' },
      { option: 'docker', criterion: 'start', value: 0.55, source: 'probe dc1, median of 5' },
      { option: 'docker', criterion: 'isolation', value: 5, source: 'judgement: same kernel features as Podman' },
      { option: 'podman', criterion: 'daemon memory', value: 38, source: 'measured here: podman system service (ENVIRONMENT.md)' },
      { option: 'podman', criterion: 'start', value: 0.65, source: 'probe dc2, median of 5' },
      { option: 'podman', criterion: 'isolation', value: 5, source: 'judgement: same kernel features as Docker' },
    ],
  };
}

test('decision record: file name and markdown', () => {
  const record = decide(problem());
  assert.equal(record.winner, 'podman');
  assert.equal(recordFileName(record), '0007-container-runtime-for-dc2-openwrt.md');
  assert.equal(renderDecisionRecord(record), EXPECTED);
});

test('review: held, broken and no data, each with the deciding observation', () => {
  const predictions = [
    { id: 'p1', metric: 'engine_rss_mb', site: 'dc2', op: '<=' as const, value: 40, text: 'engine RSS ≤ 40 MB on dc2' },
    { id: 'p2', metric: 'agent_rss_mb', site: 'dc1', op: '<=' as const, value: 60, text: 'agent RSS ≤ 60 MB on dc1' },
    { id: 'p3', metric: 'free_cpu', site: 'dc1', op: '>=' as const, value: 0.9, text: 'dc1 keeps 90% of its CPU free' },
  ];
  const observations = [
    { metric: 'engine_rss_mb', site: 'dc2', value: 36, at: '2025-01-16T10:00:00Z' },
    { metric: 'engine_rss_mb', site: 'dc2', value: 39.5, at: '2025-01-17T10:00:00Z' },
    { metric: 'engine_rss_mb', site: 'dc2', value: 80, at: '2025-01-01T10:00:00Z' },
    { metric: 'agent_rss_mb', site: 'dc1', value: 52, at: '2025-01-16T10:00:00Z' },
    { metric: 'agent_rss_mb', site: 'dc1', value: 64, at: '2025-01-18T10:00:00Z' },
    { metric: 'agent_rss_mb', site: 'dc2', value: 99, at: '2025-01-18T10:00:00Z' },
  ];
  const reviews = reviewPredictions(predictions, observations, '2025-01-15');
  assert.deepEqual(reviews.map((r) => [r.verdict, r.observations]), [['held', 2], ['broken', 2], ['no data', 0]]);
  assert.equal(renderReview(reviews), [
    'held    [p1] engine RSS ≤ 40 MB on dc2: worst of 2 observations 39.5 at 2025-01-17T10:00:00Z',
    'broken  [p2] agent RSS ≤ 60 MB on dc1: worst of 2 observations 64 at 2025-01-18T10:00:00Z',
    'no data [p3] dc1 keeps 90% of its CPU free: nothing observed for free_cpu on dc1 yet',
    '',
  ].join('\n'));
});

const EXPECTED = `# 0007. Container runtime for dc2 (OpenWrt)

Date: 2025-01-15. Status: decided by \`turtle decide\`.

## Context

dc2 has 512 MB of RAM; turtle may use 10% of it.

## Options

- **docker**: Docker Engine (dockerd + containerd)
- **podman**: Podman, daemonless

## Inputs

| option | daemon memory (MB, lower is better) | start (s, lower is better) | isolation (1-5, higher is better) |
| --- | ---: | ---: | ---: |
| docker | 142 | 0.55 | 5 |
| podman | 38 | 0.65 | 5 |

Sources:

- docker / daemon memory = 142: measured here: dockerd 100 MB + containerd 42 MB (ENVIRONMENT.md)
- docker / start = 0.55: probe dc1, median of 5
- docker / isolation = 5: judgement: same kernel features as Podman
- podman / daemon memory = 38: measured here: podman system service (ENVIRONMENT.md)
- podman / start = 0.65: probe dc2, median of 5
- podman / isolation = 5: judgement: same kernel features as Docker

## Weights

AHP from 3 pairwise comparisons (principal eigenvector); λmax 3.004, consistency ratio 0.003 (accepted at ≤ 0.1).

- daemon memory vs start: 5
- daemon memory vs isolation: 2
- isolation vs start: 3

| criterion | weight |
| --- | ---: |
| daemon memory: resident memory of the engine when idle | 0.582 |
| start: container start latency | 0.109 |
| isolation: namespaces, cgroup limits, read-only roots | 0.309 |

## Scores

TOPSIS closeness to the ideal option (1 = best on every criterion).

| rank | option | closeness |
| ---: | --- | ---: |
| 1 | podman | 0.970 |
| 2 | docker | 0.030 |

## Decision

**podman**.

Sensitivity (weight of one criterion changed, the others rescaled):

- daemon memory (0.582): at 0.042 (−0.540) docker wins instead
- start (0.109): at 0.797 (+0.688) docker wins instead
- isolation (0.309): no weight from 0 to 1 changes the winner

## Consequences

- no engine daemon between deploys

## Predictions

Checked by \`turtle decide review\` against what the store observes after this date.

- [p1] engine RSS ≤ 40 MB on dc2 (\`engine_rss_mb\` on dc2 <= 40)
`;

// Probes, observations and decision records in the store (real SQLite, in memory).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../../src/store/index.js';
import type { DecisionRecord } from '../../src/decide/index.js';
import { sampleProbe } from '../helpers/fixtures.js';

test('a probe is stored with its observations, read back whole, newest first', () => {
  const store = Store.open(':memory:');
  const a = store.probes.add(sampleProbe('dc1', '2026-01-01T10:00:00.000Z', 140));
  const b = store.probes.add(sampleProbe('dc1', '2026-01-02T10:00:00.000Z', 150));
  store.probes.add(sampleProbe('dc2', '2026-01-03T10:00:00.000Z', 38));
  assert.deepEqual(store.probes.get(a)?.probe, sampleProbe('dc1', '2026-01-01T10:00:00.000Z', 140));
  assert.equal(store.probes.latest('dc1')?.id, b);
  assert.equal(store.probes.latest('dc1', 'podman'), undefined);
  assert.deepEqual(store.probes.list('dc1').map((p) => p.id), [b, a]);
  assert.deepEqual(
    store.probes.observations('2026-01-02').filter((o) => o.site === 'dc1').map((o) => [o.metric, o.value, o.source]),
    [
      ['engine_rss_mb.docker', 150, `probe ${b}`], ['per_container_mb.docker', 13, `probe ${b}`], ['start_latency_ms.docker', 600, `probe ${b}`],
      ['cpu_overhead_percent.docker', 2, `probe ${b}`], ['free_cpus', 1.5, `probe ${b}`], ['free_memory_mb', 2000, `probe ${b}`],
    ],
  );
  store.close();
});

test('a remote engine gives no engine RSS and no free capacity, rather than zeros', () => {
  const store = Store.open(':memory:');
  const remote = { ...sampleProbe('dc1', '2026-01-01T10:00:00.000Z', 0), daemons: [], free: { cpus: Number.NaN, memoryBytes: Number.NaN } };
  store.probes.add(remote);
  assert.deepEqual(store.probes.observations().map((o) => o.metric), ['per_container_mb.docker', 'start_latency_ms.docker', 'cpu_overhead_percent.docker']);
  store.close();
});

test('a decision record and its predictions; saving the same number again replaces it', () => {
  const store = Store.open(':memory:');
  const record = (winner: string, value: number) => ({
    problem: { number: 1, title: 'Container runtime for dc1', date: '2026-01-01' },
    winner,
    predictions: [{ id: 'p1', metric: 'engine_rss_mb', site: 'dc1', op: '<=', value, text: `engine RSS ≤ ${value} MB on dc1` }],
  }) as unknown as DecisionRecord;
  assert.equal(store.decisions.nextNumber(), 1);
  store.decisions.save(record('podman', 40), 'docs/decisions/0001-container-runtime-for-dc1.md');
  store.decisions.save(record('docker', 200), 'docs/decisions/0001-container-runtime-for-dc1.md');
  const [d] = store.decisions.list();
  assert.equal(store.decisions.list().length, 1);
  assert.deepEqual({ ...d, record: undefined }, {
    number: 1, title: 'Container runtime for dc1', date: '2026-01-01', winner: 'docker',
    file: 'docs/decisions/0001-container-runtime-for-dc1.md', record: undefined,
    predictions: [{ id: 'p1', metric: 'engine_rss_mb', site: 'dc1', op: '<=', value: 200, text: 'engine RSS ≤ 200 MB on dc1' }],
  });
  assert.equal(store.decisions.nextNumber(), 2);
  store.close();
});

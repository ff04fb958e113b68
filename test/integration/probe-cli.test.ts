// `turtle probe` through the real CLI on real Docker: measured, printed with spread, and stored.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Store } from '../../src/store/index.js';
import { Workdir } from '../helpers/cli.js';
import { engines, skipEngines } from '../helpers/engines.js';

const docker = engines().find((e) => e.kind === 'docker')!;

describe(`turtle probe on ${docker.endpoint}`, { skip: skipEngines }, () => {
  const work = new Workdir();
  after(() => work.remove());
  work.write(`
version: 1
project: probe-cli
sites:
  dc1: { role: edge, runtime: docker, engine: "${docker.endpoint}", capacity: { cpus: 2, memory: 2g } }
services:
  web: { image: "turtle-test/web:1" }
`);

  test('prints min / median / max, stores the probe and its observations', async () => {
    const r = await work.run(['probe', '--site', 'dc1', '--repeats', '2']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^site dc1: docker \d+\.\d+\.\d+\S* \(API [\d.]+, linux\/\w+\) at unix:\/\/\/\S+, probed \d{4}-/);
    for (const label of ['daemon RSS', 'container start', 'per-container memory', 'busy loop, native', 'busy loop, container']) {
      assert.match(r.stdout, new RegExp(`  ${label} +[\\d.]+ / [\\d.]+ / [\\d.]+ .*\\(min / median / max of 2\\)`));
    }
    assert.match(r.stdout, /\nstored as probe 1\n$/);

    const store = Store.open(join(work.dir, 'state.db'));
    try {
      const stored = store.probes.latest('dc1');
      assert.equal(stored?.id, 1);
      assert.equal(stored?.probe.engine.kind, 'docker');
      assert.deepEqual(stored?.probe.daemons.map((d) => d.name), ['dockerd', 'containerd']);
      assert.equal(stored?.probe.startLatencyMs.n, 2);
      assert.deepEqual(store.probes.observations().map((o) => `${o.metric} ${o.site} ${o.source}`), [
        'engine_rss_mb.docker dc1 probe 1', 'per_container_mb.docker dc1 probe 1', 'start_latency_ms.docker dc1 probe 1',
        'cpu_overhead_percent.docker dc1 probe 1', 'free_cpus dc1 probe 1', 'free_memory_mb dc1 probe 1',
      ]);
    } finally {
      store.close();
    }
  });

  test('--json gives the stored id with the probe', async () => {
    const p = await work.json<{ id: number; site: string; daemonRssBytes: { n: number } }>(['probe', '--site', 'dc1', '--repeats', '1']);
    assert.deepEqual([p.id, p.site, p.daemonRssBytes.n], [2, 'dc1', 1]);
  });
});

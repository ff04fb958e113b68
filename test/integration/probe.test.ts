// probeSite against the real Docker and Podman test engines (bash scripts/engines.sh start).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { probeSite, renderProbe } from '../../src/probe/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { engines, skipEngines, testImage } from '../helpers/engines.js';

const MB = 1e6;

for (const engine of engines()) {
  describe(`probe: ${engine.kind} at ${engine.endpoint}`, { skip: skipEngines }, () => {
    test('measures versions, daemon and per-container memory, start latency, CPU overhead and free capacity', async () => {
      const rt = createRuntime(engine);
      const p = await probeSite(rt, { site: 'lab', image: testImage(engine.kind, 'tools:1'), repeats: 3, loopIterations: 150_000 });
      console.log(renderProbe(p));
      assert.equal(p.engine.kind, engine.kind);
      assert.match(p.engine.version, /^\d+\.\d+\.\d+/);
      // the engine serving the socket was found by its command line, with dockerd's own containerd
      assert.deepEqual(p.daemons.map((d) => d.name), engine.kind === 'docker' ? ['dockerd', 'containerd'] : ['podman']);
      assert.ok(p.daemonRssBytes.min > 10 * MB && p.daemonRssBytes.max < 1000 * MB, `daemon RSS ${p.daemonRssBytes.median}`);
      for (const s of [p.daemonRssBytes, p.startLatencyMs, p.perContainerBytes, p.nativeLoopCpuMs, p.containerLoopCpuMs]) {
        assert.equal(s.n, 3);
        assert.ok(s.min <= s.median && s.median <= s.max);
      }
      assert.ok(p.startLatencyMs.min > 10 && p.startLatencyMs.max < 30_000, `start ${p.startLatencyMs.median} ms`);
      assert.ok(p.perContainerBytes.min > 0.5 * MB && p.perContainerBytes.max < 100 * MB, `per container ${p.perContainerBytes.median}`);
      assert.ok(Number.isFinite(p.cpuOverheadPercent));
      assert.ok(p.free.cpus >= 0 && p.free.cpus <= p.host.cpus + 0.01 && p.free.memoryBytes > 0);
      assert.deepEqual(await rt.list('turtle-probe'), [], 'the probe leaves no container behind');
    });
  });
}

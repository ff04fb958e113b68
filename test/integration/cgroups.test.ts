// turtle's containers really run under the low-weight /turtle parent, on real Docker and Podman and the
// real kernel (this machine: cgroup v1 with the cgroupfs driver).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { renderSite } from '../../src/domain/index.js';
import { detectVersion, kernelTaskLimits, pidsLimit, prepareHierarchy } from '../../src/governor/cgroups.js';
import { createRuntime } from '../../src/runtime/index.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import type { ServiceSpec } from '../../src/spec/index.js';

const service = (name: string, priority: ServiceSpec['priority']): ServiceSpec => ({
  name, image: 'turtle-test/tools:1', env: {}, ports: [], mounts: [], restart: 'no', labels: {}, readOnly: false,
  capDrop: [], priority, resources: {}, dependsOn: {}, sites: ['dc1'], replicas: 1,
});

const v1 = detectVersion() === 1;

test('the hierarchy on this host has the weights turtle set', { skip: skipEngines }, () => {
  const r = prepareHierarchy();
  const read = (p: string) => readFileSync(`/sys/fs/cgroup/${p}`, 'utf8').trim();
  const { pidMax, threadsMax } = kernelTaskLimits();
  if (r.version === 1) {
    assert.deepEqual(['turtle', 'turtle/critical', 'turtle/normal', 'turtle/background'].map((p) => read(`cpu/${p}/cpu.shares`)), ['2', '1024', '512', '64']);
    assert.equal(read('pids/turtle/pids.max'), String(pidsLimit(pidMax, threadsMax)));
  } else {
    assert.deepEqual(['turtle', 'turtle/critical', 'turtle/normal', 'turtle/background'].map((p) => read(`${p}/cpu.weight`)), ['1', '100', '50', '6']);
    assert.equal(read('turtle/pids.max'), String(pidsLimit(pidMax, threadsMax)));
  }
});

for (const engine of engines()) {
  describe(`containers under /turtle on ${engine.kind}`, { skip: skipEngines }, () => {
    const project = `cgroups-${engine.kind}-${process.pid}`;
    const rt = createRuntime(engine);
    after(async () => {
      await removeProject(rt, project);
    });

    test('each priority class gets its own child of the turtle parent (cpu, and pids for the task limit)', async () => {
      prepareHierarchy();
      // no planner here to make the project network: these two stay on the engine's default bridge
      const specs = renderSite([service('crit', 'critical'), service('bg', 'background')], { project, site: 'dc1' }).map(({ networks: _n, ...s }) => s);
      for (const s of specs) await rt.start(await rt.create(s));
      for (const c of await rt.list(project)) {
        const inspect = (await engineRequest(engine.endpoint, 'GET', `/containers/${c.id}/json`)).body as { State: { Pid: number } };
        const lines = readFileSync(`/proc/${inspect.State.Pid}/cgroup`, 'utf8').split('\n');
        const cpu = lines.find((l) => (v1 ? /:cpu(,|:)/.test(l) || /:cpu,cpuacct:/.test(l) : l.startsWith('0::')));
        const klass = c.service === 'crit' ? 'critical' : 'background';
        assert.match(cpu ?? '', new RegExp(`:/turtle/${klass}/`), `${c.service}: ${cpu}`);
        // the task limit on the parent holds for its children: the container's pids cgroup is below it
        if (v1) assert.match(lines.find((l) => /:pids:/.test(l)) ?? '', new RegExp(`:pids:/turtle/${klass}/`), `${c.service}: pids`);
      }
    });
  });
}

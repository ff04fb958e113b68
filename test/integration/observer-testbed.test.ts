// The issue's replication test on the three-site test bed (scripts/testbed.sh): the observer runs in dc3's
// network namespace and mirrors dc1 (Docker) and dc2 (Podman) over the bridge; dc1's link is cut for 60 s
// while its agent keeps producing events (a service killed every 3 s); after healing the observer holds
// every one of dc1's events exactly once, compared with dc1's own store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Store, type TurtleEvent } from '../../src/store/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { ObserverStore } from '../../src/observer/index.js';
import { engineRequest, skipEngines } from '../helpers/engines.js';
import { until } from '../helpers/agent.js';
import { cutSite, healSite, siteApi, skipTestbed, testbed, testbedDown, testbedIdentity, testbedUp } from '../helpers/testbed.js';
import { desiredFor } from '../helpers/observer-sites.js';
import { ObserverProcess } from '../helpers/observer.js';

const project = `obstb-${process.pid}`;
const RUN = '/run/turtle-testbed';

describe('the observer on the three-site test bed', { skip: skipEngines || skipTestbed }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-observer-testbed-'));
  const storePath = join(dir, 'observer.db');
  let observer: ObserverProcess | undefined;

  const agentEvents = (site: 'dc1' | 'dc2'): TurtleEvent[] => {
    const store = Store.open(`${RUN}/${site}/agent.db`);
    try {
      return store.events.list({ site, after: 0, limit: 10_000_000 });
    } finally {
      store.close();
    }
  };
  const mirrored = <T>(fn: (s: ObserverStore) => T): T => {
    const s = ObserverStore.open(storePath);
    try {
      return fn(s);
    } finally {
      s.close();
    }
  };

  before(async () => {
    await testbedUp();
    const operator = testbedIdentity('operator');
    for (const site of ['dc1', 'dc2'] as const) {
      const r = await siteApi(site, operator, 'PUT', '/v1/desired', { body: JSON.stringify(desiredFor(project, { site })) });
      assert.equal(r.status, 202, r.text);
    }
    const spec = join(dir, 'turtle.yaml');
    writeFileSync(spec, `version: 1
project: ${project}
sites:
  dc1: { runtime: docker, agent: "${testbed.sites.dc1.agent}", capacity: { cpus: 2, memory: 2g } }
  dc2: { runtime: podman, agent: "${testbed.sites.dc2.agent}", capacity: { cpus: 2, memory: 2g } }
  dc3: { role: observer, runtime: docker }
services:
  web: { image: turtle-test/web:1 }
`);
    observer = await ObserverProcess.start({ spec, state: storePath, tlsDir: testbed.tls.observer, listen: `${testbed.sites.dc3.address}:8080`, netns: 'dc3' });
  });

  after(async () => {
    await observer?.stop();
    await healSite('dc1').catch(() => undefined);
    await testbedDown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('dc1 cut off for 60 s while producing events: afterwards the observer in dc3 holds every event exactly once', async () => {
    const dc1 = testbed.sites.dc1;
    const rt = createRuntime({ kind: 'docker', endpoint: dc1.engine.endpoint });
    await until('web running on dc1', async () => (await rt.list(project)).find((c) => c.service === 'web' && c.state === 'running'), 90_000);
    await until('dc1 mirrored', async () => (mirrored((s) => s.sites.cursor('dc1')) >= (agentEvents('dc1').at(-1)?.seq ?? 1) ? true : undefined), 30_000);
    await cutSite('dc1');
    // read the position only once the link is down: an event the agent wrote just before the cut may still
    // have crossed it (CI saw one arrive between the "mirrored" check and the cut)
    await sleep(500);
    const before = mirrored((s) => s.sites.cursor('dc1'));
    const cutAt = Date.now();
    let kills = 0;
    // the engine's unix socket is outside dc1's network: the agent sees every kill and reports it. The cut lasts
    // 60 s and then until 10 kills were made (for at most 3 min): a loaded machine restarts web more slowly,
    // and its restart backoff grows with the kills, so 60 s alone gave 9 kills in one run
    const enough = () => Date.now() - cutAt >= 60_000 && (kills >= 10 || Date.now() - cutAt >= 180_000);
    while (!enough()) {
      const web = (await rt.list(project)).find((c) => c.service === 'web' && c.state === 'running');
      if (web) {
        await engineRequest(dc1.engine.endpoint, 'POST', `/containers/${web.id}/kill?signal=KILL`);
        kills++;
      }
      await sleep(3_000);
    }
    const duringCut = mirrored((s) => s.sites.cursor('dc1'));
    await healSite('dc1');

    const theirs = agentEvents('dc1');
    const top = theirs.at(-1)?.seq ?? 0;
    await until('dc1 caught up in dc3', async () => (mirrored((s) => s.sites.cursor('dc1')) >= top ? true : undefined), 90_000);
    const ours = mirrored((s) => s.events.list({ site: 'dc1', limit: 10_000_000 })).filter((e) => e.seq <= top);
    assert.equal(duringCut, before, 'nothing of dc1 reached dc3 during the cut');
    assert.ok(kills >= 10, `${kills} kills`);
    const produced = theirs.filter((e) => e.seq > before);
    // the restart backoff grows while kills keep coming, so not every kill is a failure of its own
    assert.ok(produced.length >= 20 && produced.filter((e) => e.type === 'health.failed').length >= 3, `${produced.length} events during the cut: ${produced.map((e) => e.type).join(', ')}`);
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(ours.map((e) => e.seq), theirs.map((e) => e.seq));
    assert.deepEqual(ours.map(({ appliedAt: _, ...e }) => e), theirs);
    // dc2 was never cut: it stayed in step
    const dc2 = agentEvents('dc2');
    await until('dc2 in step', async () => (mirrored((s) => s.sites.cursor('dc2')) >= (dc2.at(-1)?.seq ?? 0) ? true : undefined), 15_000);
  });
});

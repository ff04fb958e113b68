// The site budget travels with a deploy: a real agent running its governor takes turtle.yaml's budget and
// floor from the pushed desired state (and again from its store after a restart), GET /v1/governor reports
// them, and `turtle top` shows the agent site's governor.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueCert } from '../../src/pki/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { sampleHost } from '../../src/governor/host.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { AgentFixture, api, until, type Identity } from '../helpers/agent.js';

const LIMIT = { timeout: 120_000 };
const MiB = 2 ** 20;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A budget share as the governor states it: whole bytes, rounded down; cores as cpus x percent / 100 (the same
// order of operations, so 3 CPUs x 10% is 0.3 and not 3 x 0.1 = 0.30000000000000004).
const bytesShare = (total: number, percent: number) => Math.floor((total * percent) / 100);
const coresShare = (cpus: number, percent: number) => (cpus * percent) / 100;

interface Snapshot {
  mode: string;
  floorBytes: number;
  budget: { cpuCores: number; memoryBytes: number };
  host: { cpus: number; memTotalBytes: number };
}
interface Event {
  seq: number;
  type: string;
  message: string;
  data?: Record<string, unknown>;
}

describe('the site budget reaches the agent\'s governor', { skip: skipEngines }, () => {
  const engine = engines()[0]!;
  const project = `budget-${process.pid}`;
  const agent = new AgentFixture('dc1', engine.kind, engine.endpoint);
  const work = new Workdir();
  const identity = join(work.dir, 'identity');
  const runtime = createRuntime(engine);
  const host = sampleHost();
  let observer: Identity;
  const spec = () => `version: 1
project: ${project}
sites:
  dc1: { runtime: ${engine.kind}, engine: "${engine.endpoint}", agent: "https://127.0.0.1:${agent.port}", capacity: { cpus: 64, memory: 256g }, budget: { cpu: 50, memory: 20, floor: 300m } }
services:
  web:
    image: turtle-test/web:1
`;
  const turtle = (args: string[]) => work.run(args, { TURTLE_IDENTITY: identity });
  const governor = async () => ((await api(agent.port, observer, 'GET', '/v1/governor')).body as { governor: Snapshot }).governor;
  const settingsEvents = async () =>
    ((await api(agent.port, observer, 'GET', '/v1/events?limit=10000')).body as { events: Event[] }).events.filter((e) => e.type === 'governor.settings');
  const expected = `governor budget 50% of CPU (${host.cpus / 2} of ${host.cpus} CPUs) and 20% of memory`;

  before(async () => {
    await agent.init();
    observer = await agent.identity('observer', 'grafana');
    await issueCert(agent.caDir, { role: 'operator', name: 'alice', out: identity });
    await agent.start({ TURTLE_GOVERNOR: 'on' });
    work.write(spec());
  });
  after(async () => {
    await agent.kill();
    await removeProject(runtime, project);
    agent.remove();
    work.remove();
  });

  test('before any push the governor runs with the defaults; a deploy brings the spec\'s budget and floor', LIMIT, async () => {
    const before = await governor();
    assert.deepEqual([before.budget, before.floorBytes], [{ cpuCores: coresShare(host.cpus, 10), memoryBytes: bytesShare(before.host.memTotalBytes, 10) }, bytesShare(before.host.memTotalBytes, 10)]);
    assert.deepEqual(await settingsEvents(), []);
    const r = await turtle(['deploy']);
    assert.equal(r.code, 0, r.stderr);
    const g = await governor();
    // the percentages apply to this host, not to the 64 CPUs and 256 GiB the file declares
    assert.deepEqual([g.host.cpus, g.budget, g.floorBytes], [host.cpus, { cpuCores: coresShare(host.cpus, 50), memoryBytes: bytesShare(g.host.memTotalBytes, 20) }, 300 * MiB]);
    const events = await settingsEvents();
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.match(events[0]!.message, new RegExp(`^${escape(expected)} \\([\\d.]+ (GiB|MiB) of [\\d.]+ GiB\\), floor 300 MiB: from the desired state; turtle.yaml declares 64 CPUs and 256.00 GiB, and the percentages apply to this host$`));
    assert.deepEqual(events[0]!.data, { source: 'desired', budgetCores: coresShare(host.cpus, 50), budgetMemoryBytes: bytesShare(g.host.memTotalBytes, 20), floorBytes: 300 * MiB, cpus: host.cpus, memTotalBytes: g.host.memTotalBytes });
    // the same budget pushed again is no news
    assert.equal((await turtle(['deploy'])).code, 0);
    assert.equal((await settingsEvents()).length, 1);
  });

  test('turtle top shows the agent site\'s governor, as text and in --json', LIMIT, async () => {
    const top = await turtle(['top', '--json']);
    assert.equal(top.code, 0, top.stderr);
    const { governors } = JSON.parse(top.stdout) as { governors: { site: string; governor: Snapshot }[] };
    assert.deepEqual(governors.map((g) => [g.site, g.governor.budget.cpuCores, g.governor.floorBytes]), [['dc1', coresShare(host.cpus, 50), 300 * MiB]]);
    const text = await turtle(['top', '--once']);
    assert.equal(text.code, 0, text.stderr);
    const line = text.stdout.split('\n').find((l) => l.startsWith('governor dc1  '));
    assert.match(line ?? text.stdout, new RegExp(`^governor dc1  (relaxed|capped|paused): .*; budget ${host.cpus / 2} CPUs? and [\\d.]+ (GiB|MiB), floor 300 MiB( \\(observing: another agent's governor acts on this host\\))?$`));
  });

  test('a restarted agent takes the budget from its stored desired state', LIMIT, async () => {
    const last = (await settingsEvents()).at(-1)!.seq;
    await agent.kill();
    await agent.start({ TURTLE_GOVERNOR: 'on' });
    const g = await until('the governor', async () => (await governor()) ?? undefined);
    assert.deepEqual([g.budget.cpuCores, g.floorBytes], [coresShare(host.cpus, 50), 300 * MiB]);
    const events = (await settingsEvents()).filter((e) => e.seq > last);
    assert.deepEqual(events.map((e) => e.message.slice(0, expected.length)), [expected]);
  });
});

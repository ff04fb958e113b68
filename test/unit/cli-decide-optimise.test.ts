// turtle decide and turtle optimise through the real CLI: records written and stored, review verdicts, overlays applied.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadSpecFile } from '../../src/spec/index.js';
import { Store } from '../../src/store/index.js';
import { Workdir } from '../helpers/cli.js';
import { sampleProbe } from '../helpers/fixtures.js';

const SPEC = `# the lab
version: 1
project: research
sites:
  dc1: { role: edge, runtime: docker, engine: "unix:///nonexistent/a.sock", capacity: { cpus: 4, memory: 4g } }   # the big router
  dc2: { role: edge, runtime: podman, engine: "unix:///nonexistent/b.sock", capacity: { cpus: 2, memory: 1g } }
  dc3: { role: observer }
services:
  web:
    image: turtle-test/web:1   # keep this comment
    resources: { cpus: 0.1, memory: 32m }
  worker: { image: "turtle-test/tools:1", sites: [dc1], resources: { cpus: 0.05, memory: 16m } }
`;

const work = new Workdir();
after(() => work.remove());
work.write(SPEC);

/** A workdir of its own with the lab's spec and a probe of dc1 from 2020: each decide test starts from it. */
function lab(): { work: Workdir; dir: string } {
  const w = new Workdir();
  after(() => w.remove());
  w.write(SPEC);
  const store = Store.open(join(w.dir, 'state.db'));
  store.probes.add(sampleProbe('dc1', '2020-01-01T00:00:00.000Z', 190));
  store.close();
  return { work: w, dir: join(w.dir, 'decisions') };
}

test('decide runtime --write: the record file, stored with its predictions, numbered after the files there', async () => {
  const { work, dir } = lab();
  const r = await work.run(['decide', 'runtime', '--site', 'dc1', '--write', '--dir', dir]);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  const file = join(dir, '0001-container-runtime-for-dc1.md');
  assert.equal(readFileSync(file, 'utf8') + `wrote ${file}; stored as decision 1 with 3 predictions\n`, r.stdout);
  assert.match(r.stdout, /- docker \/ memory = 320: probe 1 \(dc1: docker 20\.10\.24 on 2020-01-01, median of 3\): daemons 171\.0–209\.0 MB \+ 10 × shim 13\.0 MB\n/);
  assert.match(r.stdout, /consistency ratio 0\.00\d \(accepted at ≤ 0\.1\)/);
  const again = await work.run(['decide', 'orchestration', '--write', '--dir', dir]);
  assert.match(again.stdout, /^# 0002\. Orchestration across the sites\n/);
  assert.match(again.stdout, /\n\*\*turtle agents\*\*\.\n/);
});

test('decide review: held, broken and no data, counting only what was observed after the decision', async () => {
  const { work, dir } = lab();
  // the two decisions the test above writes
  for (const args of [['runtime', '--site', 'dc1'], ['orchestration']]) assert.equal((await work.run(['decide', ...args, '--write', '--dir', dir])).code, 0);
  const store = Store.open(join(work.dir, 'state.db'));
  const winner = store.decisions.get(1)!.winner;
  store.probes.observe({ metric: 'agent_rss_mb', site: 'dc1', value: 48, at: '2999-01-01T00:00:00.000Z', source: 'agent' });
  store.probes.observe({ metric: 'agent_rss_mb', site: 'dc2', value: 71, at: '2999-01-01T00:00:00.000Z', source: 'agent' });
  store.close();
  const r = await work.run(['decide', 'review']);
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, new RegExp(`^0001 Container runtime for dc1: ${winner} \\(decided \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, .*0001-container-runtime-for-dc1\\.md\\)$`));
  // the probe the decision was made from is older than the decision, so it counts for nothing
  assert.ok(lines.slice(1, 4).every((l) => l.startsWith('  no data [')), lines.join('\n'));
  assert.deepEqual(lines.slice(5), [
    '  held    [agent-rss-dc1] agent RSS ≤ 60 MB on dc1: worst of 1 observations 48 at 2999-01-01T00:00:00.000Z',
    '  broken  [agent-rss-dc2] agent RSS ≤ 60 MB on dc2: worst of 1 observations 71 at 2999-01-01T00:00:00.000Z',
    '',
  ]);
});

test('decide: bad input is refused with a hint', async () => {
  const unknown = await work.run(['decide', 'runtime', '--site', 'dc7']);
  assert.equal(unknown.stderr.replaceAll(work.spec, 'SPEC'), 'error: unknown site `dc7` (sites in SPEC: dc1, dc2, dc3)\nhint: did you mean `dc1`?\n');
  assert.equal(unknown.code, 1);
  const missing = await work.run(['decide', 'runtime']);
  assert.equal(missing.stderr, "error: required option '--site <name>' not specified\nhint: see `turtle --help` or `turtle <command> --help`\n");
  work.write(SPEC);
  const matrix = join(work.dir, 'bad.yaml');
  const { writeFileSync } = await import('node:fs');
  // cost > memory > operations > cost: a cycle no weights can honour
  writeFileSync(matrix, ['- { a: cost, b: memory, value: 9 }', '- { a: memory, b: operations, value: 9 }', '- { a: operations, b: cost, value: 9 }'].join('\n'));
  const bad = await work.run(['decide', 'runtime', '--site', 'dc3', '--comparisons', matrix]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^error: the criteria comparisons are inconsistent: consistency ratio \d\.\d{3} is above 0\.1\n/);
  assert.match(bad.stderr, /\nhint: \w+ vs \w+ = [\d/.]+ disagrees most with the others, which imply about [\d/.]+; revise that comparison\n$/);
});

test('optimise --apply writes overlays, keeps comments, and the spec still validates', async () => {
  const opt = new Workdir();
  opt.write(SPEC);
  try {
    const r = await opt.run(['optimise', '--apply']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Plan: proven optimal/);
    assert.match(r.stdout, /\napplied: overlays for dc1, dc2 written to .*turtle\.yaml\n$/);
    const text = readFileSync(opt.spec, 'utf8');
    assert.ok(text.startsWith('# the lab\n') && text.includes('# keep this comment') && text.includes('# the big router'), text);
    const spec = loadSpecFile(opt.spec);
    assert.equal(spec.project, 'research');
    assert.match(text, /\noverlays:\n  dc1:\n    services:\n      web:\n        replicas: 1\n        resources:\n          cpus: [\d.]+\n          memory: \d+[mk]\n/);
  } finally {
    opt.remove();
  }
});

test('optimise: an infeasible spec exits 1 with the conflict in plain words, and --apply writes nothing', async () => {
  const opt = new Workdir();
  const tight = SPEC.replace('capacity: { cpus: 2, memory: 1g } }', 'capacity: { cpus: 2, memory: 1g }, budget: { cpu: 10, memory: 5 } }');
  opt.write(tight);
  try {
    const r = await opt.run(['optimise', '--apply']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^The spec cannot be satisfied\.\n/);
    assert.match(r.stdout, /\n  - dc2's memory budget is 51\.2 MiB \(5% of 1 GiB\); podman takes 2 MiB per container and 38 MiB once for the site\n/);
    assert.equal(r.stderr.replaceAll(opt.spec, 'SPEC'), "error: no plan fits the budgets in SPEC, so nothing was applied\nhint: relax one of the conflicting constraints listed above (a budget, a service's minimum limits, its sites or replicas)\n");
    assert.equal(readFileSync(opt.spec, 'utf8'), tight);
    assert.equal(existsSync(opt.spec), true);
  } finally {
    opt.remove();
  }
});

// `turtle decide runtime|orchestration|review`: ranks alternatives (AHP weights, TOPSIS, sensitivity) from stored
// probes and documented figures, writes decision records, and later checks their predictions against the store.
import type { Command } from 'commander';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { decide, recordFileName, renderDecisionRecord, renderReview, reviewPredictions, type Comparison } from '../../decide/index.js';
import { buildProblem, type DecisionKind } from '../../decide/problems/index.js';
import { TurtleError, ExitCode, errorMessage } from '../../lib/errors.js';
import { closest } from '../../lib/words.js';
import type { SiteSpec, Spec } from '../../spec/index.js';
import type { Store } from '../../store/index.js';
import { loadSpec, openStore, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';

interface DecideOptions {
  site?: string;
  json?: boolean;
  write?: boolean;
  dir: string;
  comparisons?: string;
}

export function register(program: Command, globals: () => GlobalOptions): void {
  const decideCmd = program.command('decide').description('choose a runtime or an orchestration from measurements, as a tracked decision record');
  const common = (cmd: Command) => cmd
    .option('--json', 'machine-readable output')
    .option('--write', 'write docs/decisions/NNNN-title.md and keep the record and its predictions in the store')
    .option('--dir <path>', 'where decision records are written', 'docs/decisions')
    .option('--comparisons <file>', 'pairwise criteria comparisons (YAML list of {a, b, value, why}) instead of the built-in ones');
  common(decideCmd.command('runtime').description('Docker, Podman, containerd or plain processes for one site').requiredOption('--site <name>', 'the site to decide for'))
    .action((opts: DecideOptions) => run('runtime', opts, globals()));
  common(decideCmd.command('orchestration').description("turtle's own agents, Docker Swarm, K3s or Nomad across the sites"))
    .action((opts: DecideOptions) => run('orchestration', opts, globals()));
  decideCmd.command('review').description("each decision record's predictions against what the store observed since: held, broken or no data")
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => review(opts, globals()));
  for (const sub of decideCmd.commands) sub.exitOverride();
  decideCmd.exitOverride();
}

function run(kind: DecisionKind, opts: DecideOptions, globals: GlobalOptions): void {
  const spec = loadSpec(globals);
  const site = opts.site === undefined ? undefined : findSite(spec, opts.site);
  const comparisons = opts.comparisons === undefined ? undefined : readComparisons(opts.comparisons);
  const store = openStore(globals);
  try {
    const number = Math.max(store.decisions.nextNumber(), nextFileNumber(opts.dir));
    const now = new Date().toISOString();
    const evidence = { probes: store.probes.list(undefined, 1000), agentRss: agentRss(store) };
    const record = decide(buildProblem(kind, Object.values(spec.sites), site, evidence, { number, date: now.slice(0, 10) }, comparisons));
    const markdown = renderDecisionRecord(record);
    let file: string | undefined;
    if (opts.write) {
      file = join(opts.dir, recordFileName(record));
      mkdirSync(resolve(opts.dir), { recursive: true });
      writeFileSync(resolve(file), markdown);
      store.decisions.save(record, file, now);
    }
    if (opts.json) return printJson({ ...record, ...(file ? { file } : {}) });
    process.stdout.write(markdown);
    if (file) console.log(`wrote ${file}; stored as decision ${record.problem.number} with ${record.predictions.length} predictions`);
  } finally {
    store.close();
  }
}

function review(opts: { json?: boolean }, globals: GlobalOptions): void {
  const store = openStore(globals);
  try {
    const decisions = store.decisions.list();
    const observations = store.probes.observations();
    const reviews = decisions.map((d) => ({ decision: d.number, title: d.title, winner: d.winner, since: d.date, file: d.file, predictions: reviewPredictions(d.predictions, observations, d.date) }));
    if (opts.json) return printJson(reviews);
    if (reviews.length === 0) return console.log('no decision records in the store yet (write one with `turtle decide runtime --site NAME --write`)');
    for (const r of reviews) {
      console.log(`${String(r.decision).padStart(4, '0')} ${r.title}: ${r.winner} (decided ${r.since}, ${r.file})`);
      process.stdout.write(r.predictions.length === 0 ? '  no predictions\n' : renderReview(r.predictions).replace(/^(?=.)/gm, '  '));
    }
  } finally {
    store.close();
  }
}

/** Any site, observers included (dc3's runtime is a decision too). */
function findSite(spec: Spec, name: string): SiteSpec {
  const found = spec.sites[name];
  if (found) return found;
  const guess = closest(name, Object.keys(spec.sites));
  throw new TurtleError(`unknown site \`${name}\` (sites in ${spec.file}: ${Object.keys(spec.sites).join(', ')})`, {
    exitCode: ExitCode.invalid,
    hint: guess ? `did you mean \`${guess}\`?` : 'pass one of the sites above to --site',
  });
}

function readComparisons(file: string): Comparison[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TurtleError(`cannot read comparisons from ${file}: ${errorMessage(err)}`, { exitCode: ExitCode.invalid, hint: 'give a YAML list of {a, b, value, why}' });
  }
  const ok = Array.isArray(parsed) && parsed.every((c) => typeof c === 'object' && c !== null && typeof c.a === 'string' && typeof c.b === 'string' && typeof c.value === 'number');
  if (!ok) throw new TurtleError(`${file}: expected a list of comparisons {a, b, value, why}`, { exitCode: ExitCode.invalid, hint: 'for example: - { a: memory, b: start, value: 5, why: "…" }' });
  return parsed as Comparison[];
}

/** One more than the highest NNNN- file in the records folder, so numbers stay unique across stores. */
function nextFileNumber(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(resolve(dir));
  } catch {
    return 1;
  }
  return 1 + Math.max(0, ...names.map((n) => Number(/^(\d{4})-/.exec(n)?.[1] ?? 0)));
}

/** The agent's own RSS samples, if any agent wrote them to the store. */
function agentRss(store: Store) {
  return store.probes.observations().filter((o) => o.metric === 'agent_rss_mb').map((o) => ({ site: o.site, valueMb: o.value, at: o.at }));
}

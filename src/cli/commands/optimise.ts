// `turtle optimise`: placement and CPU/memory limits of every service as a MIP (HiGHS), from turtle.yaml and the
// overheads `turtle probe` measured; `--apply` writes the plan into turtle.yaml as per-site overlays.
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { isMap, parseDocument, type Document } from 'yaml';
import { TurtleError, ExitCode, errorMessage } from '../../lib/errors.js';
import { exportLp, inputFromSpec, optimise, renderPlan, toOverlays, type Overlay, type OptimiseResult, type OptimiseSite } from '../../optimise/index.js';
import { loadSpecFile, type Spec } from '../../spec/index.js';
import type { Store } from '../../store/index.js';
import { loadSpec, openStore, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';

interface Options {
  apply?: boolean;
  exportLp?: string;
  json?: boolean;
}

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('optimise')
    .alias('optimize')
    .description('place every service and choose its limits within each site\'s good-citizen budget (HiGHS), explained')
    .option('--apply', 'write the plan into turtle.yaml as overlays (comments and layout kept)')
    .option('--export-lp <file>', 'also write the model in CPLEX LP format (for glpsol or another solver)')
    .option('--json', 'machine-readable output')
    .action(async (opts: Options) => {
      const g = globals();
      const spec = loadSpec(g);
      const store = openStore(g);
      let overheads: Record<string, OptimiseSite['overhead']>;
      try {
        overheads = measuredOverheads(spec, store);
      } finally {
        store.close();
      }
      const input = inputFromSpec(spec, { overheads });
      if (opts.exportLp) writeFileSync(opts.exportLp, exportLp(input));
      const result = await optimise(input);
      if (opts.json) printJson(result);
      else process.stdout.write(renderPlan(result));
      if (result.status === 'infeasible') {
        throw new TurtleError(`no plan fits the budgets in ${spec.file}${opts.apply ? ', so nothing was applied' : ''}`, {
          exitCode: ExitCode.invalid,
          hint: 'relax one of the conflicting constraints listed above (a budget, a service\'s minimum limits, its sites or replicas)',
        });
      }
      if (opts.apply) {
        applyOverlays(spec.file, result);
        if (!opts.json) console.log(`applied: overlays for ${Object.keys(toOverlays(result)).join(', ')} written to ${spec.file}`);
      }
    });
}

/** The newest probe of each site gives its engine's resident memory and each container's; unprobed sites keep the defaults. */
function measuredOverheads(spec: Spec, store: Store): Record<string, OptimiseSite['overhead']> {
  const out: Record<string, OptimiseSite['overhead']> = {};
  for (const site of Object.keys(spec.sites)) {
    const probe = store.probes.latest(site)?.probe;
    if (!probe || probe.daemons.length === 0) continue;
    out[site] = {
      perContainer: { cpus: 0, memory: probe.perContainerBytes.median },
      perSite: { cpus: 0, memory: probe.daemonRssBytes.median },
    };
  }
  return out;
}

/** Sets overlays.<site>.services.<service>.{replicas, resources} in place with the yaml Document API, then re-validates. */
export function applyOverlays(file: string, result: OptimiseResult): void {
  const text = readFileSync(file, 'utf8');
  const doc = parseDocument(text);
  for (const [site, services] of Object.entries(toOverlays(result))) {
    for (const [service, overlay] of Object.entries(services)) setOverlay(doc, site, service, overlay);
  }
  const updated = doc.toString();
  writeFileSync(file, updated);
  try {
    loadSpecFile(file);
  } catch (err) {
    writeFileSync(file, text);
    throw new TurtleError(`the plan's overlays did not validate, so ${file} was left as it was: ${errorMessage(err)}`, { hint: 'report this: the optimiser produced a plan the spec refuses' });
  }
}

function setOverlay(doc: Document, site: string, service: string, overlay: Overlay): void {
  const at = ['overlays', site, 'services', service];
  for (const key of at.keys()) {
    const path = at.slice(0, key + 1);
    if (!isMap(doc.getIn(path))) doc.setIn(path, doc.createNode({}));
  }
  doc.setIn([...at, 'replicas'], overlay.replicas);
  if (!isMap(doc.getIn([...at, 'resources']))) doc.setIn([...at, 'resources'], doc.createNode({}));
  doc.setIn([...at, 'resources', 'cpus'], Math.floor(overlay.resources.cpus * 1000) / 1000);
  doc.setIn([...at, 'resources', 'memory'], size(overlay.resources.memory));
}

/** Whole KiB, rounded down so the limits stay within the budget: `48m` or `49151k`. */
function size(bytes: number): string {
  const kib = Math.floor(bytes / 1024);
  return kib % 1024 === 0 ? `${kib / 1024}m` : `${kib}k`;
}

// `turtle deploy`: converge every selected site to the spec, showing progress and a summary.
import type { Command } from 'commander';
import { TurtleError, ExitCode } from '../../lib/errors.js';
import { describeStep } from '../../domain/index.js';
import { deploy, type DeployResult, type TargetHooks } from '../../converge/deploy.js';
import { connectSite, loadSpec, openStore, selectSites, type GlobalOptions } from '../context.js';
import { printJson, seconds } from '../output.js';
import { Progress } from '../progress.js';
import { prepareLocalHost } from '../../governor/prepare.js';
import type { SiteSpec } from '../../spec/index.js';
import type { StepRecord } from '../../store/index.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('deploy')
    .description('converge the selected sites to turtle.yaml (an unchanged spec changes nothing)')
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'print the result as JSON instead of progress')
    .action(async (opts: { site?: string; json?: boolean }) => {
      const spec = loadSpec(globals());
      const sites = selectSites(spec, opts.site);
      const store = openStore(globals());
      const progress = new Progress(process.stderr, !opts.json);
      let result: DeployResult;
      try {
        // a site with an agent readies its own host
        const prepareHost = (site: SiteSpec) => {
          if (site.agent !== undefined) return undefined;
          const prepared = prepareLocalHost(site);
          if (prepared && !prepared.ok) progress.line(`${site.name}: warning: ${prepared.message}`);
          return prepared;
        };
        const connect = (site: SiteSpec) => connectSite(spec, site, globals());
        result = await deploy({ spec, sites, store, connect, prepareHost, hooks: (site) => hooksFor(site, progress) });
      } finally {
        progress.done();
        store.close();
      }
      if (opts.json) printJson(summaryJson(result));
      else printSummary(result);
      if (result.outcome === 'failed') {
        const failed = result.sites.filter((s) => s.outcome === 'failed');
        const first = failed[0]?.error;
        throw new TurtleError(`deployment ${result.id} failed on ${failed.map((s) => s.site).join(', ')}`, {
          // unreachable, or refused (an agent's 403 to an observer's certificate): say which; else it failed
          exitCode: first?.exitCode === ExitCode.unreachable || first?.exitCode === ExitCode.invalid ? first.exitCode : ExitCode.failed,
          hint: first?.hint ?? 'see `turtle history` for the steps',
        });
      }
    });
}

function hooksFor(site: string, progress: Progress): TargetHooks {
  const planned = (n: number) => progress.line(n === 0 ? `${site}: up to date` : `${site}: ${n} steps`);
  const done = (r: StepRecord) => progress.line(`  ${r.status === 'done' ? 'ok  ' : r.status === 'skipped' ? 'skip' : 'FAIL'} ${r.step}${r.durationMs ? `  ${seconds(r.durationMs)}` : ''}`);
  return {
    onPlan: (steps) => planned(steps.length),
    onStepStart: (step, i, n) => progress.status(`${site} [${i + 1}/${n}] ${describeStep(step)}`),
    onStepDone: (_step, r) => done(r),
    // an agent reports its steps when its reconcile is over
    onReport: (records) => {
      planned(records.length);
      for (const r of records) done(r);
    },
    onProgress: (message) => progress.status(`${site}: ${message}`),
    onImage: (p) => progress.status(`${site}: ${p.image}: ${p.status}${p.fraction === undefined ? '' : ` ${Math.round(p.fraction * 100)}%`}`),
  };
}

function printSummary(result: DeployResult): void {
  for (const s of result.sites) {
    if (s.error) {
      console.error(`${s.site}: failed after ${seconds(s.durationMs)}: ${s.error.message}`);
      continue;
    }
    if (s.outcome === 'no-op') continue;
    const counts = new Map<string, number>();
    for (const r of s.result?.records ?? []) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    const what = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`${s.site}: ${what} in ${seconds(s.durationMs)}`);
  }
  const per = result.sites.map((s) => `${s.site} ${s.outcome}`).join(', ');
  console.log(`deployment ${result.id}: ${result.outcome} (${per})`);
}

function summaryJson(result: DeployResult) {
  return {
    id: result.id,
    outcome: result.outcome,
    sites: result.sites.map((s) => ({
      site: s.site,
      outcome: s.outcome,
      durationMs: s.durationMs,
      steps: s.result?.records ?? [],
      ...(s.engineCalls ? { engineCalls: s.engineCalls } : {}),
      ...(s.error ? { error: s.error.message } : {}),
    })),
  };
}

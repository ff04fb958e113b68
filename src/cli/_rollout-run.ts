// What `turtle deploy` and `turtle rollback` share: running a rollout with progress on stderr, the
// summary (or JSON) on stdout, and the exit code its outcome means.
import { TurtleError, ExitCode } from '../lib/errors.js';
import { describeStep } from '../domain/index.js';
import type { TargetHooks } from '../converge/deploy.js';
import { rollout, type DeployResult, type RolloutOptions } from '../rollout/index.js';
import { engineIsLocal, prepareLocalHost } from '../governor/prepare.js';
import { createRuntime } from '../runtime/index.js';
import type { SiteSpec, Spec } from '../spec/index.js';
import type { Store, StepRecord } from '../store/index.js';
import { connectSite, whoAmI, type GlobalOptions } from './context.js';
import { printJson, seconds } from './output.js';
import { Progress } from './progress.js';
import { describeHolder } from '../converge/lock.js';

export interface RunOptions {
  spec: Spec;
  sites: SiteSpec[];
  store: Store;
  globals: GlobalOptions;
  command: string;
  json?: boolean;
  policy?: RolloutOptions['policy'];
  /** --no-wait: give up at once (exit 5) when another deployment holds a site */
  noWait?: boolean;
}

/** Runs the rollout, prints it, and throws the TurtleError its outcome calls for (after printing). */
export async function runRollout({ spec, sites, store, globals, command, json, policy, noWait }: RunOptions): Promise<DeployResult> {
  const progress = new Progress(process.stderr, !json);
  const interrupt = new AbortController();
  // The first Ctrl-C finishes or undoes the step in flight and starts nothing more; a second one exits at
  // once, and the next deploy repairs from the journal what the step left.
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(ExitCode.interrupted);
    progress.line('interrupted: finishing or undoing the step in flight, starting nothing more (Ctrl-C again to stop at once; the next deploy repairs what is left)');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let result: DeployResult;
  try {
    // a site with an agent readies its own host
    const prepareHost = async (site: SiteSpec) => {
      if (site.agent !== undefined || !engineIsLocal(site)) return undefined;
      // the engine's cgroup driver says where turtle's cgroups are (the converge that follows needs it answering anyway)
      const info = await createRuntime({ kind: site.runtime, endpoint: site.engine }).ping().catch(() => undefined);
      const prepared = prepareLocalHost(site, undefined, info?.cgroupDriver);
      if (prepared && !prepared.ok) progress.line(`${site.name}: warning: ${prepared.message}`);
      return prepared;
    };
    result = await rollout({
      spec, sites, store, command, prepareHost, by: whoAmI(sites, globals), ...(policy ? { policy } : {}),
      connect: (site) => connectSite(spec, site, globals),
      hooks: (site) => hooksFor(site, progress),
      onLine: (line, transient) => (transient ? progress.status(line) : progress.line(line)),
      signal: interrupt.signal,
      lock: {
        wait: !noWait,
        onWaiting: (site, holder, first) => {
          const text = `${site}: being deployed by ${describeHolder(holder)}; waiting for it (Ctrl-C to give up, --no-wait not to wait)`;
          if (first) progress.line(text);
          else progress.status(text, true);
        },
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    progress.done();
  }
  if (json) printJson(summaryJson(result));
  else printSummary(result);
  const error = outcomeError(result);
  if (error) throw error;
  return result;
}

function outcomeError(result: DeployResult): TurtleError | undefined {
  const by = (o: string) => result.sites.filter((s) => s.outcome === o).map((s) => s.site);
  if (result.outcome === 'pending') {
    return new TurtleError(`deployment ${result.id}: ${by('pending').join(', ')} could not be reached and did not get version ${result.version.slice(0, 12)}`, {
      exitCode: ExitCode.unreachable,
      hint: 'run `turtle deploy` again once it is back: it brings only the pending sites up to date',
    });
  }
  if (result.outcome === 'interrupted') {
    const stopped = by('interrupted').join(', ');
    const untouched = by('skipped').join(', ');
    return new TurtleError(`deployment ${result.id} was interrupted: ${stopped} stopped after the step in flight${untouched ? `; ${untouched} not started` : ''}`, {
      exitCode: ExitCode.interrupted,
      hint: 'run the same `turtle deploy` again: it finishes what was left and converges every site',
    });
  }
  if (result.outcome !== 'failed' && result.outcome !== 'rolled-back') return undefined;
  const first = result.sites.find((s) => s.error && s.outcome !== 'skipped');
  const where = first ? ` on ${first.site}` : '';
  if (result.outcome === 'rolled-back') {
    return new TurtleError(`deployment ${result.id} failed${where}; every site it changed is back on its previous version`, {
      exitCode: ExitCode.failed,
      hint: first?.error?.hint ?? 'see `turtle history` for the steps',
    });
  }
  const stuck = result.sites.filter((s) => s.rollback?.error).map((s) => s.site);
  return new TurtleError(`deployment ${result.id} failed${where}${stuck.length ? `, and ${stuck.join(', ')} could not be rolled back` : ''}`, {
    // unreachable, or refused (an agent's 403 to an observer's certificate): say which; else it failed
    exitCode: first?.error?.exitCode === ExitCode.unreachable || first?.error?.exitCode === ExitCode.invalid ? first.error.exitCode : ExitCode.failed,
    hint: first?.error?.hint ?? 'see `turtle history` for the steps',
  });
}

function hooksFor(site: string, progress: Progress): TargetHooks {
  const planned = (n: number) => progress.line(n === 0 ? `${site}: up to date` : `${site}: ${n} step${n === 1 ? '' : 's'}`);
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
    if (s.outcome === 'skipped') {
      console.log(`${s.site}: not updated (${s.error?.message.replace(/^not updated: /, '')})`);
      continue;
    }
    if (s.outcome === 'interrupted') console.error(`${s.site}: interrupted after ${seconds(s.durationMs)}: ${s.error?.message.replace(/^interrupted: /, '')}`);
    else if (s.error) console.error(`${s.site}: failed after ${seconds(s.durationMs)}: ${s.error.message}`);
    if (s.rollback) {
      console.log(s.rollback.error ? `${s.site}: rollback failed: ${s.rollback.error.message}` : `${s.site}: rolled back to ${s.version?.slice(0, 12)} in ${seconds(s.rollback.durationMs)}`);
    }
    if (s.error || s.outcome === 'no-op') continue;
    const counts = new Map<string, number>();
    for (const r of s.result?.records ?? []) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    const what = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`${s.site}: ${what} in ${seconds(s.durationMs)}`);
  }
  const per = result.sites.map((s) => `${s.site} ${s.outcome}`).join(', ');
  console.log(`deployment ${result.id} (version ${result.version.slice(0, 12)}): ${result.outcome} (${per})`);
}

function summaryJson(result: DeployResult) {
  return {
    id: result.id,
    version: result.version,
    outcome: result.outcome,
    sites: result.sites.map((s) => ({
      site: s.site,
      outcome: s.outcome,
      durationMs: s.durationMs,
      steps: s.result?.records ?? [],
      ...(s.version ? { version: s.version } : {}),
      ...(s.engineCalls ? { engineCalls: s.engineCalls } : {}),
      ...(s.error ? { error: s.error.message } : {}),
      ...(s.rollback ? { rollback: { steps: s.rollback.records, durationMs: s.rollback.durationMs, ...(s.rollback.error ? { error: s.rollback.error.message } : {}) } } : {}),
    })),
  };
}

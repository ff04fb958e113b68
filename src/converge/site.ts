// Converging one site: observe -> plan -> execute (a few steps at a time), starting nothing new after a
// failure; then the site proxy's backends are brought in line with what runs.
import { TurtleError, errorMessage } from '../lib/errors.js';
import { plan } from '../domain/plan.js';
import { externalVolumes, missingExternal } from '../domain/plan-networks.js';
import { observeSite } from './observe.js';
import { describeStep, stepService, type Step } from '../domain/steps.js';
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import { managesNetworks, type ContainerRuntime, type ImageProgress } from '../runtime/types.js';
import type { StepRecord } from '../store/deployments.js';
import { executeStep, type ExecContext } from './executors.js';
import { syncProxy } from './_proxied.js';
import { ensureImages, imagesNeeded, pinsNeeded } from './images.js';
import { schedule } from './_schedule.js';

export interface ConvergeHooks {
  onPlan?: (steps: readonly Step[]) => void;
  onStepStart?: (step: Step, index: number, total: number) => void;
  onStepDone?: (step: Step, record: StepRecord) => void;
  onProgress?: (message: string) => void;
  onImage?: (progress: ImageProgress) => void;
  signal?: AbortSignal;
  /** how many steps may run at once (default 4; steps still wait for the services they depend on) */
  parallelism?: number;
  /**
   * Plan from the engine's listing where turtle's labels vouch for a container (ListOptions.expect): the
   * CLI's deploys. An agent leaves it off and inspects every container, so limits changed by hand are undone.
   */
  trustLabels?: boolean;
  /** awaited once before the first step, only when there are steps (the CLI readies a local host's cgroups) */
  beforeSteps?: () => Promise<void>;
}

const DEFAULT_PARALLELISM = 4;

export interface ConvergeResult {
  site: string;
  steps: Step[];
  records: StepRecord[];
  /** set when a step failed; steps not yet started were skipped */
  error?: TurtleError;
  /** when there were no steps: the containers as observed (still current; the agent's health monitor reuses them) */
  observed?: ObservedContainer[];
}

/** External networks or volumes a site lacks: a deploy stops before any step, saying how to make them. */
function missingError(what: 'network' | 'volume', names: readonly string[], site: string, otherwise: (them: string) => string): TurtleError {
  const many = names.length > 1;
  return new TurtleError(`external ${what}${many ? 's' : ''} ${names.join(', ')} ${many ? 'do' : 'does'} not exist on ${site}`, {
    hint: `create ${many ? 'them' : 'it'} there first (docker ${what} create ${names[0]}), or drop \`external: true\` ${otherwise(many ? 'them' : 'it')}`,
  });
}

export async function convergeSite(
  runtime: ContainerRuntime,
  site: string,
  project: string,
  desired: readonly ContainerSpec[],
  hooks: ConvergeHooks = {},
): Promise<ConvergeResult> {
  const { actual, networks } = await observeSite(runtime, site, project, desired, hooks.trustLabels);
  const missing = networks ? missingExternal(desired, networks).map((n) => n.name) : [];
  if (missing.length > 0) return { site, steps: [], records: [], error: missingError('network', missing, site, (them) => `so that turtle makes ${them}`) };
  const volumes = managesNetworks(runtime) ? await runtime.missingVolumes(externalVolumes(desired)) : [];
  if (volumes.length > 0) return { site, steps: [], records: [], error: missingError('volume', volumes, site, (them) => `and let the engine make ${them}, empty`) };
  const steps = plan({ site, desired, actual, project, ...(networks ? { networks } : {}) });
  hooks.onPlan?.(steps);
  const ctx = { runtime, site, stopTimeoutS: 10, signal: hooks.signal, onProgress: hooks.onProgress, desired };
  if (steps.length === 0) {
    const error = await syncProxyQuietly(ctx, project, desired);
    return { site, steps, records: [], observed: actual, ...(error ? { error } : {}) };
  }
  try {
    await hooks.beforeSteps?.();
    await ensureImages(runtime, site, imagesNeeded(steps), hooks.onImage, pinsNeeded(steps));
  } catch (err) {
    const error = asTurtleError(err);
    return { site, steps, records: steps.map((s) => skipped(s)), error };
  }
  let error: TurtleError | undefined;
  const results = await schedule(steps, hooks.parallelism ?? DEFAULT_PARALLELISM, async (step, index) => {
    hooks.onStepStart?.(step, index, steps.length);
    const started = Date.now();
    try {
      await executeStep(step, ctx);
      const record: StepRecord = { ...base(step), status: 'done', durationMs: Date.now() - started };
      hooks.onStepDone?.(step, record);
      return record;
    } catch (err) {
      const failure = asTurtleError(err);
      error ??= failure;
      const record: StepRecord = { ...base(step), status: 'failed', durationMs: Date.now() - started, error: failure.message };
      hooks.onStepDone?.(step, record);
      return record;
    }
  }, (r) => r.status === 'failed');
  const records = results.map((r, i) => r ?? skipped(steps[i] as Step));
  error ??= await syncProxyQuietly(ctx, project, desired);
  return { site, steps, records, ...(error ? { error } : {}) };
}

/** The proxy's backends brought in line with what runs (see syncProxy); what it changed is progress, a failure the result. */
async function syncProxyQuietly(ctx: ExecContext, project: string, desired: readonly ContainerSpec[]): Promise<TurtleError | undefined> {
  try {
    for (const change of await syncProxy(ctx, project, desired)) ctx.onProgress?.(change);
    return undefined;
  } catch (err) {
    return asTurtleError(err);
  }
}

function base(step: Step) {
  return { step: describeStep(step), kind: step.kind, service: stepService(step) };
}

function skipped(step: Step): StepRecord {
  return { ...base(step), status: 'skipped', durationMs: 0 };
}

function asTurtleError(err: unknown): TurtleError {
  return err instanceof TurtleError ? err : new TurtleError(errorMessage(err), { cause: err });
}

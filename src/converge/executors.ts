// One executor per step kind. Replacements never leave a slot with neither its old nor its new
// container: the new one is made first, and on any failure it is removed and the old one restored.
// Containers of proxied services also join and leave the site proxy here (_proxied.ts).
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { TurtleError, errorMessage } from '../lib/errors.js';
import type { Step, StepKind } from '../domain/steps.js';
import type { ContainerSpec, ObservedContainer } from '../domain/types.js';
import { managesNetworks, secretsOf, type ContainerRuntime, type ManagesNetworks } from '../runtime/types.js';
import { replaceOrder } from '../domain/plan.js';
import { healthDeadlineMs, waitReady } from './_wait.js';
import { holdHealthy, isProxied, isProxy, joinProxy, leaveProxy, rejoinAll, updatePolicy, waitProxyReady, type ProxyContext } from './_proxied.js';

export interface ExecContext extends ProxyContext {
  runtime: ContainerRuntime;
  site: string;
  signal?: AbortSignal;
  /** progress lines for a human (`waiting for dc1/web#1 to be healthy`) */
  onProgress?: (message: string) => void;
  /** seconds a container gets to stop before it is killed */
  stopTimeoutS: number;
}

type Executor<K extends StepKind> = (step: Extract<Step, { kind: K }>, ctx: ExecContext) => Promise<void>;

export const executors: { [K in StepKind]: Executor<K> } = {
  create: async ({ spec }, ctx) => {
    await waitForDependencies(spec, ctx);
    if (isProxy(spec)) await prepareProxyHost(spec);
    const id = await ctx.runtime.create(spec);
    if (!spec.running) return;
    await ctx.runtime.start(id);
    await launched(id, spec, ctx);
  },
  replace: async (step, ctx) =>
    isProxied(step.spec) ? replaceBehindProxy(step.old, step.spec, step.order, ctx) : replace(step.old, step.spec, step.order, ctx),
  remove: async ({ container }, ctx) => {
    await leaveProxy(ctx, container, 0);
    await ctx.runtime.stop(container.id, ctx.stopTimeoutS);
    await ctx.runtime.remove(container.id);
  },
  start: async ({ container, spec }, ctx) => {
    await waitForDependencies(spec, ctx);
    await secretsOf(ctx.runtime)?.ensure(spec);
    await ctx.runtime.start(container.id);
    await launched(container.id, spec, ctx);
  },
  stop: async ({ container }, ctx) => {
    await leaveProxy(ctx, container, 0);
    await ctx.runtime.stop(container.id, ctx.stopTimeoutS);
  },
  connect: async ({ container, network }, ctx) => {
    await networksOf(ctx).connect(container.id, network);
  },
  'create-network': async ({ network }, ctx) => {
    await networksOf(ctx).createNetwork(network);
  },
  'recreate-network': async ({ old, network }, ctx) => {
    const engine = networksOf(ctx);
    await engine.removeNetwork(old.id);
    await engine.createNetwork(network);
  },
  'remove-network': async ({ network }, ctx) => {
    await networksOf(ctx).removeNetwork(network.id);
  },
  'update-resources': async ({ container, spec }, ctx) => {
    try {
      await ctx.runtime.updateResources(container.id, spec.resources);
    } catch (err) {
      // Engines that cannot change limits in place (Podman's compatible API) get a replacement instead.
      if (!(err instanceof TurtleError) || err.recoverable) throw err;
      ctx.onProgress?.(`${ctx.site}/${spec.service}#${spec.replica}: ${err.message}; replacing the container`);
      const order = replaceOrder(spec);
      await (isProxied(spec) ? replaceBehindProxy(container, spec, order, ctx) : replace(container, spec, order, ctx));
    }
  },
};

/** A container just started: wait until it runs; a proxied one must be healthy and joins the proxy; a proxy takes its backends. */
async function launched(id: string, spec: ContainerSpec, ctx: ExecContext): Promise<void> {
  const proxied = isProxied(spec);
  await waitReady(ctx.runtime, id, spec, { healthy: proxied, deadlineMs: proxied ? healthDeadlineMs(spec) : 30_000, ...waitHooks(ctx) });
  if (proxied) await joinProxy(ctx, id, spec);
  if (isProxy(spec)) {
    await waitProxyReady(ctx, spec.project);
    await rejoinAll(ctx, spec.project, ctx.desired ?? []);
  }
}

/** The proxy's admin socket is in a host folder mounted into it; the engine will not create it. */
async function prepareProxyHost(spec: ContainerSpec): Promise<void> {
  for (const m of spec.mounts) if (m.type === 'bind' && m.source) await mkdir(m.source, { recursive: true, mode: 0o700 });
}

/** stop_grace_period of the service, else the deployment's stop timeout. */
function graceS(spec: ContainerSpec, ctx: ExecContext): number {
  const ms = spec.options?.stopGraceMs;
  return ms === undefined ? ctx.stopTimeoutS : Math.ceil(ms / 1000);
}

export async function executeStep(step: Step, ctx: ExecContext): Promise<void> {
  const run = executors[step.kind] as Executor<typeof step.kind>;
  await run(step as never, ctx);
}

async function replace(old: ObservedContainer, spec: ContainerSpec, order: 'start-first' | 'stop-first', ctx: ExecContext) {
  const { runtime } = ctx;
  await waitForDependencies(spec, ctx);
  if (isProxy(spec)) await prepareProxyHost(spec);
  const id = await runtime.create(spec);
  if (!spec.running) {
    await runtime.stop(old.id, graceS(spec, ctx));
    await runtime.remove(old.id);
    return;
  }
  if (order === 'stop-first') await runtime.stop(old.id, graceS(spec, ctx));
  try {
    await runtime.start(id);
    await waitReady(runtime, id, spec, { healthy: true, deadlineMs: healthDeadlineMs(spec), ...waitHooks(ctx) });
  } catch (err) {
    await restoreOld(old, id, order, ctx, err);
  }
  if (order === 'start-first') await runtime.stop(old.id, graceS(spec, ctx));
  await runtime.remove(old.id);
  if (isProxy(spec)) {
    await waitProxyReady(ctx, spec.project);
    await rejoinAll(ctx, spec.project, ctx.desired ?? []);
  }
}

/**
 * The zero-downtime update: the new container starts beside the old one, must stay healthy for
 * min_healthy, joins the proxy, and only then is the old one drained (with a deadline) and removed.
 * stop-first (exclusive volumes) drains and stops the old one first. On failure the new one leaves the
 * proxy and is removed, and the old one serves again.
 */
async function replaceBehindProxy(old: ObservedContainer, spec: ContainerSpec, order: 'start-first' | 'stop-first', ctx: ExecContext) {
  const { runtime } = ctx;
  const { drainTimeoutMs } = updatePolicy(spec);
  await waitForDependencies(spec, ctx);
  const id = await runtime.create(spec);
  if (!spec.running || order === 'stop-first') {
    await leaveProxy(ctx, old, drainTimeoutMs);
    await runtime.stop(old.id, graceS(spec, ctx));
    if (!spec.running) return void (await runtime.remove(old.id));
  }
  try {
    await runtime.start(id);
    await waitReady(runtime, id, spec, { healthy: true, deadlineMs: healthDeadlineMs(spec), ...waitHooks(ctx) });
    await holdHealthy(ctx, id, spec);
    await joinProxy(ctx, id, spec);
  } catch (err) {
    await leaveProxy(ctx, { ...old, id }, 0).catch(() => undefined);
    await restoreOld(old, id, order, ctx, err).catch(async (failure: unknown) => {
      if (order === 'stop-first') await joinProxy(ctx, old.id, spec).catch(() => undefined);
      throw failure;
    });
  }
  if (order === 'start-first') {
    ctx.onProgress?.(`${ctx.site}/${spec.service}#${spec.replica}: traffic moved to the new container; draining the old one`);
    await leaveProxy(ctx, old, drainTimeoutMs);
    await runtime.stop(old.id, graceS(spec, ctx));
  }
  await runtime.remove(old.id);
}

/** The new container failed: remove it and make sure the old one runs again, then report both. */
async function restoreOld(old: ObservedContainer, newId: string, order: string, ctx: ExecContext, cause: unknown): Promise<never> {
  const who = `${ctx.site}/${old.service}#${old.replica}`;
  await ctx.runtime.remove(newId).catch(() => undefined);
  let restored = 'the previous container kept running';
  if (order === 'stop-first') {
    try {
      await ctx.runtime.start(old.id);
      restored = 'the previous container was restarted';
    } catch (err) {
      restored = `restarting the previous container failed too: ${errorMessage(err)}`;
    }
  }
  throw new TurtleError(`${errorMessage(cause)}; the new container was removed and ${restored}`, {
    hint: cause instanceof TurtleError ? cause.hint : `check ${who} with \`turtle ps\``,
    cause,
  });
}

/** Compose's depends_on conditions: wait until each dependency on this site is running / healthy / done. */
async function waitForDependencies(spec: ContainerSpec, ctx: ExecContext): Promise<void> {
  for (const [dep, condition] of Object.entries(spec.dependsOn)) {
    if (condition === 'service_started') continue;
    const deadline = Date.now() + 120_000;
    ctx.onProgress?.(`${ctx.site}/${spec.service} waits for ${dep} (${condition})`);
    for (;;) {
      ctx.signal?.throwIfAborted();
      const all = await ctx.runtime.list(spec.project);
      const deps = all.filter((c) => c.site === ctx.site && c.service === dep);
      const ok =
        condition === 'service_healthy'
          ? deps.some((c) => c.state === 'running' && (c.health === 'healthy' || c.health === 'none'))
          : deps.some((c) => c.state === 'exited' && c.exitCode === 0);
      if (ok) break;
      if (Date.now() > deadline) {
        throw new TurtleError(`${ctx.site}/${spec.service}: ${dep} did not reach ${condition} within 120 s`, {
          hint: `check \`turtle ps --site ${ctx.site}\` and \`turtle logs ${dep}\``,
        });
      }
      await sleep(200, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
    }
  }
}

function waitHooks(ctx: ExecContext) {
  return {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onProgress ? { onWaiting: ctx.onProgress } : {}),
  };
}

/** The runtime's networks; a plan has network steps only for a runtime that has them. */
function networksOf(ctx: ExecContext): ManagesNetworks {
  if (!managesNetworks(ctx.runtime)) throw new TurtleError(`the ${ctx.runtime.kind} runtime of ${ctx.site} cannot make networks`);
  return ctx.runtime;
}

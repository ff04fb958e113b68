// Containers behind the site proxy: a new one gets traffic only after it stayed healthy for min_healthy
// and the proxy's own check passed; an old one is drained (with a deadline) before it is stopped.
import { setTimeout as sleep } from 'node:timers/promises';
import { TurtleError } from '../lib/errors.js';
import { UPDATE_DEFAULTS, type ContainerSpec, type ObservedContainer } from '../domain/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { ADMIN_DIR, HaproxySiteProxy, PROXY_SERVICE, backendName, isServerOf, serverName, siteProxy, type SiteProxy } from '../proxy/index.js';
import { hasHealthcheck } from './_wait.js';

const POLL_MS = 100;
/** How long the proxy's own check may take to pass for a container that is already healthy. */
const PROXY_UP_DEADLINE_MS = 10_000;
/** How long a just-started proxy may take to open its admin socket. */
const PROXY_READY_DEADLINE_MS = 15_000;

export interface ProxyContext {
  runtime: ContainerRuntime;
  site: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** the proxy of a project on this site (default: HAProxy through its admin socket on this host) */
  proxyFor?: (project: string, site: string) => SiteProxy;
  /** the site's desired containers: a restarted proxy takes back the running ones of proxied services */
  desired?: readonly ContainerSpec[];
}

export function isProxied(spec: ContainerSpec): boolean {
  return (spec.routes?.length ?? 0) > 0;
}

export function isProxy(c: { service: string }): boolean {
  return c.service === PROXY_SERVICE;
}

export function updatePolicy(spec: ContainerSpec) {
  return {
    minHealthyMs: spec.update?.minHealthyMs ?? UPDATE_DEFAULTS.minHealthyMs,
    drainTimeoutMs: spec.update?.drainTimeoutMs ?? UPDATE_DEFAULTS.drainTimeoutMs,
  };
}

/** The admin socket is where the proxy's container has it mounted (rendered where the spec was), else the default. */
function proxyOf(ctx: ProxyContext, project: string): SiteProxy {
  if (ctx.proxyFor) return ctx.proxyFor(project, ctx.site);
  const dir = ctx.desired?.find((c) => isProxy(c) && c.project === project)?.mounts.find((m) => m.target === ADMIN_DIR)?.source;
  return dir ? new HaproxySiteProxy(`${dir}/admin.sock`) : siteProxy(project, ctx.site);
}

const who = (ctx: ProxyContext, c: { service: string; replica: number }) => `${ctx.site}/${c.service}#${c.replica}`;

/** The container must keep running (and healthy, when it has a check) for `minHealthyMs` in a row. */
export async function holdHealthy(ctx: ProxyContext, id: string, spec: ContainerSpec): Promise<void> {
  const { minHealthyMs } = updatePolicy(spec);
  if (minHealthyMs <= 0) return;
  ctx.onProgress?.(`${who(ctx, spec)}: must stay healthy for ${minHealthyMs / 1000} s before it gets traffic`);
  const until = Date.now() + minHealthyMs;
  while (Date.now() < until) {
    ctx.signal?.throwIfAborted();
    const c = await ctx.runtime.inspect(id);
    const ok = c?.state === 'running' && (!hasHealthcheck(spec) || c.health === 'healthy');
    if (!ok) {
      throw new TurtleError(`${who(ctx, spec)} did not stay healthy for ${minHealthyMs / 1000} s (state ${c?.state ?? 'gone'}, health ${c?.health ?? '-'})`, {
        hint: `check its healthcheck and \`turtle logs ${spec.service} --site ${spec.site}\``,
      });
    }
    await sleep(Math.min(POLL_MS * 2, Math.max(0, until - Date.now())), undefined, ctx.signal ? { signal: ctx.signal } : undefined);
  }
}

/** Puts the container into each of its service's backends and waits until the proxy sends it traffic. */
export async function joinProxy(ctx: ProxyContext, id: string, spec: ContainerSpec): Promise<void> {
  const proxy = proxyOf(ctx, spec.project);
  const c = await ctx.runtime.inspect(id);
  if (c?.ipAddress === undefined) {
    throw new TurtleError(`${who(ctx, spec)} has no address on the engine's network for the proxy to reach`, {
      hint: 'proxied services must run on the engine\'s bridge network',
    });
  }
  const name = serverName({ service: spec.service, replica: spec.replica, id });
  for (const route of spec.routes ?? []) {
    const backend = backendName(spec.service, route);
    const present = (await proxy.servers()).some((s) => s.backend === backend && s.name === name);
    if (!present) await proxy.add(backend, { name, address: c.ipAddress, port: route.target });
  }
  await waitProxyUp(ctx, proxy, spec, name);
}

async function waitProxyUp(ctx: ProxyContext, proxy: SiteProxy, spec: ContainerSpec, name: string): Promise<void> {
  const backends = new Set((spec.routes ?? []).map((r) => backendName(spec.service, r)));
  const until = Date.now() + PROXY_UP_DEADLINE_MS;
  for (;;) {
    const mine = (await proxy.servers()).filter((s) => s.name === name && backends.has(s.backend));
    if (mine.length === backends.size && mine.every((s) => s.status === 'UP')) return;
    if (Date.now() > until) {
      throw new TurtleError(`${who(ctx, spec)}: the proxy's check did not pass within ${PROXY_UP_DEADLINE_MS / 1000} s (${mine.map((s) => `${s.backend}: ${s.status}`).join(', ') || 'not in the proxy'})`, {
        hint: `the proxy connects to the container's port${(spec.routes?.length ?? 0) > 1 ? 's' : ''} ${(spec.routes ?? []).map((r) => r.target).join(', ')}: check the service listens there`,
      });
    }
    await sleep(POLL_MS, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
  }
}

/**
 * Drains the container's servers: no new requests reach it, those under way may finish until `drainTimeoutMs`,
 * then its servers are removed. A proxy that does not answer (it is being replaced, or gone) drains nothing.
 */
export async function leaveProxy(ctx: ProxyContext, c: Pick<ObservedContainer, 'id' | 'project' | 'service' | 'replica'>, drainTimeoutMs: number): Promise<void> {
  const proxy = proxyOf(ctx, c.project);
  let servers;
  try {
    servers = (await proxy.servers()).filter((s) => isServerOf(s.name, c));
  } catch (err) {
    if (err instanceof TurtleError && err.recoverable) return;
    throw err;
  }
  if (servers.length === 0) return;
  for (const s of servers) await proxy.drain(s.backend, s.name);
  const until = Date.now() + drainTimeoutMs;
  for (;;) {
    const busy = (await proxy.servers()).filter((s) => isServerOf(s.name, c) && s.sessions > 0);
    if (busy.length === 0) break;
    if (Date.now() > until) {
      ctx.onProgress?.(`${who(ctx, c)}: ${busy.reduce((n, s) => n + s.sessions, 0)} requests still open after the ${drainTimeoutMs / 1000} s drain timeout; closing them`);
      break;
    }
    await sleep(POLL_MS, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
  }
  for (const s of servers) await proxy.remove(s.backend, s.name);
}

/** Waits until a just-started proxy answers on its admin socket. */
export async function waitProxyReady(ctx: ProxyContext, project: string): Promise<void> {
  const proxy = proxyOf(ctx, project);
  const until = Date.now() + PROXY_READY_DEADLINE_MS;
  for (;;) {
    try {
      await proxy.servers();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    await sleep(POLL_MS, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
  }
}

/**
 * After the proxy (re)starts its backends are empty: every running container of a proxied service on
 * this site joins again. `specs` are the site's desired containers (for their routes).
 */
export async function rejoinAll(ctx: ProxyContext, project: string, specs: readonly ContainerSpec[]): Promise<void> {
  const running = (await ctx.runtime.list(project)).filter((c) => c.site === ctx.site && c.state === 'running');
  for (const c of running) {
    const spec = specs.find((s) => s.service === c.service && s.replica === c.replica && s.configHash === c.configHash);
    if (spec && isProxied(spec)) await joinProxy(ctx, c.id, spec);
  }
}

/**
 * Brings the proxy in line with what runs, after the steps of a converge (or when there were none): a
 * proxy restarted by the engine or a reboot starts with empty backends, and a container restarted by
 * the agent may have a new address. Running containers of proxied services that are missing (or point
 * to an old address) join; servers whose container is gone are removed. Returns what it changed.
 */
export async function syncProxy(ctx: ProxyContext, project: string, desired: readonly ContainerSpec[]): Promise<string[]> {
  if (!desired.some(isProxy)) return [];
  const proxy = proxyOf(ctx, project);
  let servers;
  try {
    servers = await proxy.servers();
  } catch (err) {
    if (err instanceof TurtleError && err.recoverable) return []; // not running (yet): its own step brings it back
    throw err;
  }
  const changes: string[] = [];
  const running = (await ctx.runtime.list(project)).filter((c) => c.site === ctx.site && c.state === 'running');
  const serving = new Set<string>();
  for (const c of running) {
    const spec = desired.find((s) => s.service === c.service && s.replica === c.replica && s.configHash === c.configHash);
    if (spec === undefined || !isProxied(spec) || c.ipAddress === undefined) continue;
    if (hasHealthcheck(spec) && c.health !== 'healthy') continue;
    const name = serverName(c);
    for (const route of spec.routes ?? []) {
      const backend = backendName(spec.service, route);
      serving.add(`${backend}/${name}`);
      const have = servers.find((s) => s.backend === backend && s.name === name);
      if (have?.address === `${c.ipAddress}:${route.target}`) continue;
      if (have) await proxy.remove(backend, name);
      await proxy.add(backend, { name, address: c.ipAddress, port: route.target });
      changes.push(`${who(ctx, c)} ${have ? 'moved to' : 'put back into'} the proxy at ${c.ipAddress}:${route.target}`);
    }
  }
  const backends = new Set(desired.filter(isProxied).flatMap((s) => (s.routes ?? []).map((r) => backendName(s.service, r))));
  for (const s of servers) {
    if (!backends.has(s.backend) || serving.has(`${s.backend}/${s.name}`)) continue;
    if (running.some((c) => isServerOf(s.name, c))) continue; // running but not (yet) healthy: left to its step
    await proxy.remove(s.backend, s.name);
    changes.push(`${ctx.site}: ${s.backend}/${s.name} taken out of the proxy: its container is gone`);
  }
  return changes;
}

// The agent's part in bandwidth: after each reconcile (and each container start), the tc plan its desired
// state asks for, on the agent's own host. Each container's host-side veths are found from inside it: the
// `iflink` of its interfaces (in its own /sys, through /proc/PID/root) is the index of the host's end.
import { readdir, readFile } from 'node:fs/promises';
import { coalesced } from '../lib/coalesce.js';
import { errorMessage } from '../lib/errors.js';
import { isLocalEngine } from '../lib/endpoint.js';
import { formatRate } from '../spec/_units.js';
import { networksOf } from '../domain/network.js';
import type { ContainerSpec } from '../domain/types.js';
import type { ContainerRuntime, ManagesNetworks } from '../runtime/types.js';
import type { EventLog } from '../store/events.js';
import { bandwidthPlan, type ShapedContainer } from './plan.js';
import { Tc, type HostLinks } from './tc.js';

export interface SiteBandwidthOptions {
  site: string;
  endpoint: string;
  events: Pick<EventLog, 'append'>;
  /** the site's desired state and cap, read at each sync */
  state: () => ShapingState | undefined;
  engine: Engine;
  tc?: Tc;
  /** where /proc is (tests) */
  procRoot?: string;
}

export interface ShapingState {
  project: string;
  containers: readonly ContainerSpec[];
  /** budget.network, bits per second */
  cap?: number;
}

export type Engine = Pick<ContainerRuntime, 'list'> & Pick<ManagesNetworks, 'netns' | 'engineSubnets'>;

/** The host-side ends of the veths of the process `pid`'s network namespace. */
export async function hostVeths(pid: number, links: HostLinks, procRoot = '/proc'): Promise<string[]> {
  const dir = `${procRoot}/${pid}/root/sys/class/net`;
  const out: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === 'lo') continue;
    const [iflink, ifindex] = await Promise.all(['iflink', 'ifindex'].map((f) => readFile(`${dir}/${name}/${f}`, 'utf8').then(Number, () => NaN)));
    const peer = iflink !== undefined && iflink !== ifindex ? links.byIndex.get(iflink!) : undefined;
    if (peer) out.push(peer);
  }
  return out.sort();
}

export class SiteBandwidth {
  private readonly tc: Tc;
  private readonly found = new Map<string, { key: string; addresses: string[]; veths: string[] }>();
  private lastProblem: string | undefined;
  /** nothing of the site's is shaped, as checked since the last time something was: no need to look again */
  private clear = false;
  /** Brings the host's shaping to the desired state; one sync at a time, a request during one runs after it. */
  readonly sync: () => Promise<void>;

  constructor(private readonly opts: SiteBandwidthOptions) {
    this.tc = opts.tc ?? new Tc();
    this.sync = coalesced(() => this.once(opts.state(), opts.engine));
  }

  private async once(state: ShapingState | undefined, engine: Engine): Promise<void> {
    const { site, events } = this.opts;
    const containers = (state?.containers ?? []).filter((c) => (c.networks?.length ?? 0) > 0);
    const wanted = state !== undefined && (state.cap !== undefined || containers.some((c) => c.bandwidth?.egress !== undefined || c.bandwidth?.ingress !== undefined));
    try {
      if (!isLocalEngine(this.opts.endpoint)) {
        if (wanted) this.problem(`bandwidth limits not applied on ${site}: its engine at ${this.opts.endpoint} is not on the agent's host`);
        return;
      }
      if (!wanted && this.clear) return;
      const links = await this.tc.links();
      if (!wanted) {
        if ((await this.tc.sync(site, undefined, links)) === 'removed') events.append({ site, type: 'bandwidth.removed', message: `bandwidth shaping of ${site} removed: no limit or cap left` });
        this.lastProblem = undefined;
        this.clear = true;
        return;
      }
      this.clear = false;
      const shaped = await this.shapedContainers(state!.project, containers, engine, links);
      const names = new Set(networksOf(containers).map((n) => n.name));
      const local = (await engine.engineSubnets()).filter((n) => names.has(n.name)).flatMap((n) => n.subnets);
      const plan = bandwidthPlan({ site, ...(state!.cap !== undefined ? { cap: state!.cap } : {}), containers: shaped, local });
      const outcome = await this.tc.sync(site, plan, links);
      if (outcome === 'applied' && plan) {
        const what = plan.limits.map((l) => `${l.name} ${l.egress ? `out ${formatRate(l.egress)}` : ''}${l.egress && l.ingress ? ', ' : ''}${l.ingress ? `in ${formatRate(l.ingress)}` : ''}`).join('; ');
        events.append({ site, type: 'bandwidth.applied', message: `bandwidth of ${site}${state!.cap ? ` (cap ${formatRate(state!.cap)} each way)` : ''}: ${what || 'no container running yet'}`, data: { cap: state!.cap ?? null, limits: plan.limits } });
      }
      if (outcome === 'repaired') events.append({ site, type: 'bandwidth.repaired', message: `bandwidth shaping of ${site} was changed or removed outside turtle: put back` });
      this.lastProblem = undefined;
    } catch (err) {
      this.problem(`bandwidth limits not applied on ${site}: ${errorMessage(err)}`);
    }
  }

  /** The running containers of the desired state, each with its addresses and host-side veths. */
  private async shapedContainers(project: string, containers: readonly ContainerSpec[], engine: Engine, links: HostLinks): Promise<ShapedContainer[]> {
    const byName = new Map(containers.map((c) => [c.name, c]));
    const running = (await engine.list(project)).filter((o) => o.state === 'running' && byName.has(o.name));
    const seen = new Set<string>();
    const out: ShapedContainer[] = [];
    for (const o of running) {
      seen.add(o.id);
      const key = `${o.id} ${o.startedAt ?? ''}`;
      let found = this.found.get(o.id);
      if (found?.key !== key || found.veths.some((v) => !links.names.has(v))) {
        const ns = await engine.netns(o.id);
        if (!ns) continue;
        found = { key, addresses: ns.addresses, veths: await hostVeths(ns.pid, links, this.opts.procRoot) };
        this.found.set(o.id, found);
      }
      const spec = byName.get(o.name)!;
      out.push({ name: o.name, addresses: found.addresses, veths: found.veths, ...(spec.bandwidth ? { bandwidth: spec.bandwidth } : {}) });
    }
    for (const id of this.found.keys()) if (!seen.has(id)) this.found.delete(id);
    return out;
  }

  private problem(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.opts.events.append({ site: this.opts.site, type: 'bandwidth.failed', message });
  }
}

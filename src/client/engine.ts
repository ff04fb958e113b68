// A site whose engine turtle drives from here: today's code path, behind the SiteClient interface.
import { engineTarget, type DeployTarget } from '../converge/deploy.js';
import { cpuPercent, sampleHost, type HostSample } from '../governor/host.js';
import type { ObservedContainer } from '../domain/types.js';
import { TurtleError } from '../lib/errors.js';
import { holdsLeases, inspectsImages, listsForeign, managesNetworks, type ContainerRuntime, type ContainerStats, type ForeignContainer, type ImageFacts, type LogLine } from '../runtime/types.js';
import { engineLock, type Holder, type LockAttempt } from '../converge/lock.js';
import { plan } from '../domain/plan.js';
import { observeSite } from '../converge/observe.js';
import { externalNames, type ObservedNetwork } from '../domain/network.js';
import { recoverJournal } from '../converge/recover.js';
import type { Store } from '../store/index.js';
import type { ContainerSpec } from '../domain/types.js';
import type { LogRequest, LogSource, ServiceAction, SiteClient, SiteSample } from './types.js';

export class EngineClient implements SiteClient {
  readonly where: string;
  private readonly target: DeployTarget;
  private lastHost: HostSample | undefined;

  constructor(readonly site: string, private readonly project: string, readonly runtime: ContainerRuntime) {
    this.where = runtime.endpoint;
    this.target = engineTarget(runtime, site, project);
  }

  converge: DeployTarget['converge'] = (desired, hooks) => this.target.converge(desired, hooks);

  /** An engine that cannot hold a lease (none turtle has) is not locked: say so rather than pretend. */
  async tryLock(holder: Holder, ttlMs: number): Promise<LockAttempt> {
    if (!holdsLeases(this.runtime)) return { lease: { renew: async () => undefined, release: async () => undefined } };
    return engineLock(this.runtime, this.project, this.site).tryLock(holder, ttlMs);
  }

  /** How many steps converging would take now (read-only: one listing). */
  async pending(desired: readonly ContainerSpec[]): Promise<number> {
    const { actual, networks } = await observeSite(this.runtime, this.site, this.project, desired, true);
    return plan({ site: this.site, desired, actual, project: this.project, ...(networks ? { networks } : {}) }).length;
  }

  /** The project's networks on the engine (and the external ones `desired` joins), for plan and drift. */
  async networks(desired: readonly ContainerSpec[]): Promise<ObservedNetwork[] | undefined> {
    return managesNetworks(this.runtime) ? this.runtime.networks(this.project, externalNames(desired)) : undefined;
  }

  /** Undoes what a CLI killed mid-step left (this store's journal of steps run from here). */
  repair(store: Store): Promise<string[]> {
    return recoverJournal(this.runtime, this.site, this.project, store);
  }

  async images(refs: readonly string[]): Promise<(ImageFacts | undefined)[]> {
    const runtime = this.runtime;
    if (!inspectsImages(runtime)) throw new TurtleError(`the ${runtime.kind} engine at ${this.where} cannot inspect images`);
    return Promise.all(refs.map((ref) => runtime.imageFacts(ref)));
  }

  async foreign(): Promise<ForeignContainer[]> {
    return listsForeign(this.runtime) ? this.runtime.foreign() : [];
  }

  async list(): Promise<ObservedContainer[]> {
    return (await this.runtime.list(this.project)).filter((c) => c.site === this.site);
  }

  async act(service: string, action: ServiceAction): Promise<number> {
    const containers = (await this.list()).filter((c) => c.service === service);
    for (const c of containers) {
      if (action === 'start') {
        if (c.state !== 'running') await this.runtime.start(c.id);
      } else if (action === 'stop') await this.runtime.stop(c.id, 10);
      else await this.runtime.restart(c.id, 10);
    }
    return containers.length;
  }

  async logs(service: string, { tail, follow, signal }: LogRequest): Promise<LogSource[]> {
    const mine = (await this.list()).filter((c) => c.service === service).sort((a, b) => a.replica - b.replica);
    return mine.map((c) => labelled(`${this.site}/${service}#${c.replica}`, this.runtime.logs(c.id, { tail, follow, signal })));
  }

  /** The host is the one the CLI runs on, as `turtle top` has always shown it. */
  async sample(): Promise<SiteSample> {
    const before = this.lastHost ?? sampleHost();
    const running = (await this.list()).filter((c) => c.state === 'running');
    // In parallel: a stats read takes a second on Podman (two samples), so one after another grows with every container.
    const stats = await Promise.all(running.map((c) => this.runtime.stats(c.id)));
    const after = sampleHost();
    this.lastHost = after;
    return {
      hostKey: 'local',
      host: { cpuPercent: cpuPercent(before, after), cpus: after.cpus, memTotalBytes: after.memTotalBytes, memAvailableBytes: after.memAvailableBytes },
      containers: running.map((c, i) => ({ service: c.service, replica: c.replica, stats: stats[i] as ContainerStats })),
    };
  }
}

async function* labelled(label: string, lines: AsyncIterable<LogLine>): LogSource {
  for await (const line of lines) yield { label, line };
}

// A site reached through its agent's mutual-TLS API: the same answers as the engine path, from the agent.
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, TurtleError } from '../lib/errors.js';
import type { ContainerSpec, ObservedContainer, SiteBudget } from '../domain/types.js';
import type { GovernorSnapshot } from '../governor/governor.js';
import type { TargetConvergence, TargetHooks } from '../converge/deploy.js';
import { MAX_IMAGE_REFS, type ForeignContainer, type ImageFacts, type LogLine } from '../runtime/types.js';
import type { TurtleEvent } from '../store/index.js';
import { AgentConnection } from './_https.js';
import { reconcileRecords } from './_reconcile.js';
import type { Identity } from './identity.js';
import type { Holder, Lease, LockAttempt } from '../converge/lock.js';
import type { HostStats, LogRequest, LogSource, ServiceAction, SiteClient, SiteSample } from './types.js';

/** How long a deploy waits for an agent's reconcile (steps wait for health themselves, a few minutes at most). */
const RECONCILE_WAIT_MS = 10 * 60_000;
/** How often a deploy waiting on an agent checks that the agent still answers. */
const HEARTBEAT_MS = 5_000;

interface Observed {
  containers: ObservedContainer[];
  /** absent from an agent older than this CLI */
  foreign?: ForeignContainer[];
}

interface Events {
  events: TurtleEvent[];
  next: number;
}

interface Stats {
  host: HostStats;
  containers: { service: string; replica: number; id: string; cpuPercent?: number; memoryBytes?: number; memoryLimitBytes?: number }[];
}

/** How an agent without the `site` field of PUT /v1/desired refuses it (zod's strict object, path empty). */
const OLD_AGENT = /\(body\): Unrecognized key: "site"/;

/** The leases this process holds, by agent URL: every client of that agent sends it with the desired state it pushes. */
const heldLeases = new Map<string, string>();

export class AgentClient implements SiteClient {
  private readonly api: AgentConnection;
  /** what the last GET /v1/observed said of containers turtle did not start (the agent lists its engine for each one) */
  private seenForeign: ForeignContainer[] | undefined;

  /** `budget`: the site's capacity and budget from turtle.yaml, pushed with the desired state for the agent's governor */
  constructor(readonly site: string, private readonly project: string, private readonly specHash: string, readonly where: string, identity: Identity, private readonly budget?: SiteBudget) {
    if (!where.startsWith('https://')) {
      throw new TurtleError(`site ${site}: the agent's API is HTTPS only, but sites.${site}.agent is ${where}`, {
        exitCode: ExitCode.invalid,
        hint: `write it as https://${where.replace(/^\w+:\/\//, '')}`,
      });
    }
    this.api = new AgentConnection(site, where, identity);
  }


  async tryLock(holder: Holder, ttlMs: number): Promise<LockAttempt> {
    const { status, body } = await this.api.json<{ id?: string; heldBy?: Holder }>('POST', '/v1/lease', { body: { holder, ttlMs }, accept: [404, 409] });
    // an agent older than leases: nothing to hold (its own runner still serialises reconciles)
    if (status === 404) return { lease: { renew: async () => undefined, release: async () => undefined } };
    if (status === 409 || body.id === undefined) return { heldBy: body.heldBy ?? { who: 'another deployment', host: '', pid: 0, command: 'deploy', since: '' } };
    let id = body.id;
    heldLeases.set(this.where, id);
    const lease: Lease = {
      renew: async () => {
        const { status: renewed } = await this.api.json('POST', `/v1/lease/${id}`, { body: { ttlMs }, accept: [409] });
        if (renewed !== 409) return;
        // not held any more: a restarted agent forgot it (take it again), or another deployment has it
        const again = await this.api.json<{ id?: string }>('POST', '/v1/lease', { body: { holder, ttlMs }, accept: [409] });
        if (again.status === 409 || again.body.id === undefined) throw new TurtleError(`the deployment lease on ${this.site} was taken over by another deployment`);
        id = again.body.id;
        heldLeases.set(this.where, id);
      },
      release: async () => {
        heldLeases.delete(this.where);
        await this.api.json('DELETE', `/v1/lease/${id}`);
      },
    };
    return { lease };
  }

  /** Read-only: 0 when the agent already keeps exactly this version's containers as desired (it converges them itself). */
  async pending(desired: readonly ContainerSpec[], version: string): Promise<number> {
    const kept = await this.current();
    return kept?.specHash === version && JSON.stringify(kept.containers) === JSON.stringify(desired) ? 0 : 1;
  }

  async list(): Promise<ObservedContainer[]> {
    const { body } = await this.api.json<Observed>('GET', '/v1/observed');
    this.seenForeign = body.foreign ?? [];
    return body.containers.filter((c) => c.project === this.project && c.site === this.site);
  }

  /** Containers the agent saw on its engine that turtle did not start (at its last check), from the answer to list() when there was one. */
  async foreign(): Promise<ForeignContainer[]> {
    if (this.seenForeign) return this.seenForeign;
    const { body } = await this.api.json<Observed>('GET', '/v1/observed');
    return body.foreign ?? [];
  }

  async current(): Promise<{ specHash: string; containers: ContainerSpec[] } | undefined> {
    const { body } = await this.api.json<{ desired: { project: string; specHash: string; containers: ContainerSpec[] } | null }>('GET', '/v1/desired');
    if (!body.desired || body.desired.project !== this.project) return undefined;
    return { specHash: body.desired.specHash, containers: body.desired.containers };
  }

  /** The site's age public key: secrets for it are sealed to this. */
  async recipient(): Promise<string> {
    const { body } = await this.api.json<{ recipient: string }>('GET', '/v1/recipient');
    return body.recipient;
  }

  async stopped(): Promise<ReadonlySet<string>> {
    const { body } = await this.api.json<{ stopped: string[] }>('GET', '/v1/desired');
    return new Set(body.stopped);
  }

  async act(service: string, action: ServiceAction): Promise<number> {
    try {
      // no idle limit: the agent answers once every replica stopped (10 s each at most) after any reconcile under way
      const { body } = await this.api.json<{ containers: number }>('POST', `/v1/services/${encodeURIComponent(service)}/${action}`, { idleMs: 0 });
      return body.containers;
    } catch (err) {
      // the agent has never been told about the service: like an engine with none of its containers
      if (err instanceof TurtleError && / answered 404: .* is not in \S+ desired state$/.test(err.message)) return 0;
      throw err;
    }
  }

  async logs(service: string, { tail, follow, signal }: LogRequest): Promise<LogSource[]> {
    const path = `/v1/services/${encodeURIComponent(service)}/logs?tail=${tail}&follow=${follow ? 1 : 0}`;
    const lines = await this.api.lines(path, signal);
    if (!lines) return [];
    const site = this.site;
    async function* labelled() {
      for await (const raw of lines as AsyncIterable<{ replica: number } & LogLine>) {
        yield { label: `${site}/${service}#${raw.replica}`, line: { time: raw.time, stream: raw.stream, text: raw.text } };
      }
    }
    return [labelled()];
  }

  async sample(): Promise<SiteSample> {
    const { body } = await this.api.json<Stats>('GET', '/v1/stats');
    return {
      hostKey: this.where,
      host: body.host,
      containers: body.containers.map((c) => ({
        service: c.service,
        replica: c.replica,
        stats: { id: c.id, cpuPercent: c.cpuPercent ?? 0, memoryBytes: c.memoryBytes ?? 0, memoryLimitBytes: c.memoryLimitBytes ?? 0 },
      })),
    };
  }

  /** What the site's engine has for each image reference; an agent older than this CLI cannot say (404). */
  async images(refs: readonly string[]): Promise<(ImageFacts | undefined)[]> {
    const out: (ImageFacts | undefined)[] = [];
    for (let i = 0; i < refs.length; i += MAX_IMAGE_REFS) {
      const part = refs.slice(i, i + MAX_IMAGE_REFS);
      const { body } = await this.api.json<{ images: (ImageFacts | { ref: string; missing: true })[] }>('GET', `/v1/images?refs=${part.map(encodeURIComponent).join(',')}`);
      out.push(...body.images.map((f) => ('missing' in f ? undefined : f)));
    }
    return out;
  }

  /** The agent's governor; undefined where it runs none (kernel weights only, or TURTLE_GOVERNOR=off). */
  async governor(): Promise<GovernorSnapshot | undefined> {
    const { body } = await this.api.json<{ governor: GovernorSnapshot | null }>('GET', '/v1/governor');
    return body.governor ?? undefined;
  }

  /**
   * Pushes the desired containers and waits for the reconcile that covers them: its steps are the
   * deployment's steps. A failed reconcile ends the wait (the agent itself keeps retrying).
   */
  async converge(desired: readonly ContainerSpec[], hooks: TargetHooks = {}, version = this.specHash): Promise<TargetConvergence> {
    const stop = new AbortController();
    // Ctrl-C stops the waiting; the agent finishes (or undoes) its reconcile by itself
    const interrupted = new Promise<never>((_, reject) => {
      const abort = () => reject(new TurtleError(`interrupted while ${this.site}'s agent converges (it finishes on its own)`, { exitCode: ExitCode.interrupted }));
      if (hooks.signal?.aborted) abort();
      hooks.signal?.addEventListener('abort', abort, { once: true, signal: stop.signal });
    });
    try {
      return await Promise.race([this.pushAndWait(desired, version, hooks, stop.signal), this.deadline(stop.signal), this.heartbeat(stop.signal), interrupted]);
    } finally {
      stop.abort();
    }
  }

  private async pushAndWait(desired: readonly ContainerSpec[], specHash: string, hooks: TargetHooks, signal: AbortSignal): Promise<TargetConvergence> {
    // the agent keeps the operator's stops itself (`turtle stop` through it) and applies them on top
    const containers = desired.map((c) => ({ ...c, running: true }));
    const put = await this.push({ project: this.project, specHash, containers }, hooks, signal);
    const after = put.body.seq;
    if (after === undefined) throw this.tooOld('its PUT /v1/desired answer has no `seq`');
    hooks.onProgress?.(`waiting for the agent at ${this.where} to converge`);
    // Whichever comes first: a reconcile event after our push (with steps, or failed), or the end of the
    // reconcile the push asked for (a run with no steps writes no event).
    const event = await Promise.race([this.reconcileEvent(after, signal), this.settled(after, signal)]);
    const outcome = reconcileRecords(event);
    // a run that failed before it had steps reports none (the engine path plans nothing then either)
    if (!outcome.failed || outcome.records.length > 0) hooks.onReport?.(outcome.records);
    if (!outcome.failed) return { records: outcome.records };
    const error = new TurtleError(outcome.failed, { hint: `the agent keeps retrying; see its events (GET ${this.where}/v1/events) or fix the spec and deploy again` });
    return { records: outcome.records, error };
  }

  /**
   * PUT /v1/desired with the site's budget. An agent older than the budget field refuses it as unknown (400,
   * nothing applied): the same state goes again without it, and the operator is told the budget waits for
   * the agent's upgrade (the agent keeps its own defaults meanwhile).
   */
  private async push(body: { project: string; specHash: string; containers: unknown[] }, hooks: TargetHooks, signal: AbortSignal) {
    const lease = heldLeases.get(this.where);
    const headers: Record<string, string> = lease ? { 'x-turtle-lease': lease } : {};
    if (!this.budget) return this.api.json<{ seq?: number }>('PUT', '/v1/desired', { body, signal, headers });
    try {
      return await this.api.json<{ seq?: number }>('PUT', '/v1/desired', { body: { ...body, site: this.budget }, signal, headers });
    } catch (err) {
      if (!(err instanceof TurtleError && err.exitCode === ExitCode.invalid && OLD_AGENT.test(err.message))) throw err;
      hooks.onProgress?.(`the agent at ${this.where} is older than this CLI and does not take turtle.yaml's budget for ${this.site}: pushed without it (its governor keeps its own defaults); upgrade the agent to apply it`);
      return this.api.json<{ seq?: number }>('PUT', '/v1/desired', { body, signal, headers });
    }
  }

  /** Long-polls the agent's events for the first reconcile outcome that saw our push (see `afterOurs`). */
  private async reconcileEvent(after: number, signal: AbortSignal): Promise<TurtleEvent> {
    const seen: TurtleEvent[] = [];
    let from = after;
    for (;;) {
      const { body } = await this.api.json<Events>('GET', `/v1/events?after=${from}&wait=10`, { signal, idleMs: 0 });
      seen.push(...body.events);
      const found = afterOurs(seen, after);
      if (found) return found;
      from = body.next;
    }
  }

  /** Waits until the agent finished the run our push triggered, then looks for its event once more. */
  private async settled(after: number, signal: AbortSignal): Promise<TurtleEvent | undefined> {
    try {
      await this.api.json('GET', '/v1/observed?wait=1', { signal, idleMs: 0 });
    } catch (err) {
      // a 5xx comes from reading the engine after the run, which is over: its event (if any) says how it went
      if (!(err instanceof TurtleError && err.exitCode === ExitCode.failed)) throw err;
    }
    const { body } = await this.api.json<Events>('GET', `/v1/events?after=${after}&limit=10000`, { signal });
    return afterOurs(body.events, after);
  }

  /**
   * The waits above are long-polls without an idle timeout (a reconcile may take minutes): a link cut
   * under them would hang until the deadline. A short request every few seconds notices the cut; its
   * unreachable error ends the wait (a rollout then waits for the site, or skips it).
   */
  private async heartbeat(signal: AbortSignal): Promise<never> {
    for (;;) {
      await sleep(HEARTBEAT_MS, undefined, { signal });
      try {
        await this.api.json('GET', '/v1/events?after=0&limit=1', { signal, idleMs: HEARTBEAT_MS * 2 });
      } catch (err) {
        if (err instanceof TurtleError && err.exitCode === ExitCode.unreachable) throw err;
      }
    }
  }

  /** A reconcile stuck behind the engine must not hang the deploy: give up waiting (the agent goes on). */
  private async deadline(signal: AbortSignal): Promise<never> {
    await sleep(RECONCILE_WAIT_MS, undefined, { signal });
    throw new TurtleError(`site ${this.site}: the agent at ${this.where} has not finished converging after ${RECONCILE_WAIT_MS / 1000} s`, {
      exitCode: ExitCode.failed,
      hint: `it goes on by itself: see its events (GET ${this.where}/v1/events) and \`turtle ps --site ${this.site}\``,
    });
  }

  private tooOld(why: string): TurtleError {
    return new TurtleError(`site ${this.site}: the agent at ${this.where} is older than this turtle (${why})`, {
      exitCode: ExitCode.failed,
      hint: 'update turtle on the site and restart its agent',
    });
  }
}

/**
 * The first reconcile outcome after the agent's `desired.applied` marker for our push (seq `replaced`):
 * a run already under way when the push arrived used the old state, and its event comes before the marker.
 */
export function afterOurs(events: readonly TurtleEvent[], replaced: number): TurtleEvent | undefined {
  const marker = events.findIndex((e) => e.type === 'desired.applied' && e.data?.replaced === replaced);
  if (marker < 0) return undefined;
  return events.slice(marker + 1).find((e) => e.type === 'reconcile.succeeded' || e.type === 'reconcile.failed');
}

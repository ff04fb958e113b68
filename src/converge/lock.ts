// One deployment at a time per site, whoever starts it. A site's lock is a lease with a TTL held on the site
// itself (a lease container on its engine, or the agent's lease), so two CLIs on two laptops are serialised
// too. The holder renews it while it works; a holder that dies stops renewing and its lease expires (at
// once when it ran on this host and its process is gone). Locks are taken in sorted site order, so two
// deployments over overlapping sites never wait on each other in a circle.
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, TurtleError, errorMessage } from '../lib/errors.js';
import { Label } from '../domain/types.js';
import type { ContainerRuntime, HoldsLeases, LeaseRecord } from '../runtime/types.js';

/** Who holds a site: enough for the operator waiting to know whom to ask. */
export interface Holder {
  who: string;
  host: string;
  pid: number;
  command: string;
  /** the deployment's id in the holder's store */
  deployment?: number;
  /** when the holder took the lock (ISO, its clock) */
  since: string;
}

export interface Lease {
  renew(): Promise<void>;
  release(): Promise<void>;
}

export type LockAttempt = { lease: Lease } | { heldBy: Holder };

/** A site that can be locked for a deployment (an engine that holds leases, an agent). */
export interface Lockable {
  readonly site: string;
  tryLock(holder: Holder, ttlMs: number): Promise<LockAttempt>;
}

export function isLockable(target: object): target is Lockable {
  return typeof (target as Partial<Lockable>).tryLock === 'function';
}

export const LEASE_TTL_MS = 30_000;

export function thisHolder(command: string, deployment?: number): Holder {
  let who = 'unknown';
  try {
    who = userInfo().username;
  } catch {
    // no passwd entry (a container): the host alone
  }
  const host = hostname();
  return { who: `${who}@${host}`, host, pid: process.pid, command, ...(deployment === undefined ? {} : { deployment }), since: new Date().toISOString() };
}

export function describeHolder(h: Holder, nowMs = Date.now()): string {
  const since = Date.parse(h.since);
  const age = Number.isFinite(since) ? ` (${Math.max(0, Math.round((nowMs - since) / 1000))} s ago)` : '';
  const what = h.deployment === undefined ? `\`turtle ${h.command}\`` : `deployment ${h.deployment} (\`turtle ${h.command}\`)`;
  return `${what} by ${h.who}, pid ${h.pid}, since ${h.since}${age}`;
}

/** The lock of `site` on an engine turtle drives from here. */
export function engineLock(runtime: ContainerRuntime & HoldsLeases, project: string, site: string): Lockable {
  const key = `${project}/${site}`;
  const name = `turtle-lease-${project}-${site}`;
  return {
    site,
    async tryLock(holder, ttlMs) {
      const labels = { [Label.lease]: key, [Label.lease + '.holder']: JSON.stringify(holder), [Label.lease + '.ttl-ms']: String(ttlMs) };
      for (let attempt = 0; attempt < 5; attempt++) {
        const { nowMs, leases } = await runtime.leases(key);
        const live = leases.filter((l) => !expired(l, nowMs));
        if (live.length > 0) return { heldBy: holderOf(newest(live)) };
        // Stale leases go by id: a lease someone else made meanwhile has another id and stays.
        for (const stale of leases) await runtime.removeLease(stale.id);
        const id = await runtime.createLease(name, labels);
        if (id !== undefined) return { lease: engineLease(runtime, name, id, labels) };
      }
      const { leases } = await runtime.leases(key);
      return { heldBy: leases.length > 0 ? holderOf(newest(leases)) : { ...holder, who: 'another deployment', pid: 0 } };
    },
  };
}

function engineLease(runtime: HoldsLeases, name: string, first: string, labels: Record<string, string>): Lease {
  let id = first;
  return {
    // A fresh lease beside the old one first, so at every moment one unexpired lease is there.
    async renew() {
      const fresh = await runtime.createLease(`${name}-${Date.now().toString(36)}`, labels);
      if (fresh === undefined) throw new TurtleError(`could not renew the deployment lease ${name}`);
      await runtime.removeLease(id);
      if (!(await runtime.renameLease(fresh, name))) {
        await runtime.removeLease(fresh);
        throw new TurtleError(`the deployment lease ${name} was taken over by another deployment`);
      }
      id = fresh;
    },
    release: () => runtime.removeLease(id),
  };
}

/** Expired by the engine's clock, or its holder ran on this host and is gone. */
export function expired(lease: LeaseRecord, nowMs: number, alive: (pid: number) => boolean = pidAlive): boolean {
  const ttl = Number(lease.labels[Label.lease + '.ttl-ms'] ?? LEASE_TTL_MS);
  if (lease.createdMs + ttl < nowMs) return true;
  const holder = holderOf(lease);
  return holder.host === hostname() && holder.pid > 0 && !alive(holder.pid);
}

function newest(leases: readonly LeaseRecord[]): LeaseRecord {
  return leases.reduce((a, b) => (b.createdMs > a.createdMs ? b : a));
}

function holderOf(lease: LeaseRecord): Holder {
  try {
    return JSON.parse(lease.labels[Label.lease + '.holder'] ?? '') as Holder;
  } catch {
    return { who: 'unknown', host: '', pid: 0, command: 'deploy', since: new Date(lease.createdMs).toISOString() };
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie (killed, not yet reaped) is not alive: /proc says Z
  try {
    return !/\)\s+Z\s/.test(readStat(pid));
  } catch {
    return true;
  }
}

function readStat(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8');
}

export interface LockOptions {
  holder: Holder;
  /** false: give up at once when a site is held (`--no-wait`) */
  wait: boolean;
  ttlMs?: number;
  pollMs?: number;
  /** called while waiting for a held site (first time and every poll) */
  onWaiting?: (site: string, heldBy: Holder, first: boolean) => void;
  signal?: AbortSignal;
}

/** The held locks of a deployment: renewed in the background until released. */
export class SiteLocks {
  private timer: NodeJS.Timeout | undefined;
  /** why a lease was lost, if one was: the deployment must not go on there */
  lost: string | undefined;

  private constructor(private readonly held: { site: string; lease: Lease }[], ttlMs: number) {
    if (held.length === 0) return;
    this.timer = setInterval(() => void this.renewAll(), Math.max(1_000, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  get sites(): string[] {
    return this.held.map((h) => h.site);
  }

  /** Locks every target in sorted site order, waiting for (or refusing, without `wait`) held ones. */
  static async take(targets: readonly Lockable[], opts: LockOptions): Promise<SiteLocks> {
    const ttlMs = opts.ttlMs ?? LEASE_TTL_MS;
    const held: { site: string; lease: Lease }[] = [];
    const sorted = [...targets].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
    try {
      for (const target of sorted) {
        for (let first = true; ; first = false) {
          opts.signal?.throwIfAborted();
          const got = await target.tryLock(opts.holder, ttlMs);
          if ('lease' in got) {
            held.push({ site: target.site, lease: got.lease });
            break;
          }
          if (!opts.wait) {
            throw new TurtleError(`${target.site} is being deployed by ${describeHolder(got.heldBy)}`, {
              exitCode: ExitCode.busy,
              hint: 'wait for it to finish (run again without --no-wait to wait), or ask its holder; a holder that died loses the lock within 30 s',
            });
          }
          opts.onWaiting?.(target.site, got.heldBy, first);
          await sleep(opts.pollMs ?? 1_000, undefined, opts.signal ? { signal: opts.signal } : undefined);
        }
      }
    } catch (err) {
      await Promise.all(held.map((h) => h.lease.release().catch(() => undefined)));
      throw err;
    }
    return new SiteLocks(held, ttlMs);
  }

  private async renewAll(): Promise<void> {
    for (const h of this.held) {
      try {
        await h.lease.renew();
      } catch (err) {
        // a passing fault is retried at the next tick; the lease only expires after a whole TTL
        if (errorMessage(err).includes('taken over')) this.lost ??= `${h.site}: ${errorMessage(err)}`;
      }
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.held.map((h) => h.lease.release().catch(() => undefined)));
  }
}

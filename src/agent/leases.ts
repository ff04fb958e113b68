// The agent's deployment lease: one deployment at a time on this site, whichever CLI runs it. A lease
// lives in memory with a TTL its holder renews; an agent restart forgets it (the holder's next renewal
// takes it again while the site is free). While a lease is live, a desired state pushed without its id is
// refused, so a CLI that never asked for the lease cannot slip a deployment in.
import { randomUUID } from 'node:crypto';
import type { Holder } from '../converge/lock.js';

interface Held {
  id: string;
  holder: Holder;
  expiresAt: number;
}

export type TakeResult = { id: string; expiresAt: number } | { heldBy: Holder };

export class LeaseTable {
  private held: Held | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  take(holder: Holder, ttlMs: number): TakeResult {
    const live = this.live();
    if (live) return { heldBy: live.holder };
    this.held = { id: randomUUID(), holder, expiresAt: this.now() + ttlMs };
    return { id: this.held.id, expiresAt: this.held.expiresAt };
  }

  /** false when `id` is not the live lease (expired and taken by another, or released) */
  renew(id: string, ttlMs: number): boolean {
    const live = this.live();
    if (live?.id !== id) return false;
    live.expiresAt = this.now() + ttlMs;
    return true;
  }

  release(id: string): boolean {
    if (this.held?.id !== id) return false;
    this.held = undefined;
    return true;
  }

  /** The holder of a live lease other than `id` (what blocks a push that carries `id`). */
  blocking(id: string | undefined): Holder | undefined {
    const live = this.live();
    return live && live.id !== id ? live.holder : undefined;
  }

  private live(): Held | undefined {
    if (this.held && this.held.expiresAt <= this.now()) this.held = undefined;
    return this.held;
  }
}

// Long-lived answers (log follows, event streams, long-polls): how many each client may hold, and writing
// them with back-pressure so a client that stops reading costs a socket buffer, not the agent's heap.
import type { ServerResponse } from 'node:http';

export interface StreamLimits {
  /** per client identity (certificate) that is not an operator */
  perIdentity: number;
  /** per operator identity */
  perOperator: number;
  /** per client address, operators not counted */
  perAddress: number;
  /** in all: operators may use every slot, other roles all but `operatorRoom` */
  total: number;
  operatorRoom: number;
}

/**
 * Long-lived answers open at once. Each one moving data costs the agent ~200 KB (TLS and socket buffers):
 * a reader gets few (the observer needs two per site: events and one follow of every service's logs).
 */
export const STREAM_LIMITS: StreamLimits = { perIdentity: 8, perOperator: 16, perAddress: 16, total: 96, operatorRoom: 32 };

/**
 * Other requests in flight at once: each one is work now (a log read of 10,000 lines, stats of every
 * container), so a reader gets few; operators keep room of their own.
 */
export const REQUEST_LIMITS: StreamLimits = { perIdentity: 4, perOperator: 32, perAddress: 8, total: 64, operatorRoom: 16 };

export interface StreamHolder {
  /** the certificate (role, name and serial), or an address for a listener without identities */
  identity: string;
  address: string;
  operator: boolean;
}

/** Counts open streams per identity and per address; `take` answers why not when a cap is reached. */
export class StreamCaps {
  private readonly byIdentity = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();
  private open = 0;

  /** `what`: how refusals name what is counted */
  constructor(private readonly limits: StreamLimits = STREAM_LIMITS, private readonly what = 'open streams') {}

  get size(): number {
    return this.open;
  }

  take(who: StreamHolder): { release: () => void } | { refused: string } {
    const { limits: l, what } = this;
    const mine = this.byIdentity.get(who.identity) ?? 0;
    const here = this.byAddress.get(who.address) ?? 0;
    const own = who.operator ? l.perOperator : l.perIdentity;
    if (mine >= own) return { refused: `this client already holds ${mine} ${what} (at most ${own})` };
    if (!who.operator && here >= l.perAddress) return { refused: `${who.address} already holds ${here} ${what} (at most ${l.perAddress})` };
    if (this.open >= (who.operator ? l.total : l.total - l.operatorRoom)) return { refused: `the server holds ${this.open} ${what}, its limit${who.operator ? '' : ' for this role'}` };
    this.byIdentity.set(who.identity, mine + 1);
    if (!who.operator) this.byAddress.set(who.address, here + 1);
    this.open++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        drop(this.byIdentity, who.identity);
        if (!who.operator) drop(this.byAddress, who.address);
      },
    };
  }
}

function drop(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 1) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

/** How long a client may leave a full socket buffer unread before its stream is cut. */
export const STALL_MS = 60_000;

/**
 * Writes one chunk; when the socket's buffer is full, waits until the client has read it (or goes, or
 * stalls past `stallMs`, when the answer is destroyed). Resolves false once the answer is gone.
 */
export async function writeOrWait(res: ServerResponse, chunk: string, stallMs = STALL_MS): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(chunk)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain).off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => {
      res.destroy();
      done(false);
    }, stallMs);
    res.once('drain', onDrain).once('close', onClose);
  });
}

export interface RateLimits {
  /** per client identity that is not an operator: a rate (units a second) and a burst */
  perIdentity: { rate: number; burst: number };
  /** per client address, operators not counted */
  perAddress: { rate: number; burst: number };
}

/** Log lines a second a reader (any role but operator) may be sent: the observer mirrors far fewer. */
export const LOG_LINE_LIMITS: RateLimits = { perIdentity: { rate: 500, burst: 2_000 }, perAddress: { rate: 1_000, burst: 4_000 } };

/**
 * Token buckets per identity and per address: work a reader may make the server do (log lines read from
 * the engine and sent) whatever number of connections it opens. `delayMs` takes `n` units and says how long
 * to wait first (0 at once): the caller waits, as it does for a full socket buffer.
 */
export class RateBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: RateLimits = LOG_LINE_LIMITS, private readonly now: () => number = Date.now) {}

  delayMs(who: StreamHolder, n = 1): number {
    if (who.operator) return 0;
    return Math.max(this.spend(`i:${who.identity}`, this.limits.perIdentity, n), this.spend(`a:${who.address}`, this.limits.perAddress, n));
  }

  private spend(key: string, { rate, burst }: { rate: number; burst: number }, n: number): number {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate) - n;
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.forgetFull(now);
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / rate) * 1000);
  }

  /** buckets refilled to their burst are the same as none */
  private forgetFull(now: number): void {
    for (const [key, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(key);
  }
}

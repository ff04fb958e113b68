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

export const STREAM_LIMITS: StreamLimits = { perIdentity: 8, perOperator: 16, perAddress: 32, total: 128, operatorRoom: 32 };

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

  constructor(private readonly limits: StreamLimits = STREAM_LIMITS) {}

  get size(): number {
    return this.open;
  }

  take(who: StreamHolder): { release: () => void } | { refused: string } {
    const l = this.limits;
    const mine = this.byIdentity.get(who.identity) ?? 0;
    const here = this.byAddress.get(who.address) ?? 0;
    if (mine >= (who.operator ? l.perOperator : l.perIdentity)) return { refused: `this client already holds ${mine} open streams (at most ${who.operator ? l.perOperator : l.perIdentity})` };
    if (!who.operator && here >= l.perAddress) return { refused: `${who.address} already holds ${here} open streams (at most ${l.perAddress})` };
    if (this.open >= (who.operator ? l.total : l.total - l.operatorRoom)) return { refused: `the server holds ${this.open} open streams, its limit${who.operator ? '' : ' for this role'}` };
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

// Heavy work (image imports and pulls, later backups) waits for a quiet window: the governor, when one
// runs in this process, says whether the host is quiet; without one, work goes ahead at once.
import { setTimeout as sleep } from 'node:timers/promises';

let quietNow: (() => boolean) | undefined;

export function setQuietSource(source: (() => boolean) | undefined): void {
  quietNow = source;
}

/**
 * Resolves when the host is quiet, or after `maxWaitMs`: a deploy must not stall on a host that is always
 * busy, and a pull that cannot succeed (no such image) should fail soon. Returns how long it waited, in ms.
 */
export async function quietWindow(opts: { maxWaitMs?: number; signal?: AbortSignal; pollMs?: number } = {}): Promise<number> {
  const start = Date.now();
  const until = start + (opts.maxWaitMs ?? 10_000);
  while (quietNow && !quietNow() && Date.now() < until && !opts.signal?.aborted) {
    await sleep(opts.pollMs ?? 500, undefined, opts.signal ? { signal: opts.signal } : undefined).catch(() => undefined);
  }
  return Date.now() - start;
}

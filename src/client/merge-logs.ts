// Log lines of several sources in time order: all at once (collected), or as they arrive (follow), where
// a line waits until every live source has caught up with it, or at most `holdMs`.
import type { LabelledLine, LogSource } from './types.js';

/** Orders RFC 3339 times whatever their fraction digits or offset (`…52.1Z`, `…52.123456789+00:00`). */
export function compareLogTimes(a: string, b: string): number {
  const [ma, na] = timeKey(a);
  const [mb, nb] = timeKey(b);
  return ma - mb || na - nb;
}

function timeKey(t: string): [number, number] {
  const m = /^(.*?:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(t);
  if (!m) return [Number.NaN, 0];
  const ms = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  const nanos = Number((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return [Number.isNaN(ms) ? 0 : ms, nanos];
}

export async function collectInOrder(sources: readonly LogSource[]): Promise<LabelledLine[]> {
  const all = await Promise.all(
    sources.map(async (s) => {
      const out: LabelledLine[] = [];
      for await (const l of s) out.push(l);
      return out;
    }),
  );
  return all.flat().sort((a, b) => compareLogTimes(a.line.time, b.line.time));
}

/** Follows every source; each source is in time order itself, so a line is safe once all have passed it. */
export async function* followInOrder(sources: readonly LogSource[], holdMs = 500): AsyncIterable<LabelledLine> {
  const held: { l: LabelledLine; at: number }[] = [];
  const latest: (string | undefined)[] = sources.map(() => undefined);
  const live = new Set(sources.map((_, i) => i));
  let failure: { err: unknown } | undefined;
  let wake: () => void = () => undefined;
  sources.forEach(async (source, i) => {
    try {
      for await (const l of source) {
        held.push({ l, at: Date.now() });
        latest[i] = l.line.time;
        wake();
      }
    } catch (err) {
      failure ??= { err };
    } finally {
      live.delete(i);
      wake();
    }
  });
  for (;;) {
    held.sort((a, b) => compareLogTimes(a.l.line.time, b.l.line.time));
    while (held.length > 0 && (ready(held[0]!.l.line.time) || Date.now() - held[0]!.at >= holdMs)) yield held.shift()!.l;
    if (failure) throw failure.err;
    if (live.size === 0 && held.length === 0) return;
    const wait = held.length > 0 ? Math.max(1, holdMs - (Date.now() - Math.min(...held.map((h) => h.at)))) : 60_000;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  function ready(time: string): boolean {
    for (const i of live) {
      const seen = latest[i];
      if (seen === undefined || compareLogTimes(seen, time) < 0) return false;
    }
    return true;
  }
}

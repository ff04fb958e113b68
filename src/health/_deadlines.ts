// The deadlines of probes in flight, served by one timer: the probes of a monitor pass start together
// with the same timeout, so one wake-up expires them all instead of a timer set and cleared per probe.

export interface Deadline {
  at: number;
  expire(): void;
}

const pending = new Set<Deadline>();
let timer: NodeJS.Timeout | undefined;
let timerAt = Infinity;

/** Calls `expire` at `at` unless `cancel` is called first; returns `cancel`. */
export function deadline(at: number, expire: () => void): () => void {
  const d: Deadline = { at, expire };
  pending.add(d);
  if (at < timerAt) arm(at);
  return () => void pending.delete(d);
}

function arm(at: number): void {
  if (timer) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(sweep, Math.max(0, at - Date.now()));
}

function sweep(): void {
  timer = undefined;
  timerAt = Infinity;
  const now = Date.now();
  let next = Infinity;
  for (const d of pending) {
    if (d.at <= now) {
      pending.delete(d);
      d.expire();
    } else if (d.at < next) {
      next = d.at;
    }
  }
  if (next < Infinity) arm(next);
}

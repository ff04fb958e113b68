// Capped exponential backoff: 1st retry after `baseMs`, doubling, never more than `capMs`.
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  if (attempt <= 0) return 0;
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

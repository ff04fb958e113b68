// CPU and memory figures from the engine's stats documents (pure), computed the way `docker stats` does.

export interface StatsDoc {
  /** when the engine took the sample (ISO) */
  read?: string;
  cpu_stats?: CpuSample;
  precpu_stats?: CpuSample;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  /** per interface, since the container started (absent without a network) */
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
}

/** Bytes received and sent over all of a container's interfaces, since it started; undefined without any. */
export function networkBytes(doc: StatsDoc): { rx: number; tx: number } | undefined {
  const nets = Object.values(doc.networks ?? {});
  if (nets.length === 0) return undefined;
  return { rx: nets.reduce((a, n) => a + (n.rx_bytes ?? 0), 0), tx: nets.reduce((a, n) => a + (n.tx_bytes ?? 0), 0) };
}

export interface CpuSample {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** True when the sample carries the previous reading (Docker does; Podman 4.3 sends zeros). */
export function hasPreCpu(doc: StatsDoc): boolean {
  return Boolean(doc.precpu_stats?.system_cpu_usage && doc.precpu_stats.cpu_usage?.total_usage);
}

/** Percent of one core used between two samples (200 = two full cores). */
export function cpuPercent(before: CpuSample | undefined, after: CpuSample | undefined): number {
  const cpuDelta = (after?.cpu_usage?.total_usage ?? 0) - (before?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (after?.system_cpu_usage ?? 0) - (before?.system_cpu_usage ?? 0);
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  const cpus = after?.online_cpus || after?.cpu_usage?.percpu_usage?.length || 1;
  return (cpuDelta / systemDelta) * cpus * 100;
}

/**
 * Percent of one core between two samples of our own, from the container's CPU time over the time between
 * the engine's read stamps. Podman's system_cpu_usage is not read at the same instant as the container's
 * usage, which on a busy host gave readings near 3x the container's quota; the read stamps are exact.
 */
export function cpuPercentBetween(before: StatsDoc, after: StatsDoc): number {
  const elapsedNs = (Date.parse(after.read ?? '') - Date.parse(before.read ?? '')) * 1e6;
  if (!(elapsedNs > 0)) return cpuPercent(before.cpu_stats, after.cpu_stats);
  const cpuDelta = (after.cpu_stats?.cpu_usage?.total_usage ?? 0) - (before.cpu_stats?.cpu_usage?.total_usage ?? 0);
  return cpuDelta > 0 ? (cpuDelta / elapsedNs) * 100 : 0;
}

/** Usage without reclaimable page cache: cgroup v1 reports total_inactive_file, v2 inactive_file. */
export function memoryUsed(doc: StatsDoc): number {
  const m = doc.memory_stats ?? {};
  const cache = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
  const usage = m.usage ?? 0;
  return cache < usage ? usage - cache : usage;
}

// Parsers for the /proc files the governor samples (pure: tested with fixed text).

export interface CpuTimes {
  /** jiffies spent doing anything */
  busy: number;
  total: number;
}

/** One line of /proc/pressure/{cpu,memory,io}: percent of wall time some (or all) tasks stalled. */
export interface Pressure {
  someAvg10: number;
  /** absent on /proc/pressure/cpu of older kernels */
  fullAvg10: number;
}

export function parseCpuTimes(stat: string): CpuTimes {
  const line = stat.split('\n', 1)[0] ?? '';
  const [, ...fields] = line.trim().split(/\s+/);
  const n = fields.map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function parseCpuCount(stat: string): number {
  return stat.split('\n').filter((l) => /^cpu\d+ /.test(l)).length || 1;
}

export function parseMemory(meminfo: string): { memTotalBytes: number; memAvailableBytes: number } {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0) * 1024;
  return { memTotalBytes: kb('MemTotal'), memAvailableBytes: kb('MemAvailable') };
}

export function parsePressure(text: string): Pressure {
  const avg10 = (kind: string) => Number(new RegExp(`^${kind} avg10=([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  return { someAvg10: avg10('some'), fullAvg10: avg10('full') };
}

export function parseLoad(loadavg: string): number {
  return Number(loadavg.split(' ', 1)[0]) || 0;
}

/** Bytes received and sent on every interface but loopback. */
export function parseNetDev(netdev: string): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of netdev.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = (m[2] ?? '').trim().split(/\s+/).map(Number);
    rxBytes += f[0] ?? 0;
    txBytes += f[8] ?? 0;
  }
  return { rxBytes, txBytes };
}

/** `key value` lines (cpu.stat, memory.stat, memory.events) as a map. */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

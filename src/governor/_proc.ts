// Parsers for the /proc files the governor samples (pure: tested with fixed text). They scan with indexOf
// rather than split and regular expressions: the agent runs without V8's optimising compiler, and splitting
// /proc/stat, /proc/net/dev and four memory.stat files every second was most of a sample's cost.

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
  // user nice system idle iowait irq softirq (guest time is already inside user). Steal, the time a
  // hypervisor ran someone else, is left out of both: it is neither the host's work nor turtle's, and it
  // grows when turtle's services want the CPU, so counting it as busy made turtle yield to itself on a VM.
  let at = stat.indexOf(' ');
  const end = lineEnd(stat, 0);
  let total = 0;
  let idle = 0;
  for (let i = 0; i < 7 && at >= 0 && at < end; i++) {
    const [n, next] = numberAt(stat, at, end);
    if (Number.isNaN(n)) break;
    total += n;
    if (i === 3 || i === 4) idle += n;
    at = next;
  }
  return { busy: total - idle, total };
}

export function parseCpuCount(stat: string): number {
  let n = 0;
  for (let at = stat.indexOf('\ncpu'); at >= 0; at = stat.indexOf('\ncpu', at + 4)) {
    const c = stat.charCodeAt(at + 4);
    if (c >= 48 && c <= 57) n++;
  }
  return n || 1;
}

export function parseMemory(meminfo: string): { memTotalBytes: number; memAvailableBytes: number } {
  return { memTotalBytes: (valueOf(meminfo, 'MemTotal:') ?? 0) * 1024, memAvailableBytes: (valueOf(meminfo, 'MemAvailable:') ?? 0) * 1024 };
}

export function parsePressure(text: string): Pressure {
  return { someAvg10: valueOf(text, 'some avg10=') ?? 0, fullAvg10: valueOf(text, 'full avg10=') ?? 0 };
}

export function parseLoad(loadavg: string): number {
  return numberAt(loadavg, 0, lineEnd(loadavg, 0))[0] || 0;
}

/** Bytes received and sent on every interface but loopback. */
export function parseNetDev(netdev: string): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  // two header lines, then `  name: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ...`
  let start = lineEnd(netdev, lineEnd(netdev, 0) + 1) + 1;
  while (start > 0 && start < netdev.length) {
    const end = lineEnd(netdev, start);
    const colon = netdev.indexOf(':', start);
    if (colon > 0 && colon < end && netdev.slice(start, colon).trim() !== 'lo') {
      const [rx, afterRx] = numberAt(netdev, colon + 1, end);
      let at = afterRx;
      for (let i = 1; i < 8; i++) at = fieldEnd(netdev, at, end);
      rxBytes += rx || 0;
      txBytes += numberAt(netdev, at, end)[0] || 0;
    }
    start = end + 1;
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

/**
 * The number after `key` on the line that starts with it (`MemAvailable:`, `oom_kill `, `usage_usec `),
 * or undefined: one value of a keyed file without splitting the whole file.
 */
export function valueOf(text: string, key: string): number | undefined {
  let at = text.startsWith(key) ? 0 : -1;
  for (let from = 0; at < 0; ) {
    const hit = text.indexOf(key, from);
    if (hit < 0) return undefined;
    if (text.charCodeAt(hit - 1) === 10) at = hit;
    from = hit + 1;
  }
  const end = lineEnd(text, at);
  const [n] = numberAt(text, at + key.length, end);
  return Number.isNaN(n) ? undefined : n;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** The whitespace-separated number at or after `at` (before `end`), and where it ends. */
function numberAt(text: string, at: number, end: number): [number, number] {
  while (at < end && isBlank(text.charCodeAt(at))) at++;
  const stop = fieldEnd(text, at, end);
  return [stop > at ? Number(text.slice(at, stop)) : NaN, stop];
}

/** Where the whitespace-separated field at or after `at` ends. */
function fieldEnd(text: string, at: number, end: number): number {
  while (at < end && isBlank(text.charCodeAt(at))) at++;
  while (at < end && !isBlank(text.charCodeAt(at))) at++;
  return at;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

// Cheap host sampling from /proc: two reads of a few hundred bytes, no child processes.
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  /** jiffies spent doing anything */
  busy: number;
  total: number;
}

export interface HostSample {
  time: number;
  cpu: CpuTimes;
  cpus: number;
  memTotalBytes: number;
  memAvailableBytes: number;
}

export function sampleHost(): HostSample {
  return { time: Date.now(), cpu: readCpuTimes(), cpus: countCpus(), ...readMemory() };
}

/** Host CPU use between two samples, in percent of one core (200 = two full cores). */
export function cpuPercent(before: HostSample, after: HostSample): number {
  const total = after.cpu.total - before.cpu.total;
  if (total <= 0) return 0;
  return ((after.cpu.busy - before.cpu.busy) / total) * 100 * after.cpus;
}

export function readCpuTimes(stat = readFileSync('/proc/stat', 'utf8')): CpuTimes {
  const line = stat.split('\n', 1)[0] ?? '';
  const [, ...fields] = line.trim().split(/\s+/);
  const n = fields.map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function readMemory(meminfo = readFileSync('/proc/meminfo', 'utf8')): { memTotalBytes: number; memAvailableBytes: number } {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0) * 1024;
  return { memTotalBytes: kb('MemTotal'), memAvailableBytes: kb('MemAvailable') };
}

function countCpus(stat = readFileSync('/proc/stat', 'utf8')): number {
  return stat.split('\n').filter((l) => /^cpu\d+ /.test(l)).length || 1;
}

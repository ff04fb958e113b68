// Cheap host sampling from /proc: a handful of small reads, no child processes (cost measured by
// bench:citizen and exported as turtle_governor_sample_seconds).
import { readFileSync } from 'node:fs';
import { parseCpuCount, parseCpuTimes, parseLoad, parseMemory, parseNetDev, parsePressure, type CpuTimes, type Pressure } from './_proc.js';

export type { CpuTimes, Pressure };

export interface HostSample {
  time: number;
  cpu: CpuTimes;
  cpus: number;
  memTotalBytes: number;
  memAvailableBytes: number;
  /** 1-minute load average */
  load1: number;
  /** pressure stall information, where the kernel has it (4.20+, CONFIG_PSI) */
  pressure?: { cpu: Pressure; memory: Pressure; io: Pressure };
  net: { rxBytes: number; txBytes: number };
}

export function sampleHost(): HostSample {
  const stat = readFileSync('/proc/stat', 'utf8');
  const sample: HostSample = {
    time: Date.now(),
    cpu: parseCpuTimes(stat),
    cpus: parseCpuCount(stat),
    ...parseMemory(readFileSync('/proc/meminfo', 'utf8')),
    load1: parseLoad(readOrEmpty('/proc/loadavg')),
    net: parseNetDev(readOrEmpty('/proc/net/dev')),
  };
  const pressure = readPressure();
  if (pressure) sample.pressure = pressure;
  return sample;
}

/** Host CPU use between two samples, in percent of one core (200 = two full cores). */
export function cpuPercent(before: HostSample, after: HostSample): number {
  const total = after.cpu.total - before.cpu.total;
  if (total <= 0) return 0;
  return ((after.cpu.busy - before.cpu.busy) / total) * 100 * after.cpus;
}

export function readCpuTimes(stat = readFileSync('/proc/stat', 'utf8')): CpuTimes {
  return parseCpuTimes(stat);
}

export function readMemory(meminfo = readFileSync('/proc/meminfo', 'utf8')): { memTotalBytes: number; memAvailableBytes: number } {
  return parseMemory(meminfo);
}

let psiAbsent = false;

function readPressure(): HostSample['pressure'] {
  if (psiAbsent) return undefined;
  try {
    const read = (r: string) => parsePressure(readFileSync(`/proc/pressure/${r}`, 'utf8'));
    return { cpu: read('cpu'), memory: read('memory'), io: read('io') };
  } catch {
    psiAbsent = true; // no PSI on this kernel: stop trying
    return undefined;
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// Cheap host sampling from /proc: a handful of small reads, no child processes (cost measured by
// bench:citizen and exported as turtle_governor_sample_seconds).
import { readFileSync } from 'node:fs';
import { readKernelFile } from './_read.js';
import { parseCpuCount, parseCpuTimes, parseLoad, parseMemory, parseNetDev, parsePressure, type CpuTimes, type Pressure } from './_proc.js';

export type { CpuTimes, Pressure };

/** What the governor reads every second: the host's CPU times and memory, and the pressure it acts on. */
export interface CoreSample {
  time: number;
  cpu: CpuTimes;
  cpus: number;
  memTotalBytes: number;
  memAvailableBytes: number;
  /** pressure stall information, where the kernel has it (4.20+, CONFIG_PSI) */
  pressure?: { memory: Pressure; io: Pressure };
}

export interface HostSample extends CoreSample {
  /** 1-minute load average */
  load1: number;
  pressure?: { cpu: Pressure; memory: Pressure; io: Pressure };
  net: { rxBytes: number; txBytes: number };
}

export function sampleHost(): HostSample {
  const { pressure, ...core } = sampleCore();
  return { ...core, ...hostExtras(pressure) };
}

/** The governor's every-second sample: what its policy reads, and nothing it only shows. */
export function sampleCore(): CoreSample {
  const stat = readKernelFile('/proc/stat', '');
  const sample: CoreSample = { time: Date.now(), cpu: parseCpuTimes(stat), cpus: parseCpuCount(stat), ...parseMemory(readKernelFile('/proc/meminfo', '')) };
  if (!psiAbsent) {
    const memory = readKernelFile('/proc/pressure/memory', '');
    if (memory === '') psiAbsent = true; // no PSI on this kernel: stop trying
    else sample.pressure = { memory: parsePressure(memory), io: parsePressure(readKernelFile('/proc/pressure/io', '')) };
  }
  return sample;
}

/** What a view of the host shows beside a core sample (read when shown, not every second). */
export function hostExtras(pressure: CoreSample['pressure']): Pick<HostSample, 'load1' | 'net' | 'pressure'> {
  const extras: Pick<HostSample, 'load1' | 'net' | 'pressure'> = { load1: parseLoad(readKernelFile('/proc/loadavg', '')), net: parseNetDev(readKernelFile('/proc/net/dev', '')) };
  if (pressure) extras.pressure = { cpu: parsePressure(readKernelFile('/proc/pressure/cpu', '')), ...pressure };
  return extras;
}

/** Host CPU use between two samples, in percent of one core (200 = two full cores). */
export function cpuPercent(before: Pick<CoreSample, 'cpu'>, after: Pick<CoreSample, 'cpu' | 'cpus'>): number {
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

// Reads processes, memory and CPU idle time from /proc (Linux; the probe runs on the site's own host).
import { readdir, readFile } from 'node:fs/promises';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** arguments joined by spaces */
  cmdline: string;
  rssBytes: number;
}

export async function listProcesses(procRoot = '/proc'): Promise<ProcessInfo[]> {
  const out: ProcessInfo[] = [];
  for (const entry of await readdir(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`${procRoot}/${entry}/status`, 'utf8');
      const cmdline = (await readFile(`${procRoot}/${entry}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      out.push({
        pid: Number(entry),
        ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
        comm: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '',
        cmdline,
        // kernel threads have no VmRSS line
        rssBytes: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024,
      });
    } catch {
      // the process ended while we read it
    }
  }
  return out;
}

/** A process and all its descendants (dockerd starts its own containerd). */
export function processTree(processes: readonly ProcessInfo[], root: ProcessInfo): ProcessInfo[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...processes.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
}

export async function memAvailableBytes(procRoot = '/proc'): Promise<number> {
  const meminfo = await readFile(`${procRoot}/meminfo`, 'utf8');
  return Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) * 1024;
}

/** Idle cores over `ms` from /proc/stat's aggregate line (idle + iowait jiffies over all jiffies, times cores). */
export async function idleCores(cores: number, ms: number, procRoot = '/proc'): Promise<number> {
  const sample = async (): Promise<{ idle: number; total: number }> => {
    const fields = (await readFile(`${procRoot}/stat`, 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: fields[3]! + (fields[4] ?? 0), total: fields.slice(0, 8).reduce((a, x) => a + x, 0) };
  };
  const a = await sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = await sample();
  return b.total === a.total ? cores : ((b.idle - a.idle) / (b.total - a.total)) * cores;
}

// The kernel's OOM kills read from its log (/dev/kmsg), for cgroup v1. There a kill is counted only in the
// victim's own cgroup (the container's), which the engine removes moments after the container dies, often
// before the governor's next look: counting from the log is what the kubelet does on v1 for the same reason.
// Each kill's record names the victim's cgroup (`task_memcg=` since Linux 4.19, `Task in … killed` before).
import { closeSync, constants, openSync, readSync } from 'node:fs';

/** Records read per poll at most: a log flooded by firewall messages is worked off over several ticks. */
const MAX_RECORDS_PER_POLL = 2_000;

export interface KernelLog {
  /** Starts counting kills under `dir` (`turtle/background`, relative to the hierarchy's root). */
  watch(dir: string): void;
  /** Reads the records logged since the last poll and counts their kills under each watched cgroup. */
  poll(): void;
  /** Kills under `dir` seen since it was first watched (0 for one never watched). */
  kills(dir: string): number;
  close(): void;
}

/** The victim's cgroup in one kernel log record, or undefined when the record is not an OOM kill. */
export function oomVictimCgroup(record: string): string | undefined {
  const text = record.slice(record.indexOf(';') + 1);
  const modern = /(?:^|[,:])task_memcg=([^,\s]+)/.exec(text);
  if (modern && text.startsWith('oom-kill:')) return modern[1];
  return /^Task in (\S+) killed as a result of limit of /.exec(text)?.[1];
}

/**
 * Whether the cgroup `path` the kernel printed is `dir` or below it. The kernel prints paths from the
 * hierarchy's root; an agent in a cgroup namespace sees its tree under a prefix, so `dir` may match at any
 * depth, as long as it matches whole path segments.
 */
export function under(path: string, dir: string): boolean {
  const want = `/${dir.replace(/^\/+|\/+$/g, '')}`;
  for (let at = path.indexOf(want); at >= 0; at = path.indexOf(want, at + 1)) {
    const next = path.charCodeAt(at + want.length);
    if (Number.isNaN(next) || next === 47 /* '/' */) return true;
  }
  return false;
}

/** Counts kills from records given one at a time: the reader's logic, apart from the device. */
export function killCounter(): { watch(dir: string): void; record(text: string): void; kills(dir: string): number } {
  const counts = new Map<string, number>();
  return {
    watch: (dir) => void (counts.has(dir) || counts.set(dir, 0)),
    record(text) {
      const victim = oomVictimCgroup(text);
      if (victim === undefined) return;
      for (const [dir, n] of counts) if (under(victim, dir)) counts.set(dir, n + 1);
    },
    kills: (dir) => counts.get(dir) ?? 0,
  };
}

/**
 * The kernel log opened for reading without blocking, or null where it cannot be (not root, or a
 * kernel without /dev/kmsg): v1 kills are then counted only where the kernel itself counts them.
 * The first poll reads the records already in the log, which only sets where counting starts.
 */
export function openKernelLog(path = '/dev/kmsg'): KernelLog | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const counter = killCounter();
  const buffer = Buffer.allocUnsafe(8192);
  let open = true;
  return {
    poll() {
      for (let i = 0; open && i < MAX_RECORDS_PER_POLL; i++) {
        let n: number;
        try {
          n = readSync(fd, buffer, 0, buffer.length, null);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EPIPE') continue; // records were overwritten before they were read: go on with the next
          if (code !== 'EAGAIN') this.close();
          return;
        }
        if (n === 0) return;
        counter.record(buffer.toString('latin1', 0, n));
      }
    },
    watch: counter.watch,
    kills: counter.kills,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

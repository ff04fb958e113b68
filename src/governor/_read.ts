// Reads the small kernel files the governor samples every second through descriptors kept open: a pread at
// offset 0 makes the kernel render /proc and cgroupfs files afresh, and it skips the open, fstat, close and
// path handling of readFileSync, which were most of a sample's cost in an agent without V8's optimiser.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** A file that could not be opened is tried again after this long (a class cgroup the engine creates later). */
const RETRY_MISSING_MS = 5_000;

const open = new Map<string, number>();
const missing = new Map<string, number>();
let buffer = Buffer.allocUnsafe(8192);

/**
 * The text of `path`, or `fallback` when it cannot be read. Only kernel files are kept open: a removed
 * cgroup's descriptor fails (ENODEV) and is opened afresh, whereas a regular file replaced on disk would
 * go on reading the old one.
 */
export function readKernelFile(path: string, fallback: string, now = Date.now()): string {
  if (!path.startsWith('/proc/') && !path.startsWith('/sys/')) return readOr(path, fallback);
  let fd = open.get(path);
  if (fd === undefined) {
    if ((missing.get(path) ?? 0) > now) return fallback;
    try {
      fd = openSync(path, 'r');
    } catch {
      missing.set(path, now + RETRY_MISSING_MS);
      return fallback;
    }
    missing.delete(path);
    open.set(path, fd);
  }
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      if (n < buffer.length) return buffer.toString('latin1', 0, n);
      buffer = Buffer.allocUnsafe(buffer.length * 2);
    }
  } catch {
    open.delete(path);
    closeSync(fd);
    return fallback;
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return fallback;
  }
}

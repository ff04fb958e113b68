// Where the files of turtle's cgroups are, on v1 (a mount per controller) and v2 (one tree).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_PARENT, cgroupDir, type CgroupDriver } from '../domain/cgroup.js';
import type { Priority } from '../domain/types.js';
import { detectVersion, type CgroupVersion } from './cgroups.js';

export interface CgroupTree {
  version: CgroupVersion;
  root: string;
  /** the parent's name under the root: `turtle` (a test may use its own) */
  parent: string;
  /** `turtle/normal` (the engine's cgroupfs driver) or `turtle.slice/turtle-normal.slice` (its systemd driver) */
  layout: CgroupDriver;
}

export function cgroupTree(version: CgroupVersion, root = '/sys/fs/cgroup', parent = CGROUP_PARENT, layout: CgroupDriver = 'cgroupfs'): CgroupTree {
  return { version, root, parent, layout };
}

/**
 * Which layout this host's turtle cgroups have, for readers that do not know the engine's driver (`turtle
 * top`, benchmarks): systemd's when only `turtle.slice` exists.
 */
export function detectLayout(version: CgroupVersion, root = '/sys/fs/cgroup', parent = CGROUP_PARENT): CgroupDriver {
  const at = (layout: CgroupDriver) => existsSync(version === 1 ? join(root, 'cpu', cgroupDir(layout, parent)) : join(root, cgroupDir(layout, parent)));
  return !at('cgroupfs') && at('systemd') ? 'systemd' : 'cgroupfs';
}

/** This host's turtle cgroups, in whichever version and layout they exist (for readers not told the engine's driver). */
export function localTree(root = '/sys/fs/cgroup'): CgroupTree {
  const version = detectVersion(root);
  return cgroupTree(version, root, CGROUP_PARENT, detectLayout(version, root));
}

/** A class child of the parent, or the parent itself. */
export type Group = Priority | 'turtle';

const sub = (t: CgroupTree, controller: string, group: Group) => {
  const dir = cgroupDir(t.layout, t.parent, group === 'turtle' ? undefined : group);
  return t.version === 1 ? join(t.root, controller, dir) : join(t.root, dir);
};

export const files = {
  /** v1 cpuacct.usage (ns); v2 cpu.stat usage_usec */
  cpuUsage: (t: CgroupTree) => join(sub(t, 'cpuacct', 'turtle'), t.version === 1 ? 'cpuacct.usage' : 'cpu.stat'),
  /** v1 cpu.cfs_quota_us (-1 = none); v2 cpu.max (`max 100000`) */
  cpuQuota: (t: CgroupTree) => join(sub(t, 'cpu', 'turtle'), t.version === 1 ? 'cpu.cfs_quota_us' : 'cpu.max'),
  cpuPeriod: (t: CgroupTree) => join(sub(t, 'cpu', 'turtle'), 'cpu.cfs_period_us'),
  memoryUsage: (t: CgroupTree, g: Group) => join(sub(t, 'memory', g), t.version === 1 ? 'memory.usage_in_bytes' : 'memory.current'),
  memoryStat: (t: CgroupTree, g: Group) => join(sub(t, 'memory', g), 'memory.stat'),
  memoryLimit: (t: CgroupTree, g: Group) => join(sub(t, 'memory', g), t.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'),
  /** v1 memory.oom_control (`oom_kill N`); v2 memory.events (`oom_kill N`) */
  oomEvents: (t: CgroupTree, g: Group) => join(sub(t, 'memory', g), t.version === 1 ? 'memory.oom_control' : 'memory.events'),
  memoryDir: (t: CgroupTree, g: Group) => sub(t, 'memory', g),
  cpuDir: (t: CgroupTree) => sub(t, 'cpu', 'turtle'),
};

/** v1 writes -1 for "no limit" and reads back 9223372036854771712; v2 writes and reads `max`. */
export const UNLIMITED_V1 = 9223372036854771712;

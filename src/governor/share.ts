// turtle's own share of the host, read from its cgroups: CPU time and memory of the parent and of each
// priority class, and the kernel's OOM kills inside them.
import { cgroupDir } from '../domain/cgroup.js';
import type { Priority } from '../domain/types.js';
import { openKernelLog, type KernelLog } from './_kmsg.js';
import { valueOf } from './_proc.js';
import { readKernelFile } from './_read.js';
import { files, type CgroupTree, type Group } from './_paths.js';

export interface GroupMemory {
  /** what the limit counts (page cache included) */
  usageBytes: number;
  /** usage minus inactive file pages: what the kernel could not simply drop */
  workingSetBytes: number;
  oomKills: number;
}

export interface TurtleUsage {
  time: number;
  /** CPU time of everything under the parent, in microseconds */
  cpuUsec: number;
  memory: GroupMemory;
  classes: Record<Priority, GroupMemory>;
}

export function readTurtleUsage(tree: CgroupTree): TurtleUsage {
  const f = pathsOf(tree);
  pollKernelLog(tree, f.groups);
  return {
    time: Date.now(), cpuUsec: readCpuUsec(tree, f.cpuUsage), memory: readGroupMemory(tree, f.groups.turtle),
    classes: { critical: readGroupMemory(tree, f.groups.critical), normal: readGroupMemory(tree, f.groups.normal), background: readGroupMemory(tree, f.groups.background) },
  };
}

interface GroupFiles {
  group: Group;
  usage: string;
  stat: string;
  oomEvents: string;
  /** the group's cgroup as the kernel's log names it (`turtle/background`) */
  memcg: string;
}

/** The files sampled every second, joined once per tree (path.join costs more than reading them). */
const paths = new WeakMap<CgroupTree, { cpuUsage: string; groups: Record<Group, GroupFiles> }>();

function pathsOf(tree: CgroupTree): { cpuUsage: string; groups: Record<Group, GroupFiles> } {
  let p = paths.get(tree);
  if (!p) {
    const group = (g: Group): GroupFiles => ({
      group: g, usage: files.memoryUsage(tree, g), stat: files.memoryStat(tree, g), oomEvents: files.oomEvents(tree, g),
      memcg: cgroupDir(tree.layout, tree.parent, g === 'turtle' ? undefined : g),
    });
    p = { cpuUsage: files.cpuUsage(tree), groups: { turtle: group('turtle'), critical: group('critical'), normal: group('normal'), background: group('background') } };
    paths.set(tree, p);
  }
  return p;
}

/** turtle's CPU between two readings, in cores (1.5 = one and a half cores busy). */
export function turtleCores(before: TurtleUsage, after: TurtleUsage): number {
  const wallUs = (after.time - before.time) * 1000;
  return wallUs > 0 ? Math.max(0, after.cpuUsec - before.cpuUsec) / wallUs : 0;
}

function readCpuUsec(tree: CgroupTree, path: string): number {
  const text = readKernelFile(path, '0');
  return tree.version === 1 ? Number(text.trim()) / 1000 : valueOf(text, 'usage_usec ') ?? 0;
}

function readGroupMemory(tree: CgroupTree, f: GroupFiles): GroupMemory {
  const usageBytes = Number(readKernelFile(f.usage, '0').trim()) || 0;
  const inactive = valueOf(readKernelFile(f.stat, ''), tree.version === 1 ? 'total_inactive_file ' : 'inactive_file ') ?? 0;
  return { usageBytes, workingSetBytes: Math.max(0, usageBytes - inactive), oomKills: oomKillsIn(tree, f) };
}

/** The kernel log, opened at the first v1 reading (null: it cannot be read here). */
let kernelLog: KernelLog | null | undefined;

/**
 * v2's memory.events counts kills below the group too. v1 counts a kill only in the victim's own cgroup,
 * which the engine removes with the container, so there the kernel's log is counted instead (and the
 * group's own counter where the log cannot be read).
 */
function oomKillsIn(tree: CgroupTree, f: GroupFiles): number {
  if (tree.version === 2 || kernelLog === null) return valueOf(readKernelFile(f.oomEvents, ''), 'oom_kill ') ?? 0;
  return kernelLog?.kills(f.memcg) ?? 0;
}

/** Reads the kernel log's new records before a v1 reading, having watched the tree's groups. */
function pollKernelLog(tree: CgroupTree, groups: Record<Group, GroupFiles>): void {
  if (tree.version === 2) return;
  if (kernelLog === undefined) kernelLog = openKernelLog();
  if (kernelLog === null) return;
  for (const g of Object.values(groups)) kernelLog.watch(g.memcg);
  kernelLog.poll();
}

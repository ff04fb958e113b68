// turtle's own share of the host, read from its cgroups: CPU time and memory of the parent and of each
// priority class, and the kernel's OOM kills inside them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Priority } from '../domain/types.js';
import { valueOf } from './_proc.js';
import { forgetKernelFile, readKernelFile } from './_read.js';
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
  /** v1: the class's directory and the failcnt files that say whether its containers' counters may have moved */
  dir: string;
  failcnt: string;
  parentFailcnt: string;
}

/** The files sampled every second, joined once per tree (path.join costs more than reading them). */
const paths = new WeakMap<CgroupTree, { cpuUsage: string; groups: Record<Group, GroupFiles> }>();

function pathsOf(tree: CgroupTree): { cpuUsage: string; groups: Record<Group, GroupFiles> } {
  let p = paths.get(tree);
  if (!p) {
    const group = (g: Group): GroupFiles => ({
      group: g, usage: files.memoryUsage(tree, g), stat: files.memoryStat(tree, g), oomEvents: files.oomEvents(tree, g),
      dir: files.memoryDir(tree, g), failcnt: join(files.memoryDir(tree, g), 'memory.failcnt'), parentFailcnt: join(files.memoryDir(tree, 'turtle'), 'memory.failcnt'),
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

/**
 * A v1 class's sum over its containers is reused for up to 10 s while neither the class nor the parent hit
 * a limit (memory.failcnt): walking every container's cgroup each second was most of the governor's cost.
 */
const CHILD_OOM_TTL_MS = 10_000;
/** per class: the last sum, and each container's counter file (kept open between walks; closed once it is gone) */
const childOoms = new Map<string, { at: number; failcnt: string; count: number; files: Map<string, string> }>();

/**
 * v2's memory.events counts kills below the group too; v1 counts only the victim's own cgroup (the
 * container's), so there the containers' counters are added up.
 */
function oomKillsIn(tree: CgroupTree, f: GroupFiles, now = Date.now()): number {
  const own = valueOf(readKernelFile(f.oomEvents, ''), 'oom_kill ') ?? 0;
  if (tree.version === 2 || f.group === 'turtle') return own;
  const dir = f.dir;
  const failcnt = readKernelFile(f.failcnt, '') + readKernelFile(f.parentFailcnt, '');
  const cached = childOoms.get(dir);
  if (cached && cached.failcnt === failcnt && now - cached.at < CHILD_OOM_TTL_MS) return own + cached.count;
  let children = 0;
  const before = cached?.files ?? new Map<string, string>();
  const files = new Map<string, string>();
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const path = before.get(e.name) ?? join(dir, e.name, 'memory.oom_control');
      files.set(e.name, path);
      children += valueOf(readKernelFile(path, ''), 'oom_kill ') ?? 0;
    }
  } catch {
    // no container of this class yet
  }
  for (const [name, path] of before) if (!files.has(name)) forgetKernelFile(path);
  childOoms.set(dir, { at: now, failcnt, count: children, files });
  return own + children;
}

// turtle's own share of the host, read from its cgroups: CPU time and memory of the parent and of each
// priority class, and the kernel's OOM kills inside them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Priority } from '../domain/types.js';
import { PRIORITIES } from './cgroups.js';
import { parseKeyed } from './_proc.js';
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
  const classes = Object.fromEntries(PRIORITIES.map((p) => [p, readGroupMemory(tree, p)])) as Record<Priority, GroupMemory>;
  return { time: Date.now(), cpuUsec: readCpuUsec(tree), memory: readGroupMemory(tree, 'turtle'), classes };
}

/** turtle's CPU between two readings, in cores (1.5 = one and a half cores busy). */
export function turtleCores(before: TurtleUsage, after: TurtleUsage): number {
  const wallUs = (after.time - before.time) * 1000;
  return wallUs > 0 ? Math.max(0, after.cpuUsec - before.cpuUsec) / wallUs : 0;
}

function readCpuUsec(tree: CgroupTree): number {
  const text = readOr(files.cpuUsage(tree), '0');
  return tree.version === 1 ? Number(text.trim()) / 1000 : parseKeyed(text).get('usage_usec') ?? 0;
}

function readGroupMemory(tree: CgroupTree, group: Group): GroupMemory {
  const usageBytes = Number(readOr(files.memoryUsage(tree, group), '0').trim()) || 0;
  const stat = parseKeyed(readOr(files.memoryStat(tree, group), ''));
  const inactive = (tree.version === 1 ? stat.get('total_inactive_file') : stat.get('inactive_file')) ?? 0;
  return { usageBytes, workingSetBytes: Math.max(0, usageBytes - inactive), oomKills: oomKillsIn(tree, group) };
}

/**
 * A v1 class's sum over its containers is reused for up to 10 s while neither the class nor the parent hit
 * a limit (memory.failcnt): walking every container's cgroup each second was most of the governor's cost.
 */
const CHILD_OOM_TTL_MS = 10_000;
const childOoms = new Map<string, { at: number; failcnt: string; count: number }>();

/**
 * v2's memory.events counts kills below the group too; v1 counts only the victim's own cgroup (the
 * container's), so there the containers' counters are added up.
 */
function oomKillsIn(tree: CgroupTree, group: Group, now = Date.now()): number {
  const own = parseKeyed(readOr(files.oomEvents(tree, group), '')).get('oom_kill') ?? 0;
  if (tree.version === 2 || group === 'turtle') return own;
  const dir = files.memoryDir(tree, group);
  const failcnt = readOr(join(dir, 'memory.failcnt'), '') + readOr(join(files.memoryDir(tree, 'turtle'), 'memory.failcnt'), '');
  const cached = childOoms.get(dir);
  if (cached && cached.failcnt === failcnt && now - cached.at < CHILD_OOM_TTL_MS) return own + cached.count;
  let children = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) children += parseKeyed(readOr(join(dir, e.name, 'memory.oom_control'), '')).get('oom_kill') ?? 0;
  } catch {
    // no container of this class yet
  }
  childOoms.set(dir, { at: now, failcnt, count: children });
  return own + children;
}

/** A group the engine has not created yet (no container of that class) reads as empty. */
function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

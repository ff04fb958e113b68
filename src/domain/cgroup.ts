// Where a container's cgroup goes: one parent for all of turtle, a child per priority class. The weights
// of that hierarchy are set by governor/cgroups.ts on the site's host.
import type { Priority } from './types.js';

export const CGROUP_PARENT = 'turtle';

/** How the engine names cgroups: paths under the cgroup root (cgroupfs) or systemd slices. */
export type CgroupDriver = 'cgroupfs' | 'systemd';

/**
 * The directory of a class (or of the parent itself, `group` undefined) below the cgroup root, as the
 * engine's driver lays it out: `turtle/normal`, or systemd's nested slices `turtle.slice/turtle-normal.slice`.
 */
export function cgroupDir(layout: CgroupDriver, parent: string, group?: string): string {
  if (layout === 'cgroupfs') return group ? `${parent}/${group}` : parent;
  return group ? `${sliceName(parent)}/${sliceName(parent, group)}` : sliceName(parent);
}

/** systemd's unit name for the parent's slice or a class's (`turtle.slice`, `turtle-normal.slice`: the dash nests it). */
export function sliceName(parent: string, group?: string): string {
  return group ? `${parent}-${group}.slice` : `${parent}.slice`;
}

export function cgroupParent(priority: Priority): string {
  return `/${CGROUP_PARENT}/${priority}`;
}

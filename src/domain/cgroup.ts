// Where a container's cgroup goes: one parent for all of turtle, a child per priority class. The weights
// of that hierarchy are set by governor/cgroups.ts on the site's host.
import type { Priority } from './types.js';

export const CGROUP_PARENT = 'turtle';

export function cgroupParent(priority: Priority): string {
  return `/${CGROUP_PARENT}/${priority}`;
}

// Kernel weights first: every turtle container lives under one `turtle` parent cgroup with the lowest CPU
// (and IO) weight, so the host's own work wins every contention while turtle still uses idle capacity.
// Priority classes are children with their own weights. Works on cgroup v1 and v2, with the engine's
// cgroupfs driver (turtle writes the weights) or its systemd driver (slice units carry them).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_PARENT as PARENT, sliceName } from '../domain/cgroup.js';
import type { Priority } from '../domain/types.js';

export { cgroupParent } from '../domain/cgroup.js';
export const PRIORITIES: readonly Priority[] = ['critical', 'normal', 'background'];

/**
 * v1 cpu.shares (2..262144; the host's groups have 1024) and v2 cpu.weight (1..10000; default 100).
 * The parent gets the minimum the kernel allows; inside it, critical gets 16x background.
 */
export const WEIGHTS = {
  parent: { shares: 2, weight: 1, io: 10 },
  critical: { shares: 1024, weight: 100, io: 500 },
  normal: { shares: 512, weight: 50, io: 250 },
  background: { shares: 64, weight: 6, io: 10 },
} as const;

/**
 * The most tasks (processes and threads) all of turtle's containers may have together: a quarter of what the
 * kernel allows (the lower of pid_max and threads-max), so a fork bomb in a service cannot starve the host.
 */
export const PIDS_SHARE = 0.25;

export function pidsLimit(pidMax: number, threadsMax: number): number {
  return Math.max(64, Math.floor(Math.min(pidMax, threadsMax) * PIDS_SHARE));
}

/** This kernel's pid_max and threads-max (the defaults of a small 64-bit system where unreadable). */
export function kernelTaskLimits(proc = '/proc/sys/kernel'): { pidMax: number; threadsMax: number } {
  const read = (f: string, fallback: number) => {
    try {
      return Number(readFileSync(join(proc, f), 'utf8').trim()) || fallback;
    } catch {
      return fallback;
    }
  };
  return { pidMax: read('pid_max', 32_768), threadsMax: read('threads-max', 32_768) };
}

export type CgroupVersion = 1 | 2;

export interface Write {
  path: string;
  value: string;
}

export function detectVersion(root = '/sys/fs/cgroup'): CgroupVersion {
  return existsSync(join(root, 'cgroup.controllers')) ? 2 : 1;
}

/** The directories and files to write, in order (pure: tested by exact equality). `pids`: the parent's task limit. */
export function hierarchyWrites(version: CgroupVersion, root = '/sys/fs/cgroup', pids = 8_192): { dirs: string[]; writes: Write[] } {
  const classes = PRIORITIES.map((p) => [p, WEIGHTS[p]] as const);
  if (version === 1) {
    const cpu = join(root, 'cpu', PARENT);
    const blkio = join(root, 'blkio', PARENT);
    const tasks = join(root, 'pids', PARENT);
    return {
      dirs: [cpu, ...PRIORITIES.map((p) => join(cpu, p)), blkio, ...PRIORITIES.map((p) => join(blkio, p)), tasks],
      writes: [
        { path: join(cpu, 'cpu.shares'), value: String(WEIGHTS.parent.shares) },
        ...classes.map(([p, w]) => ({ path: join(cpu, p, 'cpu.shares'), value: String(w.shares) })),
        { path: join(blkio, 'blkio.weight'), value: String(WEIGHTS.parent.io) },
        ...classes.map(([p, w]) => ({ path: join(blkio, p, 'blkio.weight'), value: String(w.io) })),
        { path: join(tasks, 'pids.max'), value: String(pids) },
      ],
    };
  }
  const parent = join(root, PARENT);
  return {
    dirs: [parent, ...PRIORITIES.map((p) => join(parent, p))],
    writes: [
      // Children can only be weighted if the controllers are enabled one level up (v2's rule).
      { path: join(root, 'cgroup.subtree_control'), value: '+cpu +io +memory +pids' },
      { path: join(parent, 'cgroup.subtree_control'), value: '+cpu +io +memory +pids' },
      { path: join(parent, 'cpu.weight'), value: String(WEIGHTS.parent.weight) },
      { path: join(parent, 'io.weight'), value: `default ${WEIGHTS.parent.io}` },
      { path: join(parent, 'pids.max'), value: String(pids) },
      ...classes.flatMap(([p, w]) => [
        { path: join(parent, p, 'cpu.weight'), value: String(w.weight) },
        { path: join(parent, p, 'io.weight'), value: `default ${w.io}` },
      ]),
    ],
  };
}

export interface PrepareResult {
  version: CgroupVersion;
  /** files written; a file the kernel does not offer (no IO scheduler weights, say) is listed in `skipped` */
  written: string[];
  skipped: string[];
}

/** Creates the hierarchy and sets its weights (idempotent; needs root on the site's host). */
export function prepareHierarchy(root = '/sys/fs/cgroup', limits = kernelTaskLimits()): PrepareResult {
  const version = detectVersion(root);
  const { dirs, writes } = hierarchyWrites(version, root, pidsLimit(limits.pidMax, limits.threadsMax));
  for (const dir of dirs) if (existsSync(join(dir, '..'))) mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const skipped: string[] = [];
  for (const { path, value } of writes) {
    if (!existsSync(path)) {
      skipped.push(path);
      continue;
    }
    if (readFileSync(path, 'utf8').trim() !== value) writeFileSync(path, value);
    written.push(path);
  }
  return { version, written, skipped };
}

export interface SliceUnit {
  name: string;
  text: string;
}

/**
 * With the engine's systemd cgroup driver, containers go to `turtle-<class>.slice` (inside `turtle.slice`),
 * cgroups systemd creates and owns: the same weights as unit settings, so systemd sets them and keeps them.
 * systemd maps CPUWeight and IOWeight to cpu.shares and blkio.weight on cgroup v1 (weight 1 is shares 10).
 * deploy/systemd ships these files; the agent also writes them under /run at start (see prepareSlices).
 */
export function sliceUnits(parent = PARENT): SliceUnit[] {
  const unit = (name: string, description: string, w: { weight: number; io: number }, tasksMax?: string): SliceUnit => ({
    name,
    text: [
      "# turtle's CPU and IO weights where the engine uses systemd's cgroup driver. Install in /etc/systemd/system",
      '# (deploy/systemd); the turtle agent writes this same file under /run/systemd/system when it is not installed.',
      '[Unit]', `Description=${description}`, 'Before=slices.target', '',
      '[Slice]', 'CPUAccounting=yes', `CPUWeight=${w.weight}`, 'IOAccounting=yes', `IOWeight=${w.io}`, 'MemoryAccounting=yes', 'TasksAccounting=yes',
      ...(tasksMax ? [`TasksMax=${tasksMax}`] : []), '',
    ].join('\n'),
  });
  return [
    unit(sliceName(parent), "turtle: every container turtle runs, at the lowest CPU weight so the host's own work wins", WEIGHTS.parent, `${PIDS_SHARE * 100}%`),
    ...PRIORITIES.map((p) => unit(sliceName(parent, p), `turtle: ${p} services`, WEIGHTS[p])),
  ];
}

export interface SliceDeps {
  /** where an installed copy is looked for (default /etc/systemd/system: deploy/systemd's files, loaded at boot) */
  etcDir?: string;
  /** where the agent writes units not installed (default /run/systemd/system: gone at reboot, written again at start) */
  unitDir?: string;
  root?: string;
  systemctl?: (args: string[]) => void;
}

/**
 * Makes sure systemd has the slice units: those installed under /etc with this very text are used as they are,
 * the others are written under /run and systemd reloaded. Then the class slices are started (starting a child
 * starts `turtle.slice`), so the weights hold before the engine puts a container there.
 */
export function prepareSlices(deps: SliceDeps = {}): PrepareResult {
  const etcDir = deps.etcDir ?? '/etc/systemd/system';
  const unitDir = deps.unitDir ?? '/run/systemd/system';
  const systemctl = deps.systemctl ?? ((args: string[]) => void execFileSync('systemctl', args, { stdio: 'pipe', timeout: 30_000 }));
  const units = sliceUnits();
  const has = (dir: string, { name, text }: SliceUnit) => existsSync(join(dir, name)) && readFileSync(join(dir, name), 'utf8') === text;
  const written: string[] = [];
  for (const unit of units) {
    if (has(etcDir, unit) || has(unitDir, unit)) continue;
    mkdirSync(unitDir, { recursive: true });
    writeFileSync(join(unitDir, unit.name), unit.text);
    written.push(join(unitDir, unit.name));
  }
  if (written.length > 0) systemctl(['daemon-reload']);
  systemctl(['start', ...units.slice(1).map((u) => u.name)]);
  return { version: detectVersion(deps.root), written, skipped: [] };
}

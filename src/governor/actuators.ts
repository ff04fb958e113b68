// Thin actuators: carry out the controller's decisions on the kernel's cgroup files and the engine.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { ContainerRuntime } from '../runtime/types.js';
import { pausesContainers } from '../runtime/types.js';
import { errorMessage } from '../lib/errors.js';
import { files, UNLIMITED_V1, type CgroupTree, type Group } from './_paths.js';
import { readKernelFile } from './_read.js';

/** The file writes of a CPU cap on the parent (pure: tested by exact equality). */
export function cpuCapWrite(tree: CgroupTree, cores: number | null, periodUs = 100_000): { path: string; value: string } {
  return { path: files.cpuQuota(tree), value: cpuCapValue(tree, cores, periodUs) };
}

function cpuCapValue(tree: CgroupTree, cores: number | null, periodUs: number): string {
  const quota = cores === null ? null : Math.max(1000, Math.round(cores * periodUs));
  if (tree.version === 1) return quota === null ? '-1' : String(quota);
  return `${quota === null ? 'max' : quota} ${periodUs}`;
}

export function memoryLimitWrite(tree: CgroupTree, group: Group, bytes: number | null): { path: string; value: string } {
  const none = tree.version === 1 ? '-1' : 'max';
  // v1 rounds to pages; both take bytes
  return { path: files.memoryLimit(tree, group), value: bytes === null ? none : String(Math.max(0, Math.round(bytes))) };
}

export class CgroupActuator {
  /** the parent's files `enforce` reads every second, joined once */
  private readonly parent: { cpuQuota: string; cpuPeriod: string; memoryLimit: string; memoryDir: string };

  constructor(readonly tree: CgroupTree) {
    this.parent = { cpuQuota: files.cpuQuota(tree), cpuPeriod: files.cpuPeriod(tree), memoryLimit: files.memoryLimit(tree, 'turtle'), memoryDir: files.memoryDir(tree, 'turtle') };
  }

  setCpuCap(cores: number | null): void {
    write(cpuCapWrite(this.tree, cores, this.period()));
  }

  /** Throws when the kernel refuses (v1: EBUSY, it could not reclaim down to `bytes`). */
  setMemoryLimit(group: Group, bytes: number | null): void {
    const dir = files.memoryDir(this.tree, group);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    write(memoryLimitWrite(this.tree, group, bytes));
  }

  /** The limits as the kernel has them now (for tests, the API and the bench). */
  read(): { cpuQuota: string; memoryLimitBytes: number | null } {
    const raw = readKernelFile(this.parent.memoryLimit, 'max').trim();
    const bytes = raw === 'max' || Number(raw) >= UNLIMITED_V1 ? null : Number(raw);
    return { cpuQuota: readKernelFile(this.parent.cpuQuota, '').trim(), memoryLimitBytes: bytes };
  }

  /**
   * Rewrites the parent's caps where the kernel holds something else than `want` (another agent's governor
   * that was killed, or an operator's hand): the kernel is made to match the governor's state, as a
   * reconciler would. Returns whether anything was rewritten.
   */
  enforce(want: { cpuCapCores: number | null; memoryLimitBytes: number | null }, toleranceBytes: number): boolean {
    const cpu = { path: this.parent.cpuQuota, value: cpuCapValue(this.tree, want.cpuCapCores, this.period()) };
    const now = this.read();
    let fixed = false;
    if (now.cpuQuota !== cpu.value && existsSync(cpu.path)) {
      write(cpu);
      fixed = true;
    }
    const drift = want.memoryLimitBytes === null ? now.memoryLimitBytes !== null : now.memoryLimitBytes === null || Math.abs(now.memoryLimitBytes - want.memoryLimitBytes) > toleranceBytes;
    if (drift && existsSync(this.parent.memoryDir)) {
      write(memoryLimitWrite(this.tree, 'turtle', want.memoryLimitBytes));
      fixed = true;
    }
    return fixed;
  }

  private period(): number {
    return this.tree.version === 1 ? Number(readKernelFile(this.parent.cpuPeriod, '100000')) || 100_000 : 100_000;
  }

  /** Lifts every limit the governor may have set (agent stop, tests). */
  reset(): void {
    for (const w of [cpuCapWrite(this.tree, null), ...(['turtle', 'normal', 'background'] as const).map((g) => memoryLimitWrite(this.tree, g, null))]) {
      try {
        if (existsSync(w.path)) writeFileSync(w.path, w.value);
      } catch {
        // a group the engine removed meanwhile
      }
    }
  }
}

/** Pauses or resumes containers through the engine, so the health monitor and planner see `paused`. */
export async function pauseAll(runtime: ContainerRuntime, ids: readonly string[], pause: boolean): Promise<string[]> {
  if (!pausesContainers(runtime)) return [`${runtime.kind} cannot pause containers`];
  const problems: string[] = [];
  for (const id of ids) {
    try {
      await (pause ? runtime.pause(id) : runtime.unpause(id));
    } catch (err) {
      problems.push(errorMessage(err));
    }
  }
  return problems;
}

function write({ path, value }: { path: string; value: string }): void {
  writeFileSync(path, value);
}

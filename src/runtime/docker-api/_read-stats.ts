// One CPU and memory reading of a container. Docker's one-shot stats carry the previous CPU sample;
// Podman 4.3 sends it as zeros, so then a second sample one second later gives the CPU figure.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerStats } from '../types.js';
import { attempt, type EngineContext } from './_context.js';
import { cpuPercent, cpuPercentBetween, hasPreCpu, memoryUsed, networkBytes, type StatsDoc } from './_stats.js';

const SECOND_SAMPLE_AFTER_MS = 1_000;

export async function readStats(ctx: EngineContext, id: string): Promise<ContainerStats> {
  const sample = () =>
    attempt(ctx, `read stats of container ${id}`, async () => (await ctx.docker.getContainer(id).stats({ stream: false })) as StatsDoc);
  const first = await sample();
  let cpu = cpuPercent(first.precpu_stats, first.cpu_stats);
  let last = first;
  if (!hasPreCpu(first)) {
    await sleep(SECOND_SAMPLE_AFTER_MS);
    last = await sample();
    cpu = cpuPercentBetween(first, last);
  }
  const net = networkBytes(last);
  return { id, cpuPercent: cpu, memoryBytes: memoryUsed(last), memoryLimitBytes: last.memory_stats?.limit ?? 0, ...(net ? { netRxBytes: net.rx, netTxBytes: net.tx } : {}) };
}

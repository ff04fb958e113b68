// probeSite(runtime, options): measures one site's engine through the ContainerRuntime interface and /proc.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ContainerSpec } from '../domain/types.js';
import { TurtleError } from '../lib/errors.js';
import type { ContainerRuntime } from '../runtime/index.js';
import { idleCores, listProcesses, memAvailableBytes, processTree, type ProcessInfo } from './_proc.js';
import { spread } from './spread.js';
import type { DaemonProcess, ProbeOptions, SiteProbe } from './types.js';
import { isLocalEngine } from '../lib/endpoint.js';

const run = promisify(execFile);
const PROJECT = 'turtle-probe';

export async function probeSite(runtime: ContainerRuntime, options: ProbeOptions): Promise<SiteProbe> {
  const repeats = options.repeats ?? 5;
  const info = await runtime.ping();
  if (!(await runtime.imageExists(options.image))) {
    throw new TurtleError(`probe image ${options.image} is not on ${options.site} (${runtime.endpoint})`, {
      hint: 'import an image with busybox sh and sleep (scripts/engines.sh builds turtle-test/tools:1), or pass --image',
    });
  }
  const created: string[] = [];
  const container = (n: number, command?: string[]): ContainerSpec => ({
    name: `${PROJECT}-${options.site}-${process.pid}-${Date.now().toString(36)}-${n}`, project: PROJECT, site: options.site,
    service: 'probe', replica: n, image: options.image, env: {}, ports: [], mounts: [], restart: 'no', labels: {},
    readOnly: false, capDrop: [], resources: {}, priority: 'background', dependsOn: {}, running: true, configHash: 'probe',
    ...(command ? { command } : {}),
  });
  try {
    const daemonSamples: number[] = [];
    const starts: number[] = [];
    const perContainer: number[] = [];
    let daemons: DaemonProcess[] = [];
    for (let i = 0; i < repeats; i++) {
      daemons = await findDaemons(runtime, options.procRoot);
      daemonSamples.push(daemons.reduce((a, d) => a + d.rssBytes, 0));
      const started = performance.now();
      const id = await runtime.create(container(i + 1));
      created.push(id);
      await runtime.start(id);
      starts.push(performance.now() - started);
      perContainer.push(await containerSideRss(id, options.procRoot));
    }
    // `times` prints the shell's own user and system CPU time: unlike wall time, it does not grow when other
    // work on the host competes for the cores, so a busy router still gives a fair comparison
    const loop = `i=0; while [ $i -lt ${options.loopIterations ?? 300_000} ]; do i=$((i+1)); done; times`;
    const native: number[] = [];
    const inContainer: number[] = [];
    for (let i = 0; i < repeats; i++) {
      native.push(await nativeLoop(options.busybox ?? 'busybox', loop));
      const id = await runtime.create(container(100 + i, ['sh', '-c', loop]));
      created.push(id);
      inContainer.push(await containerLoop(runtime, id));
    }
    const nativeSpread = spread(native);
    const containerSpread = spread(inContainer);
    const local = daemons.length > 0;
    return {
      site: options.site,
      at: new Date().toISOString(),
      engine: { kind: info.kind, version: info.version, apiVersion: info.apiVersion, os: info.os, arch: info.arch, endpoint: runtime.endpoint },
      host: { cpus: info.cpus, memoryBytes: info.memoryBytes },
      daemons,
      daemonRssBytes: spread(daemonSamples),
      startLatencyMs: spread(starts),
      perContainerBytes: spread(perContainer),
      nativeLoopCpuMs: nativeSpread,
      containerLoopCpuMs: containerSpread,
      cpuOverheadPercent: (containerSpread.median / nativeSpread.median - 1) * 100,
      free: local
        ? { cpus: await idleCores(info.cpus, 1000, options.procRoot), memoryBytes: await memAvailableBytes(options.procRoot) }
        : { cpus: Number.NaN, memoryBytes: Number.NaN },
    };
  } finally {
    for (const id of created) await runtime.remove(id).catch(() => undefined);
  }
}

/**
 * The engine's own processes: the one serving the socket (dockerd, `podman system service`) and its children
 * (dockerd's containerd). Found by the socket path in the command line, since a host may run several engines.
 */
async function findDaemons(runtime: ContainerRuntime, procRoot?: string): Promise<DaemonProcess[]> {
  if (!isLocalEngine(runtime.endpoint)) return [];
  const socket = runtime.endpoint.slice('unix://'.length);
  const processes = await listProcesses(procRoot);
  const root = processes.find((p) => p.cmdline.includes(socket) && /dockerd|podman/.test(p.comm));
  if (!root) return [];
  const daemons = processTree(processes, root).filter((p) => p === root || (p.comm.startsWith('containerd') && !p.comm.includes('shim')));
  return daemons.map((p) => ({ name: p.comm, pid: p.pid, rssBytes: p.rssBytes }));
}

/** Resident memory of the per-container helper processes: containerd-shim (Docker) or conmon (Podman). */
async function containerSideRss(id: string, procRoot?: string): Promise<number> {
  const processes = await listProcesses(procRoot);
  const helpers = processes.filter((p: ProcessInfo) => p.cmdline.includes(id) && /shim|conmon/.test(p.comm));
  return helpers.reduce((a, p) => a + p.rssBytes, 0);
}

async function nativeLoop(busybox: string, script: string): Promise<number> {
  const { stdout } = await run(busybox, ['sh', '-c', script]);
  return cpuMs(stdout);
}

/** Runs the loop container to its end (polling every 10 ms) and reads the CPU time it printed. */
async function containerLoop(runtime: ContainerRuntime, id: string): Promise<number> {
  await runtime.start(id);
  for (;;) {
    const state = (await runtime.inspect(id))?.state;
    if (state === 'exited' || state === 'dead' || state === undefined) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  let out = '';
  for await (const line of runtime.logs(id)) out += `${line.text}\n`;
  return cpuMs(out);
}

/** `times` output: first line is the shell's `0m0.610s 0m0.000s` (user, system). */
export function cpuMs(text: string): number {
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(text);
  if (!m) throw new TurtleError(`the probe's busy loop printed no CPU times: ${JSON.stringify(text.slice(0, 200))}`, {
    hint: 'the probe image needs busybox sh with the `times` builtin',
  });
  return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

// What `turtle probe --site NAME` measures and stores.
import type { RuntimeKind } from '../domain/types.js';
import type { Spread } from './spread.js';

export interface ProbeOptions {
  site: string;
  /** an image with busybox `sh` and `sleep` (the test engines have `turtle-test/tools:1`) */
  image: string;
  /** measurements per quantity; default 5 */
  repeats?: number;
  /** iterations of the shell busy loop; default 300000 (about a second of CPU here) */
  loopIterations?: number;
  /** the host's busybox, to run the same loop natively; default the one on PATH */
  busybox?: string;
  procRoot?: string;
}

export interface DaemonProcess {
  name: string;
  pid: number;
  rssBytes: number;
}

export interface SiteProbe {
  site: string;
  /** ISO time */
  at: string;
  engine: { kind: RuntimeKind; version: string; apiVersion: string; os: string; arch: string; endpoint: string };
  host: { cpus: number; memoryBytes: number };
  /** the engine's resident processes; empty when the engine is not on this host (tcp endpoint) */
  daemons: DaemonProcess[];
  daemonRssBytes: Spread;
  /** create + start, until start returns */
  startLatencyMs: Spread;
  /** resident memory outside the container that each running container costs (containerd shim, conmon) */
  perContainerBytes: Spread;
  /** CPU time (user + system) of the same shell busy loop, natively and in a container */
  nativeLoopCpuMs: Spread;
  containerLoopCpuMs: Spread;
  /** (container / native - 1) x 100, from the medians of CPU time; the target for a runtime is <= 5 */
  cpuOverheadPercent: number;
  free: { cpus: number; memoryBytes: number };
}

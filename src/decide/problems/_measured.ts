// Turns stored probes into decision inputs with their sources, and falls back to documented figures.
import type { SiteProbe } from '../../probe/types.js';
import { figure, formatFigure } from '../figures.js';
import type { Input } from '../types.js';

const MB = 1e6;

/** A probe as the store gives it back: its id and what it measured. */
export interface ProbeRef {
  id: number;
  probe: SiteProbe;
}

/** The newest probe of an engine kind, preferring the site the decision is about. */
export function latestProbe(probes: readonly ProbeRef[], kind: string, site?: string): ProbeRef | undefined {
  const ofKind = probes.filter((p) => p.probe.engine.kind === kind);
  const newest = (list: ProbeRef[]) => [...list].sort((a, b) => b.probe.at.localeCompare(a.probe.at) || b.id - a.id)[0];
  return newest(ofKind.filter((p) => p.probe.site === site)) ?? newest(ofKind);
}

/** `probe 3 (dc1: docker 20.10.24 on 2026-11-26, median of 11, 199.3–215.8 MB)` */
export function probeSource(ref: ProbeRef, range?: string): string {
  const p = ref.probe;
  return `probe ${ref.id} (${p.site}: ${p.engine.kind} ${p.engine.version} on ${p.at.slice(0, 10)}, median of ${p.startLatencyMs.n}${range ? `, ${range}` : ''})`;
}

export function mbRange(s: { min: number; max: number }): string {
  return `${(s.min / MB).toFixed(1)}–${(s.max / MB).toFixed(1)} MB`;
}

export function figureSource(id: string): string {
  const f = figure(id);
  return `${f.subject} ${f.what} ${formatFigure(f)}: ${f.source}`;
}

/** Inputs for one option, criterion by criterion, in a compact form. */
export function inputs(option: string, cells: Record<string, [number, string]>): Input[] {
  return Object.entries(cells).map(([criterion, [value, source]]) => ({ option, criterion, value, source }));
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A sentence for the context when a probe ran on a busy host: CPU-time comparisons are then noisy. */
export function loadNote(refs: readonly (ProbeRef | undefined)[]): string {
  const busy = refs.filter((r): r is ProbeRef => r !== undefined && Number.isFinite(r.probe.free.cpus) && r.probe.free.cpus < r.probe.host.cpus / 2);
  if (busy.length === 0) return '';
  const idle = busy.map((r) => `probe ${r.id}: ${r.probe.free.cpus.toFixed(2)} of ${r.probe.host.cpus} cores idle`).join('; ');
  return `The host was busy while it was probed (${idle}), so start latency and the CPU overhead of a container are noisy: CPU time is compared rather than wall time, but contention still inflates it unevenly.`;
}

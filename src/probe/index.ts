// Site probes: engine versions, daemon and per-container memory, start latency, CPU overhead, free capacity.
export { probeSite } from './probe.js';
export { renderProbe } from './render.js';
export { spread } from './spread.js';
export type { Spread } from './spread.js';
export type { DaemonProcess, ProbeOptions, SiteProbe } from './types.js';

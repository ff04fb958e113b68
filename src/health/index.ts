export { HealthMonitor } from './monitor.js';
export type { MonitorOptions, SlotHealth } from './monitor.js';
export { runProbe } from './probes.js';
export type { ProbeTarget } from './probes.js';

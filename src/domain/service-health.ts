// One rule for a service's health on a site, shared by `turtle status` and the observer's dashboard: each
// reads its replicas its own way (engine state, the agent's health slots) and counts them into this.
export type ServiceHealth = 'healthy' | 'unhealthy' | 'starting' | 'stopped' | 'missing';

export interface ReplicaCounts {
  /** an operator stopped the service (`turtle stop`), or none of its replicas should run */
  stopped: boolean;
  desired: number;
  running: number;
  /** replicas the site knows of at all (containers, or the agent's health slots) */
  present: number;
  /** replicas failing their health check, crash-looping or down when they should run */
  failing: number;
  /** replicas still in their start period */
  starting: number;
}

export function serviceHealth(c: ReplicaCounts): ServiceHealth {
  if (c.stopped) return 'stopped';
  if (c.desired > 0 && c.running === 0 && c.present === 0) return 'missing';
  if (c.failing > 0) return 'unhealthy';
  if (c.starting > 0 || c.running < c.desired) return 'starting';
  return 'healthy';
}

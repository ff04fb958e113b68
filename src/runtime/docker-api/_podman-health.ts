// Podman schedules health checks as systemd timers; where systemd does not run (this sandbox, OpenWrt and
// other small routers) they never run and health stays "starting" forever. The adapter then runs a due
// check itself when it observes the container (libpod's healthcheck endpoint, a GET), so health advances
// at the pace turtle looks. Where systemd runs the checks, the last result is fresh and nothing extra runs.
import type { InspectDoc } from './_observe.js';

const DEFAULT_INTERVAL_MS = 30_000;

/** True when a running container's last health result (or its start) is at least one interval old. */
export function healthCheckDue(doc: InspectDoc, nowMs: number): boolean {
  const hc = doc.Config.Healthcheck;
  if (doc.State.Status !== 'running' || !hc?.Test?.length || hc.Test[0] === 'NONE') return false;
  const intervalMs = hc.Interval ? hc.Interval / 1e6 : DEFAULT_INTERVAL_MS;
  const log = doc.State.Health?.Log ?? [];
  const last = Date.parse(log.at(-1)?.End ?? doc.State.StartedAt ?? '');
  return !Number.isFinite(last) || nowMs - last >= intervalMs;
}

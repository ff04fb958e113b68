// `probe`: turtle's own health check, run by the site agent (http, tcp or exec), fast by default.
import type { Probe } from '../domain/types.js';
import { command, doc, duration, fail, num, obj, str } from './_fields.js';

/**
 * Kubernetes notices in ~30 s and Docker in ~90 s; these defaults notice a dead service at once (the engine's
 * event) and a failing one within about 2.3 s: a probe every 2 s while healthy, a failure confirmed 250 ms
 * later (the health monitor's confirmDelayMs). A hung one (no answer) takes up to 2 s + 2 × the timeout.
 */
export const PROBE_DEFAULTS = { intervalMs: 2_000, timeoutMs: 800, failureThreshold: 2, startPeriodMs: 0 } as const;

const port = num({ int: true, min: 1, max: 65_535 });

export const probeShape = {
  http: doc(obj({ port, path: str({ pattern: /^\/[\x21-\x7e]*$/, rule: 'a path starting with /' }).optional() }).optional(), {
    description: 'GET http://<container>:port/path; any 2xx or 3xx answer passes.', type: '{ port, path }', example: '{ port: 80, path: /health }',
  }),
  tcp: doc(obj({ port }).optional(), { description: 'A TCP connection to the container\'s port is accepted.', type: '{ port }', example: '{ port: 5432 }' }),
  exec: doc(command().optional(), { description: 'A command run in the container (through the engine) exits 0.', type: 'list of strings', example: '["pg_isready"]' }),
  interval: doc(duration({ positive: true }).optional(), { description: 'Time between probes while the service is healthy; after a failure the next probe comes at most 250 ms later (at once after a timeout).', type: 'duration', default: '2s', example: '5s' }),
  timeout: doc(duration({ positive: true }).optional(), { description: 'How long one probe may take.', type: 'duration', default: '800ms', example: '1s' }),
  failure_threshold: doc(num({ int: true, min: 1 }).optional(), {
    description: 'Consecutive failures before the container is restarted (the first failure is confirmed quickly, see interval).', type: 'integer >= 1', default: '2', example: '3',
  }),
  start_period: doc(duration().optional(), { description: 'Grace time after a start during which failures do not count.', type: 'duration', default: '0s', example: '10s' }),
};

export const probe = obj(probeShape)
  .superRefine((p, ctx) => {
    const kinds = (['http', 'tcp', 'exec'] as const).filter((k) => p[k] !== undefined);
    if (kinds.length !== 1) fail(ctx, `a probe has exactly one of http, tcp or exec; found ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`);
  })
  .transform((p): Probe => ({
    check: p.http ? { kind: 'http', port: p.http.port, path: p.http.path ?? '/' } : p.tcp ? { kind: 'tcp', port: p.tcp.port } : { kind: 'exec', command: p.exec ?? [] },
    intervalMs: p.interval ?? PROBE_DEFAULTS.intervalMs,
    timeoutMs: p.timeout ?? PROBE_DEFAULTS.timeoutMs,
    failureThreshold: p.failure_threshold ?? PROBE_DEFAULTS.failureThreshold,
    startPeriodMs: p.start_period ?? PROBE_DEFAULTS.startPeriodMs,
  }));

// The agent's Prometheus metrics (prom-client), in a registry of its own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'turtle_agent_reconciles_total', help: 'Reconcile runs by outcome.', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly reconcileSeconds = new Histogram({
    name: 'turtle_agent_reconcile_duration_seconds', help: 'Time one reconcile run took.', buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60], registers: [this.registry],
  });
  readonly requests = new Counter({ name: 'turtle_agent_api_requests_total', help: 'API requests by route and status code.', labelNames: ['route', 'code'] as const, registers: [this.registry] });
  readonly engineUp = new Gauge({ name: 'turtle_agent_engine_up', help: '1 while the container engine answers.', registers: [this.registry] });
  readonly restarts = new Gauge({ name: 'turtle_agent_service_restarts', help: 'Restarts the agent made, by service, since it started.', labelNames: ['service'] as const, registers: [this.registry] });
  readonly containers = new Gauge({ name: 'turtle_agent_containers', help: 'Desired containers by health status.', labelNames: ['status'] as const, registers: [this.registry] });
  readonly lastSeq = new Gauge({ name: 'turtle_agent_event_sequence', help: 'Sequence number of the newest event.', registers: [this.registry] });

  constructor() {
    // prom-client samples event-loop delay every 10 ms by default: 100 wake-ups a second on an idle router.
    // Every 100 ms still shows the stalls that matter here (a probe or the API held up).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }
}

import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process, served at GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'maru_' });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'maru_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    eventsIngested: new Counter({
      name: 'maru_events_ingested_total',
      help: 'Events stored, by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    eventsDuplicate: new Counter({
      name: 'maru_events_duplicate_total',
      help: 'Events acknowledged but not stored again because their key was already stored',
      registers: [registry],
    }),
    storeCommits: new Gauge({ name: 'maru_store_commits', help: 'Write groups committed since start', registers: [registry] }),
    storeUnits: new Gauge({ name: 'maru_store_units', help: 'Write units committed since start', registers: [registry] }),
    errors: new Counter({ name: 'maru_internal_errors_total', help: 'Unexpected errors (5xx)', registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

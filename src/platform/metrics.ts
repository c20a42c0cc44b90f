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
    storeCommits: new Counter({ name: 'maru_store_commits', help: 'Write groups committed since start', registers: [registry] }),
    storeUnits: new Counter({ name: 'maru_store_units', help: 'Write units committed since start', registers: [registry] }),
    storeCommitSeconds: new Histogram({
      name: 'maru_store_commit_duration_seconds',
      help: 'Time from the start of a write group to its durable commit',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    storeFaults: new Counter({
      name: 'maru_store_faults_total',
      help: 'Requests answered 503 because the database could not write or answer (full disk, read-only, connection lost), by cause',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    storeWritable: new Gauge({ name: 'maru_store_writable', help: '1 while writes succeed, 0 while a database fault stands', registers: [registry] }),
    queueJobs: new Gauge({
      name: 'maru_queue_jobs',
      help: 'Jobs in the queue by job kind (queue) and state; state="failed" is the dead-letter list',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
    queueOldestSeconds: new Gauge({
      name: 'maru_queue_oldest_due_seconds',
      help: 'Age of the oldest job that is due and not yet done, by job kind (0 when none waits)',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    deliveries: new Gauge({ name: 'maru_deliveries', help: 'Deliveries by state', labelNames: ['state'] as const, registers: [registry] }),
    backlogRefused: new Counter({
      name: 'maru_backlog_refused_total',
      help: 'Requests answered 503 because accepted-but-unprocessed work passed its bound, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    errors: new Counter({ name: 'maru_internal_errors_total', help: 'Unexpected errors (5xx)', registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

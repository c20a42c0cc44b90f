import type { Db } from '../db/store.ts';

/**
 * The queue port: durable background jobs.
 *
 * Behaviour every adapter keeps (proven by test/contract/queue.contract.ts):
 * - `add(tx, spec)` writes the job as part of the caller's write unit: it exists (and is durable) exactly when that
 *   unit commits, and not at all if the unit rolls back. So "accepted" (HTTP 202) and "queued" are one commit.
 * - A job with a `key` is added at most once per queue while a job with that key is kept (pending, running,
 *   or finished within the retention window); `add` then answers `{added: false}` with the existing id.
 * - Delivery is at least once: a handler may see a job again after a crash or lease expiry, so handlers must be
 *   idempotent (the core's idempotency keys make them effectively once). A job runs no earlier than `runAt`.
 * - A handler that resolves completes the job. One that throws is retried with exponential backoff and jitter
 *   (`RetryLater` sets the delay, e.g. from a provider's Retry-After) until `maxAttempts`, then the job is `failed`
 *   with the last error kept. Each claim counts as an attempt, so a job that crashes its worker cannot loop forever.
 * - Jobs survive a restart: pending and running jobs of a killed process are run after restart (running ones once
 *   their lease has expired; the embedded queue, the only process on its database, releases at `start()` every lease
 *   another process held, so they run at once).
 * - Leases are fenced: a process never claims a job its own handler is still running, and an attempt's outcome is
 *   recorded only while that attempt still holds the job — the late outcome of an attempt whose lease expired (and
 *   whose job another attempt took) is dropped, never written over the newer attempt's.
 * - A job that failed for good (`failed`: PermanentFailure, or its last attempt failed) is kept with its reason in the
 *   dead-letter list (`dead()`) until an operator retries it (`retry()`: pending again, due now, attempts from zero).
 * - Handlers run only in processes that called `start()` (the worker role); `stop()` stops taking jobs and waits for
 *   running handlers to finish.
 */
export interface JobSpec<T> {
  queue: string;
  payload: T;
  key?: string;
  /** Epoch ms; default now. */
  runAt?: number;
  maxAttempts?: number;
  projectId?: string;
}

export interface JobContext<T> {
  id: string;
  queue: string;
  key: string | null;
  projectId: string | null;
  payload: T;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<T> = (job: JobContext<T>) => Promise<void>;

export interface HandlerOptions {
  /** Jobs of this queue run at once in this process. */
  concurrency?: number;
  /** How long a claimed job is reserved before another worker may take it (ms). */
  leaseMs?: number;
  /** Backoff before retry n (1-based), before jitter. Default 1s·2^(n-1), capped at 10 min. */
  backoffMs?: (attempt: number) => number;
}

export type JobState = 'pending' | 'running' | 'done' | 'failed';

export interface JobInfo {
  id: string;
  queue: string;
  key: string | null;
  projectId: string | null;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One queue's figures for /metrics: jobs by state, and how long the oldest due, unfinished job has waited. */
export interface QueueStats {
  queue: string;
  counts: Record<JobState, number>;
  oldestDueMs: number;
}

/** Thrown by a handler to retry after a given delay (counts as an attempt). */
export class RetryLater extends Error {
  override name = 'RetryLater';
  readonly delayMs: number;
  constructor(delayMs: number, message = 'retry later') {
    super(message);
    this.delayMs = delayMs;
  }
}

/** Thrown by a handler to fail the job at once, without further attempts. */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
}

export interface Queue {
  add<T>(tx: Db, spec: JobSpec<T>): Promise<{ id: string; added: boolean }>;
  /** Adds a job in its own write unit (durable when it resolves) and wakes local workers. */
  enqueue<T>(spec: JobSpec<T>): Promise<{ id: string; added: boolean }>;
  /** Wakes local workers of a queue (call after a unit that added jobs has committed). */
  kick(queue?: string): void;
  handle<T>(queue: string, handler: JobHandler<T>, options?: HandlerOptions): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  get(id: string): Promise<JobInfo | undefined>;
  counts(queue: string): Promise<Record<JobState, number>>;
  /** The dead-letter list: failed jobs, most recently failed first. */
  dead(filter?: { queue?: string; projectId?: string; limit?: number }): Promise<JobInfo[]>;
  /** Puts a failed job back (pending, due now, attempts from zero) and wakes workers; undefined if it is not failed. */
  retry(id: string): Promise<JobInfo | undefined>;
  /** Per-queue figures for /metrics. */
  stats(): Promise<QueueStats[]>;
  /** Runs every job of the queue (or all handled queues) that is due now, until none is left. For tests and the CLI. */
  drain(queue?: string): Promise<number>;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

export function defaultBackoff(attempt: number): number {
  return Math.min(600_000, 1000 * 2 ** (attempt - 1));
}

/** Full jitter on half the delay: [d/2, d). */
export function withJitter(delayMs: number, random: () => number = Math.random): number {
  return Math.floor(delayMs / 2 + random() * (delayMs / 2));
}

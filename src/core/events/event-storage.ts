import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db, Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import * as repo from './events.repository.ts';

export interface EventStorageOptions {
  /** Most log rows one merge takes and sorts at once (the larger, the fewer index pages each event dirties). */
  mergeBatch?: number;
  /** Rows per merge write unit: each is one sorted slice of the batch, so no unit holds the event loop for long. */
  mergeChunk?: number;
  /** How long after the first unmerged append a merge starts when the log is below mergeBatch (ms). */
  mergeDelayMs?: number;
}

/**
 * Where acknowledged events are written, and the ingest log behind it (docs/design.md "Ingest log").
 *
 * SQLite, under concurrent ingest: a unit appends its rows to `event_log` (append-only, no secondary index), so the
 * commit that acknowledges them (D13) writes little more than the rows. A merge then moves the log into `events` in
 * large batches: up to `mergeBatch` rows sorted by the dedupe key (project, occurred_at, key) and inserted in sorted
 * slices with ON CONFLICT DO NOTHING, so D5 is decided at merge, against every event ever stored, and each index
 * page a batch touches is written once per batch instead of once per commit group. A slice is idempotent (a crash
 * between slices re-runs the batch and stores nothing twice); the merged rows leave the log once the whole batch is in.
 *
 * A lone request (no other ingest in flight) inserts into `events` directly, as does PostgreSQL always (one
 * `unnest` statement per unit): nothing waits in a log then, and tests and low traffic see events at once.
 *
 * Readers that must see every acknowledged event (export, audiences, counts) call `flush()` first; profile
 * deletion erases the profile's rows in the log in its own unit (`eraser`).
 */
export class EventStorage {
  #store: Store;
  #log: Logger;
  #mergeBatch: number;
  #mergeChunk: number;
  #mergeDelayMs: number;
  #onMerged: ((stored: number, duplicates: number) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The merge in progress; it never rejects (its failure is kept in #failure for flush to report). */
  #merging: Promise<void> | undefined;
  #failure: unknown;
  /** Log rows appended since the last merge started (an estimate: it is reset when a merge begins). */
  #pending = 0;
  #closed = false;
  /** Rows acknowledged from the log, and merge batches run, since start (for tests and diagnostics). */
  readonly stats = { logged: 0, batches: 0 };

  constructor(deps: { store: Store; log: Logger; onMerged?: (stored: number, duplicates: number) => void }, options: EventStorageOptions = {}) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#onMerged = deps.onMerged;
    this.#mergeBatch = options.mergeBatch ?? 50_000;
    this.#mergeChunk = options.mergeChunk ?? 2_000;
    this.#mergeDelayMs = options.mergeDelayMs ?? 100;
  }

  /** Whether this store keeps an ingest log (SQLite). */
  get logged(): boolean {
    return this.#store.dialect === 'sqlite';
  }

  /**
   * Inside a write unit: stores `rows`. `defer` (SQLite only) appends them to the log; the result then counts every
   * row as accepted (duplicates are found, and counted through `onMerged`, at merge). Otherwise inserts them into
   * `events` now and returns how many were new.
   */
  async write(tx: Db, rows: repo.NewEventRow[], defer: boolean): Promise<{ inserted: number; deferred: boolean }> {
    if (rows.length === 0) return { inserted: 0, deferred: false };
    if (this.#store.dialect === 'postgres') return { inserted: await repo.insertEventsUnnest(tx, rows), deferred: false };
    if (!defer) return { inserted: await repo.insertEvents(tx, rows), deferred: false };
    await repo.appendLog(tx, rows);
    this.stats.logged += rows.length; // counted before commit: an estimate if the unit later fails
    return { inserted: rows.length, deferred: true };
  }

  /** After a unit that deferred `count` rows has committed: schedules the merge. */
  appended(count: number): void {
    this.#pending += count;
    if (this.#closed || this.#merging) return;
    if (this.#pending >= this.#mergeBatch) this.#startMerge();
    else this.#timer ??= setTimeout(() => this.#startMerge(), this.#mergeDelayMs);
  }

  /** Merges every row in the log now (waits for a merge in progress first). Read-your-writes barrier. */
  async flush(): Promise<void> {
    if (!this.logged) return;
    for (;;) {
      if (this.#merging) await this.#merging;
      const { n } = await repo.logBounds(this.#store.db);
      if (n === 0) return;
      if (this.#failure !== undefined) {
        const failure = this.#failure;
        this.#failure = undefined;
        throw failure;
      }
      if (!this.#merging) this.#startMerge();
    }
  }

  /** A deletion eraser: removes the profiles' events still waiting in the log, in the deletion's unit. */
  readonly eraser = async (tx: Db, projectId: string, profileIds: string[]): Promise<Record<string, number>> => {
    if (!this.logged || profileIds.length === 0) return {};
    return { events: await repo.eraseLogRows(tx, projectId, profileIds) };
  };

  /** Stops scheduling merges and merges what is left (graceful shutdown: the file is complete afterwards). */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      await this.flush();
    } catch (error) {
      // The rows stay in the log (durable) and are merged at the next start.
      this.#log.error({ err: error }, 'merging the ingest log at shutdown failed; it is merged at the next start');
    }
    this.#closed = true;
  }

  #startMerge(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#merging) return;
    this.#failure = undefined;
    this.#merging = this.#mergeAll()
      .catch((error: unknown) => {
        // The rows stay in the log; the next append or flush tries again.
        this.#failure = error;
        this.#log.error({ err: error }, 'merging the ingest log failed');
      })
      .finally(() => {
        this.#merging = undefined;
        if (this.#pending > 0 && !this.#closed && this.#failure === undefined) this.appended(0);
      });
  }

  async #mergeAll(): Promise<void> {
    for (;;) {
      this.#pending = 0;
      const bounds = await repo.logBounds(this.#store.db);
      if (bounds.min === null || bounds.max === null) return;
      await this.#mergeBatchFrom(bounds.min, bounds.max);
      if (this.#pending < this.#mergeChunk) return; // little arrived meanwhile: let it gather (the timer)
    }
  }

  /** One batch: the oldest up to mergeBatch log rows, sorted by the dedupe key, inserted slice by slice. */
  async #mergeBatchFrom(min: number, max: number): Promise<void> {
    const keys: repo.LogKey[] = [];
    for (let from = min; from <= max && keys.length < this.#mergeBatch; ) {
      const page = await repo.logKeys(this.#store.db, from, max, Math.min(10_000, this.#mergeBatch - keys.length));
      if (page.length === 0) break;
      for (const k of page) keys.push(k);
      from = page[page.length - 1].id + 1;
      await yieldToLoop();
    }
    if (keys.length === 0) return;
    const last = keys[keys.length - 1].id;
    keys.sort(byDedupeKey);
    let stored = 0;
    for (let i = 0; i < keys.length; i += this.#mergeChunk) {
      const ids = keys.slice(i, i + this.#mergeChunk).map((k) => k.id);
      stored += await this.#store.write((tx) => repo.mergeLogRows(tx, ids));
    }
    await this.#store.write((tx) => repo.deleteLogUpTo(tx, last));
    this.stats.batches++;
    this.#onMerged?.(stored, keys.length - stored);
  }
}

function byDedupeKey(a: repo.LogKey, b: repo.LogKey): number {
  if (a.project_id !== b.project_id) return a.project_id < b.project_id ? -1 : 1;
  if (a.occurred_at !== b.occurred_at) return a.occurred_at - b.occurred_at;
  return a.event_key < b.event_key ? -1 : a.event_key > b.event_key ? 1 : 0;
}

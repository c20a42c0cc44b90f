import { MaruError } from '../errors.ts';

/**
 * Backpressure (docs/operations.md): a bound on accepted-but-unprocessed work of one kind (Marketap event batches,
 * delivery jobs). `check()` refuses new work with `unavailable` (503) and a Retry-After while the backlog is at or past
 * its bound, instead of letting it grow without limit. The backlog is counted at most once a second (a cached figure:
 * the bound is approximate by that second, and a request costs no count).
 */
export class Backlog {
  #kind: string;
  #max: number;
  #count: () => Promise<number>;
  #onRefused: ((kind: string) => void) | undefined;
  #refreshMs: number;
  #now: () => number;
  #value = 0;
  #at = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(input: { kind: string; max: number; count: () => Promise<number>; onRefused?: (kind: string) => void; refreshMs?: number; now?: () => number }) {
    this.#kind = input.kind;
    this.#max = input.max;
    this.#count = input.count;
    this.#onRefused = input.onRefused;
    this.#refreshMs = input.refreshMs ?? 1000;
    this.#now = input.now ?? (() => performance.now());
  }

  /** Throws `unavailable` (retry after a few seconds) when the backlog is at or past its bound. */
  async check(): Promise<void> {
    if (this.#now() - this.#at >= this.#refreshMs) {
      this.#refreshing ??= this.#count()
        .then((n) => {
          this.#value = n;
          this.#at = this.#now();
        })
        .finally(() => {
          this.#refreshing = undefined;
        });
      await this.#refreshing;
    }
    if (this.#value >= this.#max) {
      this.#onRefused?.(this.#kind);
      throw new MaruError('unavailable', `too much accepted work is waiting (${this.#kind}: ${this.#value}, bound ${this.#max}); retry later`, {
        retryAfterMs: 5000,
        details: { backlog: this.#kind },
      });
    }
  }
}

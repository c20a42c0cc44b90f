/** Time source. Everything that depends on "now" takes a Clock so tests can move time without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start: number | string = Date.UTC(2025, 0, 6, 1, 0, 0)) {
    this.#now = typeof start === 'string' ? Date.parse(start) : start;
  }
  now(): number {
    return this.#now;
  }
  set(t: number | string): void {
    this.#now = typeof t === 'string' ? Date.parse(t) : t;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

/**
 * Time-zone arithmetic for exports and audience rules (D3: store UTC, show the project's local time).
 *
 * `Intl` is exact but slow (microseconds per call), and an export formats two or three datetimes per row.
 * `ZoneOffsets` asks Intl once per UTC hour and caches the offset; an hour in which the offset changes
 * (a DST or historical transition inside the hour) is marked and answered exactly by Intl for each instant.
 */
const SECOND = 1000;
const HOUR = 3_600_000;
export const DAY = 86_400_000;

export class ZoneOffsets {
  readonly timeZone: string;
  #dtf: Intl.DateTimeFormat;
  #byHour = new Map<number, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.#dtf = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  }

  /** Milliseconds to add to a UTC instant to get the wall-clock time in this zone. */
  offsetAt(ms: number): number {
    const hour = Math.floor(ms / HOUR);
    let offset = this.#byHour.get(hour);
    if (offset === undefined) {
      const start = this.#exact(hour * HOUR);
      const end = this.#exact(hour * HOUR + HOUR - SECOND);
      offset = start === end ? start : Number.NaN;
      if (this.#byHour.size >= 50_000) this.#byHour.clear();
      this.#byHour.set(hour, offset);
    }
    return Number.isNaN(offset) ? this.#exact(ms) : offset;
  }

  #exact(ms: number): number {
    const whole = Math.floor(ms / SECOND) * SECOND;
    const p: Record<string, string> = {};
    for (const part of this.#dtf.formatToParts(whole)) p[part.type] = part.value;
    let year = Number(p.year);
    if (p.era === 'BC' || p.era === 'B') year = 1 - year;
    return utc(year, Number(p.month), Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - whole;
  }
}

/** Epoch ms of a UTC wall-clock time; works for years 0–99 too (Date.UTC maps those to 19xx). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

const pad2 = (n: number) => (n < 10 ? '0' + n : String(n));
const pad3 = (n: number) => (n < 10 ? '00' + n : n < 100 ? '0' + n : String(n));
const pad4 = (n: number) => (n < 0 ? '-' + String(-n).padStart(4, '0') : n < 1000 ? String(n).padStart(4, '0') : String(n));

/** `yyyy-MM-dd` of a day number (days since the epoch). */
function civilDate(day: number): string {
  const d = new Date(day * DAY);
  return `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/**
 * Formats instants as `yyyy-MM-dd HH:mm:ss.SSS` in a zone (D7). Keeps the last day's date text, so rows in
 * time order cost a few integer operations and one string concatenation each.
 */
export class DatetimeFormatter {
  #zone: ZoneOffsets;
  #lastDay = Number.NaN;
  #dayText = '';

  constructor(zone: ZoneOffsets | string) {
    this.#zone = typeof zone === 'string' ? new ZoneOffsets(zone) : zone;
  }

  format(ms: number): string {
    const local = ms + this.#zone.offsetAt(ms);
    const day = Math.floor(local / DAY);
    if (day !== this.#lastDay) {
      this.#lastDay = day;
      this.#dayText = civilDate(day) + ' ';
    }
    let rest = local - day * DAY;
    const h = Math.floor(rest / HOUR);
    rest -= h * HOUR;
    const mi = Math.floor(rest / 60_000);
    rest -= mi * 60_000;
    const s = Math.floor(rest / SECOND);
    return this.#dayText + pad2(h) + ':' + pad2(mi) + ':' + pad2(s) + '.' + pad3(rest - s * SECOND);
  }

  /** Another formatter on the same zone cache, with its own day cache (for a second column of times). */
  fork(): DatetimeFormatter {
    return new DatetimeFormatter(this.#zone);
  }

  /** The local date (`yyyy-MM-dd`) of an instant. */
  date(ms: number): string {
    return civilDate(Math.floor((ms + this.#zone.offsetAt(ms)) / DAY));
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The first instant of a local date in a zone (its midnight, or the first existing instant after it when a
 * transition skips midnight). `date` must be a valid `yyyy-MM-dd`.
 */
export function startOfLocalDay(date: string, zone: ZoneOffsets): number {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a yyyy-MM-dd date: ${date}`);
  const wall = utc(Number(m[1]), Number(m[2]), Number(m[3]));
  // Two fixed-point steps give the candidates; the day starts at the earliest one whose wall-clock time is
  // not before midnight (when a transition skips midnight, that is the end of the gap).
  const t1 = wall - zone.offsetAt(wall);
  const t2 = wall - zone.offsetAt(t1);
  const ok = [t1, t2].filter((t) => t + zone.offsetAt(t) >= wall);
  return ok.length > 0 ? Math.min(...ok) : t1;
}

/** `yyyy-MM-dd` shifted by whole days. */
export function addDays(date: string, days: number): string {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a yyyy-MM-dd date: ${date}`);
  return civilDate(Math.floor(utc(Number(m[1]), Number(m[2]), Number(m[3])) / DAY) + days);
}

/** Whole days from `from` to `to` (both `yyyy-MM-dd`); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  const a = DATE.exec(from);
  const b = DATE.exec(to);
  if (!a || !b) throw new Error('dates must be yyyy-MM-dd');
  return Math.round((utc(Number(b[1]), Number(b[2]), Number(b[3])) - utc(Number(a[1]), Number(a[2]), Number(a[3]))) / DAY);
}

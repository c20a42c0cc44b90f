/**
 * Wall-clock time in a project's time zone (D3: store UTC, show local): the day a metric is counted under, the
 * local time quiet hours and night-time ads are judged by, and `lastCollectedAt`.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (formats.size > 500) formats.clear();
    formats.set(tz, f);
  }
  return f;
}

export interface LocalParts {
  /** yyyy-MM-dd */
  date: string;
  /** HH:mm:ss */
  time: string;
  /** Minutes since local midnight. */
  minuteOfDay: number;
}

export function localParts(ms: number, tz: string): LocalParts {
  const p: Record<string, string> = {};
  for (const part of format(tz).formatToParts(ms)) p[part.type] = part.value;
  const hour = p.hour === '24' ? '00' : p.hour;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${hour}:${p.minute}:${p.second}`, minuteOfDay: Number(hour) * 60 + Number(p.minute) };
}

export const localDate = (ms: number, tz: string) => localParts(ms, tz).date;

/** `yyyy-MM-dd HH:mm:ss` in the zone (Notifly's lastCollectedAt). */
export function localDateTime(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${p.date} ${p.time}`;
}

const HHMM = /^(\d{2}):(\d{2})$/;
export const minuteOf = (hhmm: string) => {
  const m = HHMM.exec(hhmm)!;
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Whether a local minute of the day falls in [start, end), a window that may wrap midnight (21:00–08:00). */
export function inWindow(minuteOfDay: number, start: string, end: string): boolean {
  const s = minuteOf(start);
  const e = minuteOf(end);
  return s < e ? minuteOfDay >= s && minuteOfDay < e : minuteOfDay >= s || minuteOfDay < e;
}

/**
 * Every time the console shows is in the project's time zone, with the zone named: "2026-12-02 16:47:28 Asia/Seoul".
 * Inputs are ISO strings or epoch milliseconds as the API sends them.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function formatTime(value: string | number | null | undefined, timeZone: string): string {
  if (value === null || value === undefined || value === '') return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${timeZone}`;
}

/** The project-local calendar day (yyyy-MM-dd) of an instant. */
export function localDay(value: string | number | Date, timeZone: string): string {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(value))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}`;
}

/** Time zones the browser knows, for the project time-zone pickers. */
export const timeZones = (): string[] => {
  const withSupported = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = withSupported.supportedValuesOf?.('timeZone') ?? ['Asia/Seoul', 'UTC'];
  return list.includes('UTC') ? list : ['UTC', ...list];
};

/**
 * A wall-clock time typed in a picker ("2026-12-02 09:00:00", no zone) read as a time in `timeZone`, as an ISO
 * instant: the zone's offset at that moment found by formatting the naive instant there and correcting once.
 */
export function zonedToInstant(wall: string | Date, timeZone: string): string {
  const s =
    typeof wall === 'string'
      ? wall
      : `${wall.getFullYear()}-${String(wall.getMonth() + 1).padStart(2, '0')}-${String(wall.getDate()).padStart(2, '0')} ${String(wall.getHours()).padStart(2, '0')}:${String(wall.getMinutes()).padStart(2, '0')}:00`;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
  if (!m) throw new Error(`not a date and time: ${s}`);
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  const offset = (at: number) => {
    const p = Object.fromEntries(
      formatter(timeZone)
        .formatToParts(new Date(at))
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - at;
  };
  let instant = asUtc - offset(asUtc);
  instant = asUtc - offset(instant);
  return new Date(instant).toISOString();
}

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { addDays, DatetimeFormatter, daysBetween, startOfLocalDay, ZoneOffsets } from './timezone.ts';

/** The slow, obviously-correct reference: Intl for every instant. */
const referenceFormats = new Map<string, Intl.DateTimeFormat>();
function reference(ms: number, timeZone: string): string {
  let dtf = referenceFormats.get(timeZone);
  if (!dtf) {
    const digits = '2-digit' as const;
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: digits,
      day: digits,
      hour: digits,
      minute: digits,
      second: digits,
    });
    referenceFormats.set(timeZone, dtf);
  }
  const p: Record<string, string> = {};
  for (const part of dtf.formatToParts(ms)) p[part.type] = part.value;
  const frac = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  return `${p.year.padStart(4, '0')}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${frac}`;
}

const ZONES = ['Asia/Seoul', 'UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago', 'Pacific/Chatham'];

describe('DatetimeFormatter (cached offset per hour)', () => {
  test('agrees with Intl for any instant in 1970–2100 in zones with DST, half-hour and 45-minute offsets', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (zone, ms) => {
        expect(new DatetimeFormatter(zone).format(ms)).toBe(reference(ms, zone));
      }),
      { numRuns: 2000 },
    );
  });

  test('agrees with Intl across a whole DST year (every ~37 minutes) with one shared cache per zone', () => {
    for (const zone of ['America/New_York', 'Australia/Lord_Howe', 'Europe/London']) {
      const f = new DatetimeFormatter(zone);
      const start = Date.UTC(2024, 0, 1);
      for (let t = start; t < start + 366 * 86_400_000; t += 37 * 60_000 + 13_337) expect(f.format(t)).toBe(reference(t, zone));
    }
  });

  test('examples from the seed (KST)', () => {
    const f = new DatetimeFormatter('Asia/Seoul');
    expect(f.format(1736127490036)).toBe('2025-01-06 10:38:10.036');
    expect(f.format(Date.parse('2024-06-24T06:42:25.394Z'))).toBe('2024-06-24 15:42:25.394');
    expect(f.date(Date.parse('2024-12-31T15:00:00Z'))).toBe('2025-01-01');
    expect(f.date(Date.parse('2024-12-31T14:59:59.999Z'))).toBe('2024-12-31');
  });
});

describe('local days → UTC bounds', () => {
  test('KST midnight is 15:00 UTC the day before', () => {
    const kst = new ZoneOffsets('Asia/Seoul');
    expect(new Date(startOfLocalDay('2025-01-06', kst)).toISOString()).toBe('2025-01-05T15:00:00.000Z');
  });

  test('DST days start at their real midnight (New York) and after a gap that swallows midnight (Santiago)', () => {
    const ny = new ZoneOffsets('America/New_York');
    expect(new Date(startOfLocalDay('2024-03-10', ny)).toISOString()).toBe('2024-03-10T05:00:00.000Z');
    expect(new Date(startOfLocalDay('2024-03-11', ny)).toISOString()).toBe('2024-03-11T04:00:00.000Z');
    expect(new Date(startOfLocalDay('2024-11-03', ny)).toISOString()).toBe('2024-11-03T04:00:00.000Z');
    // Chile moved clocks from 00:00 to 01:00 on 2024-09-08: the day starts at 01:00 local (-03) = 04:00 UTC.
    const cl = new ZoneOffsets('America/Santiago');
    expect(new Date(startOfLocalDay('2024-09-08', cl)).toISOString()).toBe('2024-09-08T04:00:00.000Z');
    expect(new Date(startOfLocalDay('2024-09-07', cl)).toISOString()).toBe('2024-09-07T04:00:00.000Z');
  });

  test('the start of a day formats as that day at or just after midnight, in any zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 40_000 }), (zone, dayNumber) => {
        const date = new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);
        const t = startOfLocalDay(date, new ZoneOffsets(zone));
        const f = new DatetimeFormatter(zone);
        expect(f.date(t)).toBe(date);
        expect(f.date(t - 1)).toBe(addDays(date, -1));
      }),
      { numRuns: 500 },
    );
  });

  test('addDays and daysBetween', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(daysBetween('2024-08-25', '2024-08-26')).toBe(1);
    expect(daysBetween('2025-01-01', '2025-02-01')).toBe(31);
    expect(daysBetween('2025-02-01', '2025-01-01')).toBe(-31);
  });
});

import { describe, expect, it } from 'vitest';
import { inWindow, localDate, localDateTime, localParts } from './local-time.ts';
import { conditionHolds } from './triggers.service.ts';

describe('local time', () => {
  it('gives the day and time in the project zone, across the KST date boundary', () => {
    expect(localDate(Date.parse('2024-10-28T14:59:59.999Z'), 'Asia/Seoul')).toBe('2024-10-28');
    expect(localDate(Date.parse('2024-10-28T15:00:00.000Z'), 'Asia/Seoul')).toBe('2024-10-29');
    expect(localDateTime(Date.parse('2024-10-28T19:00:00.000Z'), 'Asia/Seoul')).toBe('2024-10-29 04:00:00');
    expect(localParts(Date.parse('2024-10-28T15:30:00.000Z'), 'Asia/Seoul').minuteOfDay).toBe(30);
    expect(localDate(Date.parse('2024-10-28T15:00:00.000Z'), 'America/New_York')).toBe('2024-10-28');
  });

  it('judges windows that wrap midnight, start inclusive and end exclusive', () => {
    const m = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
    expect(inWindow(m('21:00'), '21:00', '08:00')).toBe(true);
    expect(inWindow(m('03:00'), '21:00', '08:00')).toBe(true);
    expect(inWindow(m('08:00'), '21:00', '08:00')).toBe(false);
    expect(inWindow(m('20:59'), '21:00', '08:00')).toBe(false);
    expect(inWindow(m('12:30'), '12:00', '13:00')).toBe(true);
    expect(inWindow(m('13:00'), '12:00', '13:00')).toBe(false);
  });
});

describe('trigger conditions', () => {
  it('compares event parameters by type', () => {
    const p = { price: 20000, qty: '3', tag: 'sale', tags: ['a', 'b'], flag: true };
    expect(conditionHolds({ param: 'price', op: 'gte', value: 20000 }, p)).toBe(true);
    expect(conditionHolds({ param: 'price', op: 'gt', value: 20000 }, p)).toBe(false);
    expect(conditionHolds({ param: 'qty', op: 'lt', value: 4 }, p)).toBe(true);
    expect(conditionHolds({ param: 'qty', op: 'eq', value: 3 }, p)).toBe(true);
    expect(conditionHolds({ param: 'tag', op: 'eq', value: 'sale' }, p)).toBe(true);
    expect(conditionHolds({ param: 'tag', op: 'neq', value: 'sale' }, p)).toBe(false);
    expect(conditionHolds({ param: 'missing', op: 'neq', value: 'sale' }, p)).toBe(true);
    expect(conditionHolds({ param: 'tags', op: 'contains', value: 'b' }, p)).toBe(true);
    expect(conditionHolds({ param: 'tag', op: 'contains', value: 'al' }, p)).toBe(true);
    expect(conditionHolds({ param: 'flag', op: 'eq', value: true }, p)).toBe(true);
    expect(conditionHolds({ param: 'missing', op: 'exists' }, p)).toBe(false);
    expect(conditionHolds({ param: 'missing', op: 'not_exists' }, p)).toBe(true);
    expect(conditionHolds({ param: 'tag', op: 'gt', value: 1 }, p)).toBe(false);
  });
});

import { describe, expect, test } from 'vitest';
import { MaruError } from '../errors.ts';
import { STANDARD_EVENTS, STANDARD_EVENT_PROPERTIES, STANDARD_USER_PROPERTIES } from '../taxonomy/standard-taxonomy.ts';
import { propertyKey, type PropertyDefinition, type PropertyType, type Taxonomy } from '../taxonomy/taxonomy.types.ts';
import { checkRule } from './audience-rules.ts';

const user: Record<string, PropertyType> = { ...STANDARD_USER_PROPERTIES, age: 'long', tags: 'string[]', last_login_at: 'datetime' };
const taxonomy: Taxonomy = {
  events: new Map(STANDARD_EVENTS.map((name) => [name, { name, origin: 'standard' as const }])),
  properties: new Map<string, PropertyDefinition>([
    ...Object.entries(user).map(([name, type]) => [propertyKey('user', name), { scope: 'user', name, type, origin: 'standard' }] as const),
    ...Object.entries(STANDARD_EVENT_PROPERTIES).map(
      ([name, type]) => [propertyKey('event', name), { scope: 'event', name, type, origin: 'standard' }] as const,
    ),
  ]),
};

function failure(rule: unknown): { field: string | undefined; message: string } {
  try {
    checkRule(rule, taxonomy);
  } catch (e) {
    expect(e).toBeInstanceOf(MaruError);
    expect((e as MaruError).code).toBe('invalid_input');
    return { field: (e as MaruError).field, message: (e as MaruError).message };
  }
  throw new Error('rule was accepted');
}

describe('checkRule', () => {
  test('normalises: defaults filled in, a bare array is "all", datetimes as UTC ISO', () => {
    const { rule, checked } = checkRule(
      [
        { property: 'last_login_at', op: 'gte', value: '2025-01-01T09:00:00+09:00' },
        { event: 'df_purchase', where: [{ property: 'df_total_purchase_amount', op: 'gt', value: 100 }] },
      ],
      taxonomy,
    );
    expect(rule).toEqual({
      all: [
        { property: 'last_login_at', op: 'gte', value: '2025-01-01T00:00:00.000Z' },
        { event: 'df_purchase', performed: true, min_count: 1, where: { all: [{ property: 'df_total_purchase_amount', op: 'gt', value: 100 }] } },
      ],
    });
    expect(checked).toEqual({
      kind: 'group',
      combine: 'all',
      children: [
        { kind: 'property', scope: 'user', name: 'last_login_at', type: 'datetime', op: 'gte', value: '2025-01-01T00:00:00.000Z', consent: false },
        {
          kind: 'event',
          name: 'df_purchase',
          performed: true,
          minCount: 1,
          withinLastDays: undefined,
          where: {
            kind: 'group',
            combine: 'all',
            children: [{ kind: 'property', scope: 'event', name: 'df_total_purchase_amount', type: 'double', op: 'gt', value: 100, consent: false }],
          },
        },
      ],
    });
  });

  test('consent properties are marked so that missing reads as false', () => {
    const { checked } = checkRule({ property: 'df_sms_ads_optin', op: 'equals', value: false }, taxonomy);
    expect(checked).toMatchObject({ kind: 'property', consent: true });
  });

  test.each([
    [null, 'rule', 'rule is required'],
    ['x', 'rule', 'rule must be an object'],
    [{ all: [] }, 'rule.all', 'rule.all must contain at least one condition'],
    [{ all: {} }, 'rule.all', 'rule.all must be an array of conditions'],
    [{ all: [{}], any: [] }, 'rule.any', 'is not allowed next to "all"'],
    [{ foo: 1 }, 'rule', 'must have one of "all", "any", "property" or "event"'],
    [{ all: [{ property: 'nope', op: 'equals', value: 1 }] }, 'rule.all[0].property', 'user property nope is not registered'],
    [{ any: [{ property: 'age', op: 'contains', value: 1 }] }, 'rule.any[0].op', 'contains does not apply to age (Long)'],
    [{ property: 'age', op: 'between', value: 1 }, 'rule.op', 'rule.op must be one of equals'],
    [{ property: 'age', op: 'gt', value: '30' }, 'rule.value', 'rule.value must be a Long'],
    [{ property: 'age', op: 'gt' }, 'rule.value', 'rule.value is required'],
    [{ property: 'age', op: 'exists', value: 1 }, 'rule.value', 'rule.value is not used with exists'],
    [{ property: 'age', op: 'in', value: [] }, 'rule.value', 'must be an array of 1 to 1000 values'],
    [{ property: 'age', op: 'in', value: [1, 'x'] }, 'rule.value[1]', 'rule.value[1] must be a Long'],
    [{ property: 'tags', op: 'contains', value: 3 }, 'rule.value', 'must be a String'],
    [{ property: 'last_login_at', op: 'gt', value: '2025-01-01T00:00:00' }, 'rule.value', 'must be a Datetime'],
    [{ property: 'last_login_at', op: 'within_last_days', value: 0 }, 'rule.value', 'whole number of days from 1 to 36500'],
    [{ property: 'age', op: 'equals', value: 1, extra: true }, 'rule.extra', 'rule.extra is not a field of this condition'],
    [{ event: 'nope' }, 'rule.event', 'event nope is not registered'],
    [{ event: 'df_login', min_count: 0 }, 'rule.min_count', 'whole number from 1'],
    [{ event: 'df_login', performed: 'yes' }, 'rule.performed', 'must be true or false'],
    [{ event: 'df_login', within_last_days: 1.5 }, 'rule.within_last_days', 'whole number of days'],
    [{ event: 'df_login', where: { property: 'age', op: 'gt', value: 1 } }, 'rule.where.property', 'event property age is not registered'],
    [{ event: 'df_login', where: { event: 'df_purchase' } }, 'rule.where.event', 'cannot be nested'],
    [
      { all: [{ all: [{ all: [{ all: [{ all: [{ all: [{ property: 'age', op: 'exists' }] }] }] }] }] }] },
      'rule.all[0].all[0].all[0].all[0].all[0].all[0]',
      'at most 6 levels',
    ],
  ])('rejects %j naming %s', (rule, field, message) => {
    const f = failure(rule);
    expect(f.field).toBe(field);
    expect(f.message).toContain(message);
  });

  test('a rule holds at most 100 conditions', () => {
    const f = failure({ any: Array.from({ length: 101 }, () => ({ property: 'age', op: 'exists' })) });
    expect(f).toEqual({ field: 'rule.any[100]', message: 'a rule holds at most 100 conditions' });
  });
});

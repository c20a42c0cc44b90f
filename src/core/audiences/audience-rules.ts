import { invalid } from '../errors.ts';
import { CONSENT_DEFAULTS } from '../taxonomy/standard-taxonomy.ts';
import { propertyKey, TYPE_LABELS, type PropertyScope, type PropertyType, type Taxonomy } from '../taxonomy/taxonomy.types.ts';
import { checkValue } from '../taxonomy/values.ts';
import { PROPERTY_OPS, type CheckedNode, type PropertyOp, type RuleNode } from './audiences.types.ts';

/** Which operators each property type takes. */
export const OPS_BY_TYPE: Record<PropertyType, readonly PropertyOp[]> = {
  string: ['equals', 'not_equals', 'contains', 'in', 'exists', 'not_exists'],
  long: ['equals', 'not_equals', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'not_exists'],
  double: ['equals', 'not_equals', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'not_exists'],
  boolean: ['equals', 'not_equals', 'exists', 'not_exists'],
  date: ['equals', 'not_equals', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'not_exists', 'within_last_days', 'before_days_ago'],
  datetime: ['equals', 'not_equals', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists', 'within_last_days', 'before_days_ago'],
  'string[]': ['contains', 'exists', 'not_exists'],
  'long[]': ['contains', 'exists', 'not_exists'],
  'double[]': ['contains', 'exists', 'not_exists'],
};

export const RULE_LIMITS = { depth: 6, conditions: 100, inValues: 1000, days: 36_500, minCount: 1_000_000 } as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Ctx {
  taxonomy: Taxonomy;
  conditions: number;
}

/**
 * Checks a rule against the project's taxonomy and returns it normalised (defaults filled in, datetimes as UTC ISO)
 * together with its checked form. Throws invalid_input naming the path of the first problem (`rule.all[2].op`).
 */
export function checkRule(raw: unknown, taxonomy: Taxonomy, field = 'rule'): { rule: RuleNode; checked: CheckedNode } {
  if (raw === undefined || raw === null) throw invalid(field, `${field} is required`);
  const ctx: Ctx = { taxonomy, conditions: 0 };
  return node(raw, field, 'user', 1, ctx);
}

function node(raw: unknown, field: string, scope: PropertyScope, depth: number, ctx: Ctx): { rule: RuleNode; checked: CheckedNode } {
  if (depth > RULE_LIMITS.depth) throw invalid(field, `${field}: rules nest at most ${RULE_LIMITS.depth} levels deep`);
  if (Array.isArray(raw)) return group('all', raw, field, scope, depth, ctx);
  if (!isObject(raw)) throw invalid(field, `${field} must be an object: {"all": [...]}, {"any": [...]}, a property condition or an event condition`);
  if ('all' in raw || 'any' in raw) {
    const combine = 'all' in raw ? 'all' : 'any';
    const extra = Object.keys(raw).filter((k) => k !== combine);
    if (extra.length > 0) throw invalid(`${field}.${extra[0]}`, `${field}.${extra[0]} is not allowed next to "${combine}" (a group has one key)`);
    if (!Array.isArray(raw[combine])) throw invalid(`${field}.${combine}`, `${field}.${combine} must be an array of conditions`);
    return group(combine, raw[combine] as unknown[], `${field}.${combine}`, scope, depth, ctx);
  }
  if ('event' in raw) {
    if (scope !== 'user') throw invalid(`${field}.event`, `${field}: event conditions cannot be nested inside an event's "where"`);
    return eventCondition(raw, field, depth, ctx);
  }
  if ('property' in raw) return propertyCondition(raw, field, scope, ctx);
  throw invalid(field, `${field} must have one of "all", "any", "property" or "event"`);
}

function group(combine: 'all' | 'any', items: unknown[], field: string, scope: PropertyScope, depth: number, ctx: Ctx) {
  if (items.length === 0) throw invalid(field, `${field} must contain at least one condition`);
  const parts = items.map((item, i) => node(item, `${field}[${i}]`, scope, depth + 1, ctx));
  const rule = (combine === 'all' ? { all: parts.map((p) => p.rule) } : { any: parts.map((p) => p.rule) }) as RuleNode;
  return { rule, checked: { kind: 'group', combine, children: parts.map((p) => p.checked) } as CheckedNode };
}

function countCondition(field: string, ctx: Ctx) {
  if (++ctx.conditions > RULE_LIMITS.conditions) throw invalid(field, `a rule holds at most ${RULE_LIMITS.conditions} conditions`);
}

function onlyKeys(raw: Record<string, unknown>, allowed: string[], field: string) {
  for (const k of Object.keys(raw))
    if (!allowed.includes(k)) throw invalid(`${field}.${k}`, `${field}.${k} is not a field of this condition (allowed: ${allowed.join(', ')})`);
}

function days(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > RULE_LIMITS.days) {
    throw invalid(field, `${field} must be a whole number of days from 1 to ${RULE_LIMITS.days}`);
  }
  return value;
}

function eventCondition(raw: Record<string, unknown>, field: string, depth: number, ctx: Ctx): { rule: RuleNode; checked: CheckedNode } {
  countCondition(field, ctx);
  onlyKeys(raw, ['event', 'performed', 'min_count', 'within_last_days', 'where'], field);
  if (typeof raw.event !== 'string' || raw.event.length === 0) throw invalid(`${field}.event`, `${field}.event must be an event name`);
  if (!ctx.taxonomy.events.has(raw.event)) throw invalid(`${field}.event`, `${field}.event: event ${raw.event} is not registered`);
  if (raw.performed !== undefined && typeof raw.performed !== 'boolean') throw invalid(`${field}.performed`, `${field}.performed must be true or false`);
  const performed = raw.performed ?? true;
  let minCount = 1;
  if (raw.min_count !== undefined) {
    if (typeof raw.min_count !== 'number' || !Number.isInteger(raw.min_count) || raw.min_count < 1 || raw.min_count > RULE_LIMITS.minCount) {
      throw invalid(`${field}.min_count`, `${field}.min_count must be a whole number from 1 to ${RULE_LIMITS.minCount}`);
    }
    minCount = raw.min_count;
  }
  const withinLastDays = raw.within_last_days === undefined ? undefined : days(raw.within_last_days, `${field}.within_last_days`);
  const where = raw.where === undefined ? undefined : node(raw.where, `${field}.where`, 'event', depth + 1, ctx);
  return {
    rule: {
      event: raw.event,
      performed,
      min_count: minCount,
      ...(withinLastDays !== undefined ? { within_last_days: withinLastDays } : {}),
      ...(where ? { where: where.rule } : {}),
    },
    checked: { kind: 'event', name: raw.event, performed, minCount, withinLastDays, where: where?.checked },
  };
}

function propertyCondition(raw: Record<string, unknown>, field: string, scope: PropertyScope, ctx: Ctx): { rule: RuleNode; checked: CheckedNode } {
  countCondition(field, ctx);
  onlyKeys(raw, ['property', 'op', 'value'], field);
  if (typeof raw.property !== 'string' || raw.property.length === 0) throw invalid(`${field}.property`, `${field}.property must be a property name`);
  const name = raw.property;
  const def = ctx.taxonomy.properties.get(propertyKey(scope, name));
  if (!def) throw invalid(`${field}.property`, `${field}.property: ${scope} property ${name} is not registered`);
  const type = def.type;
  if (typeof raw.op !== 'string' || !(PROPERTY_OPS as readonly string[]).includes(raw.op)) {
    throw invalid(`${field}.op`, `${field}.op must be one of ${PROPERTY_OPS.join(', ')}`);
  }
  const op = raw.op as PropertyOp;
  if (!OPS_BY_TYPE[type].includes(op)) {
    throw invalid(`${field}.op`, `${field}.op: ${op} does not apply to ${name} (${TYPE_LABELS[type]}); use one of ${OPS_BY_TYPE[type].join(', ')}`);
  }
  const vf = `${field}.value`;
  let value: unknown;
  switch (op) {
    case 'exists':
    case 'not_exists':
      if (raw.value !== undefined) throw invalid(vf, `${vf} is not used with ${op}; remove it`);
      break;
    case 'within_last_days':
    case 'before_days_ago':
      value = days(raw.value, vf);
      break;
    case 'in': {
      if (!Array.isArray(raw.value) || raw.value.length === 0 || raw.value.length > RULE_LIMITS.inValues) {
        throw invalid(vf, `${vf} must be an array of 1 to ${RULE_LIMITS.inValues} values`);
      }
      value = raw.value.map((v, i) => typed(type, v, `${vf}[${i}]`));
      break;
    }
    case 'contains':
      if (type === 'string') {
        if (typeof raw.value !== 'string' || raw.value.length === 0) throw invalid(vf, `${vf} must be a non-empty String`);
        value = raw.value;
      } else {
        value = typed(type.slice(0, -2) as PropertyType, raw.value, vf);
      }
      break;
    default:
      value = typed(type, raw.value, vf);
  }
  const consent = scope === 'user' && name in CONSENT_DEFAULTS;
  return {
    rule: { property: name, op, ...(value !== undefined ? { value } : {}) },
    checked: { kind: 'property', scope, name, type, op, value, consent },
  };
}

function typed(type: PropertyType, value: unknown, field: string): unknown {
  if (value === undefined || value === null) throw invalid(field, `${field} is required`);
  const c = checkValue(type, value);
  if (!c.ok) throw invalid(field, `${field} ${c.reason}`);
  return c.value;
}

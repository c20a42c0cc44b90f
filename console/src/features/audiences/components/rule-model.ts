/**
 * The rule builder's model and its mapping to the API's rule (docs/audiences.md): groups combine conditions with
 * AND (`all`) or OR (`any`); a condition is on a user property, a consent flag (a property read as false when never
 * set) or an event. Anything the builder does not edit (an event's `where`) is carried through unchanged.
 */
import type { components } from '../../../lib/api-types';

/** A rule as the API takes and answers it: the OpenAPI document's AudienceRule (generated). */
export type ApiRule = components['schemas']['AudienceRule'];
type ApiProperty = Extract<ApiRule, { property: string }>;

export const CONSENT_FLAGS = ['df_push_optin', 'df_push_ads_optin', 'df_push_night_ads_optin', 'df_sms_ads_optin', 'df_kakao_ads_optin', 'df_email_ads_optin'];
export type PropertyOp = ApiProperty['op'];
/** The operators in the order the builder offers them; every operator of the API must be here (checked below). */
export const PROPERTY_OPS = [
  'equals',
  'not_equals',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'exists',
  'not_exists',
  'within_last_days',
  'before_days_ago',
] as const satisfies readonly PropertyOp[];
// A type error when the API gains an operator the builder does not offer.
const allOps: Record<Exclude<PropertyOp, (typeof PROPERTY_OPS)[number]>, never> = {};
void allOps;

export interface PropertyCondition {
  kind: 'property';
  key: string;
  property: string;
  op: PropertyOp;
  value: string;
}
export interface ConsentCondition {
  kind: 'consent';
  key: string;
  flag: string;
  value: boolean;
}
export interface EventCondition {
  kind: 'event';
  key: string;
  event: string;
  performed: boolean;
  minCount: number;
  withinLastDays: number | null;
  where?: ApiRule;
}
export interface Group {
  kind: 'group';
  key: string;
  combine: 'all' | 'any';
  children: Node[];
}
export type Node = Group | PropertyCondition | ConsentCondition | EventCondition;

let seq = 0;
export const newKey = () => `n${++seq}`;
export const emptyGroup = (combine: 'all' | 'any' = 'all'): Group => ({ kind: 'group', key: newKey(), combine, children: [] });

/** The value typed in a field, as the property's type wants it (types from the taxonomy; strings stay strings). */
export function typedValue(raw: string, type: string | undefined, op: PropertyOp): unknown {
  if (op === 'exists' || op === 'not_exists') return undefined;
  if (op === 'within_last_days' || op === 'before_days_ago') return Number(raw);
  const one = (s: string): unknown => {
    const t = (type ?? 'String').toLowerCase();
    if (t === 'long' || t === 'double' || t === 'array of long' || t === 'array of double') return s.trim() === '' ? s : Number(s);
    if (t === 'boolean') return s === 'true' ? true : s === 'false' ? false : s;
    return s;
  };
  if (op === 'in') return raw.split(',').map((s) => one(s.trim()));
  return one(raw);
}

export function toApi(group: Group, types: Record<string, string>): ApiRule {
  const nodes = group.children.map((n): ApiRule => {
    switch (n.kind) {
      case 'group':
        return toApi(n, types);
      case 'consent':
        return { property: n.flag, op: 'equals', value: n.value };
      case 'property': {
        const value = typedValue(n.value, types[n.property], n.op);
        return value === undefined ? { property: n.property, op: n.op } : { property: n.property, op: n.op, value };
      }
      case 'event':
        return {
          event: n.event,
          performed: n.performed,
          min_count: n.minCount,
          ...(n.withinLastDays !== null ? { within_last_days: n.withinLastDays } : {}),
          ...(n.where !== undefined ? { where: n.where } : {}),
        };
      default:
        return n satisfies never;
    }
  });
  return group.combine === 'all' ? { all: nodes } : { any: nodes };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function fromApi(rule: unknown): Group {
  if (Array.isArray(rule)) return { ...emptyGroup('all'), children: rule.map(nodeFromApi) };
  if (isObj(rule) && Array.isArray(rule.all)) return { ...emptyGroup('all'), children: rule.all.map(nodeFromApi) };
  if (isObj(rule) && Array.isArray(rule.any)) return { ...emptyGroup('any'), children: rule.any.map(nodeFromApi) };
  return { ...emptyGroup('all'), children: rule ? [nodeFromApi(rule)] : [] };
}

function nodeFromApi(n: unknown): Node {
  if (Array.isArray(n) || (isObj(n) && (Array.isArray(n.all) || Array.isArray(n.any)))) return fromApi(n);
  const o = isObj(n) ? n : {};
  if (typeof o.event === 'string')
    return {
      kind: 'event',
      key: newKey(),
      event: o.event,
      performed: o.performed !== false,
      minCount: typeof o.min_count === 'number' ? o.min_count : 1,
      withinLastDays: typeof o.within_last_days === 'number' ? o.within_last_days : null,
      where: o.where as ApiRule | undefined,
    };
  const property = String(o.property ?? '');
  if (CONSENT_FLAGS.includes(property) && o.op === 'equals' && typeof o.value === 'boolean')
    return { kind: 'consent', key: newKey(), flag: property, value: o.value };
  const v = o.value;
  return {
    kind: 'property',
    key: newKey(),
    property,
    op: (o.op as PropertyOp) ?? 'equals',
    value: v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v),
  };
}

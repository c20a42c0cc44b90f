import type { PropertyScope, PropertyType } from '../taxonomy/taxonomy.types.ts';

/**
 * An audience rule as clients write it (admin API, CLI files) and as it is stored, normalised (docs/audiences.md):
 *
 * ```
 * Node      := { "all": Node[] } | { "any": Node[] } | Property | Event      (a bare array means "all")
 * Property  := { "property": name, "op": Op, "value"?: ... }
 * Event     := { "event": name, "performed"?: true|false, "min_count"?: N, "within_last_days"?: D,
 *                "where"?: PropNode }                     (PropNode: groups of Property on event properties)
 * ```
 */
export const PROPERTY_OPS = [
  'equals',
  'not_equals',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'in',
  'exists',
  'not_exists',
  'within_last_days',
  'before_days_ago',
] as const;
export type PropertyOp = (typeof PROPERTY_OPS)[number];

export interface PropertyCondition {
  property: string;
  op: PropertyOp;
  value?: unknown;
}

export interface EventCondition {
  event: string;
  /** true: performed at least `min_count` times; false: fewer than `min_count` times (never, for 1). */
  performed: boolean;
  min_count: number;
  /** Only events that occurred within the last D days (D × 24 h before now) count; absent: all time. */
  within_last_days?: number;
  /** Conditions on the event's properties (all of them must hold for an event to count). */
  where?: RuleNode;
}

export type GroupNode = { all: RuleNode[] } | { any: RuleNode[] };
export type RuleNode = GroupNode | PropertyCondition | EventCondition;

/** A rule checked against the taxonomy, with each property's type: what the SQL builder reads. */
export type CheckedNode =
  | { kind: 'group'; combine: 'all' | 'any'; children: CheckedNode[] }
  | { kind: 'property'; scope: PropertyScope; name: string; type: PropertyType; op: PropertyOp; value: unknown; consent: boolean }
  | { kind: 'event'; name: string; performed: boolean; minCount: number; withinLastDays?: number; where?: CheckedNode };

export interface Audience {
  id: string;
  name: string;
  description: string | null;
  rule: RuleNode;
  createdAt: number;
  updatedAt: number;
}

export interface AudiencePreview {
  count: number;
  /** Up to `sample` profile ids (df_unified_id), in id order. */
  sample: string[];
}

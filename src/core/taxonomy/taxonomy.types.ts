/** The value types a property can have (the seeds' data types). */
export const PROPERTY_TYPES = ['string', 'long', 'double', 'boolean', 'datetime', 'date', 'string[]', 'long[]', 'double[]'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

/** How the seeds spell each type; accepted on input, shown in listings. */
export const TYPE_LABELS: Record<PropertyType, string> = {
  string: 'String',
  long: 'Long',
  double: 'Double',
  boolean: 'Boolean',
  datetime: 'Datetime',
  date: 'Date',
  'string[]': 'Array of String',
  'long[]': 'Array of Long',
  'double[]': 'Array of Double',
};

export const PROPERTY_SCOPES = ['event', 'item', 'user'] as const;
export type PropertyScope = (typeof PROPERTY_SCOPES)[number];

/** standard: pre-registered in every project; registered: by an operator; observed: first seen in data (D4). */
export type Origin = 'standard' | 'registered' | 'observed';

export interface PropertyDefinition {
  scope: PropertyScope;
  name: string;
  type: PropertyType;
  origin: Origin;
}

export interface EventTypeDefinition {
  name: string;
  origin: Origin;
}

export interface Taxonomy {
  events: Map<string, EventTypeDefinition>;
  /** key: `${scope}:${name}` */
  properties: Map<string, PropertyDefinition>;
}

export const propertyKey = (scope: PropertyScope, name: string) => `${scope}:${name}`;

export function parsePropertyType(input: string): PropertyType | undefined {
  const s = input.trim();
  if ((PROPERTY_TYPES as readonly string[]).includes(s.toLowerCase())) return s.toLowerCase() as PropertyType;
  for (const [type, label] of Object.entries(TYPE_LABELS)) if (label.toLowerCase() === s.toLowerCase()) return type as PropertyType;
  const m = /^array<(string|long|double)>$/i.exec(s);
  if (m) return `${m[1].toLowerCase()}[]` as PropertyType;
  return undefined;
}

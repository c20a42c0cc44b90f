import { invalid } from '../errors.ts';

/**
 * Bounds on a project's taxonomy growth (OWASP API4; docs/taxonomy.md "Limits"). A face that registers names on first
 * sight (D4) refuses a new name past a bound, naming the field; names already registered are always accepted.
 * A project changes them in `settings.taxonomyLimits`.
 */
export interface TaxonomyLimits {
  /** Event names a project may have (standard ones included). */
  events: number;
  /** Property names a project may have in each scope (event, item, user; standard ones included). */
  propertiesPerScope: number;
  /** New event and property names one request may register. */
  newPerRequest: number;
}

export const DEFAULT_TAXONOMY_LIMITS: TaxonomyLimits = { events: 1_000, propertiesPerScope: 2_000, newPerRequest: 250 };

const MAX = 100_000;

/** Checks a `taxonomyLimits` document (`{events?, propertiesPerScope?, newPerRequest?}`, each 1–100,000 or null). */
export function parseTaxonomyLimits(raw: unknown): Partial<TaxonomyLimits> {
  const at = 'taxonomyLimits';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(at, `${at} must be an object {${Object.keys(DEFAULT_TAXONOMY_LIMITS).join(', ')}}`);
  const out: Partial<TaxonomyLimits> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!Object.hasOwn(DEFAULT_TAXONOMY_LIMITS, k))
      throw invalid(`${at}.${k}`, `${at}.${k} is not a taxonomy limit (${Object.keys(DEFAULT_TAXONOMY_LIMITS).join(', ')})`);
    if (v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX)
      throw invalid(`${at}.${k}`, `${at}.${k} must be a whole number from 1 to ${MAX}, got ${JSON.stringify(v)}`);
    out[k as keyof TaxonomyLimits] = v;
  }
  return out;
}

/** The limits in force for a project's settings: what parses of `taxonomyLimits`, defaults for the rest. */
export function taxonomyLimitsOf(settings: Record<string, unknown>): TaxonomyLimits {
  let parsed: Partial<TaxonomyLimits> = {};
  try {
    parsed = settings.taxonomyLimits === undefined || settings.taxonomyLimits === null ? {} : parseTaxonomyLimits(settings.taxonomyLimits);
  } catch {
    // a value stored before it was checked: the defaults
  }
  return { ...DEFAULT_TAXONOMY_LIMITS, ...parsed };
}

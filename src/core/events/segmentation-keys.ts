import { invalid } from '../errors.ts';
import type { TaxonomyService } from '../taxonomy/taxonomy.service.ts';
import { propertyKey } from '../taxonomy/taxonomy.types.ts';

/**
 * Segmentation keys: the names of an event's parameters that audiences may filter on. They are stored with the
 * event itself, as this reserved event property (an Array of String), so they are written in the event's own unit,
 * erased with it and exported with it. Clients cannot set it as an ordinary parameter.
 */
export const SEGMENTATION_KEYS_PROPERTY = '$segmentation_keys';

/** Most keys one event may mark. */
export const MAX_SEGMENTATION_KEYS = 100;

/**
 * Checks a list of segmentation keys: an array of non-empty strings. A key need not name a parameter present in this
 * particular event (clients often send one list for every event of a kind). Returns the keys deduplicated in order
 * (an absent or empty list: []).
 */
export function checkSegmentationKeys(input: { value: unknown; field: string }): string[] {
  const { value, field } = input;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, `${field} must be an array of parameter names`);
  if (value.length > MAX_SEGMENTATION_KEYS) throw invalid(field, `${field} may name at most ${MAX_SEGMENTATION_KEYS} parameters`);
  const out: string[] = [];
  value.forEach((k, i) => {
    if (typeof k !== 'string' || k.length === 0 || k.length > 128)
      throw invalid(`${field}[${i}]`, `${field}[${i}] must be a parameter name (1-128 characters)`);
    if (!out.includes(k)) out.push(k);
  });
  return out;
}

/** Registers the reserved property in a project's taxonomy if it is not there yet (so strict projects accept it). */
export async function ensureSegmentationKeysProperty(taxonomy: TaxonomyService, projectId: string): Promise<void> {
  const t = await taxonomy.get(projectId);
  if (t.properties.has(propertyKey('event', SEGMENTATION_KEYS_PROPERTY))) return;
  await taxonomy.registerProperty({ projectId, scope: 'event', name: SEGMENTATION_KEYS_PROPERTY, type: 'string[]' });
}

import { isSupportedCountry } from 'libphonenumber-js';
import { MaruError, invalid } from '../errors.ts';
import { LIMIT_POLICIES } from '../limits/rate-limits.ts';
import { parseCampaignSettings } from '../deliveries/filters.ts';
import { parseAdvertisingSettings } from '../messaging/ad-marking.ts';
import { parseTaxonomyLimits } from '../taxonomy/taxonomy-limits.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const boolean = (v: unknown, field: string) => {
  if (typeof v !== 'boolean') throw invalid(field, `${field} must be true or false`);
};
const positiveInteger = (v: unknown, field: string) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000) throw invalid(field, `${field} must be a whole number from 1 to 1000000`);
};
const object = (v: unknown, field: string) => {
  if (!isObject(v)) throw invalid(field, `${field} must be an object`);
};
/** Re-throws a check of a nested document (which names its fields from the document down) from `settings.`. */
const nested = (check: (v: unknown) => unknown) => (v: unknown, field: string) => {
  try {
    check(v);
  } catch (e) {
    if (e instanceof MaruError && e.code === 'invalid_input' && e.field !== undefined) {
      throw invalid(`settings.${e.field}`, `settings.${e.message}`, e.details);
    }
    throw e;
  }
  void field;
};

/**
 * Every project setting maru reads (docs/configuration.md "Per-project settings") and its check. A setting may be
 * null: it then reads as its default. A name not listed here is refused (it would be stored and ignored).
 */
export const PROJECT_SETTINGS: Record<string, (value: unknown, field: string) => void> = {
  strictTaxonomy: boolean,
  neutraliseExportFormulas: boolean,
  phoneRegion: (v, field) => {
    if (typeof v !== 'string' || !/^[A-Z]{2}$/.test(v) || !isSupportedCountry(v))
      throw invalid(field, `${field} must be an ISO 3166 region code such as KR, got ${JSON.stringify(v)}`);
  },
  limits: (v, field) => {
    if (!isObject(v)) throw invalid(field, `${field} must be an object {policy: quota}, e.g. {"event_ingest": 500000}`);
    for (const [name, quota] of Object.entries(v)) {
      if (!(name in LIMIT_POLICIES))
        throw invalid(`${field}.${name}`, `${field}.${name} is not a rate-limit policy (${Object.keys(LIMIT_POLICIES).join(', ')})`);
      if (quota === null) continue;
      if (typeof quota !== 'number' || !Number.isInteger(quota) || quota < 0 || quota > Number.MAX_SAFE_INTEGER) {
        throw invalid(
          `${field}.${name}`,
          `${field}.${name} must be a whole number of at least 0 (or null for the default ${LIMIT_POLICIES[name as keyof typeof LIMIT_POLICIES].limit}), got ${JSON.stringify(quota)}`,
        );
      }
    }
  },
  exportMaxRangeDays: positiveInteger,
  exportRetentionDays: positiveInteger,
  taxonomyLimits: nested(parseTaxonomyLimits),
  campaigns: nested(parseCampaignSettings),
  advertising: nested(parseAdvertisingSettings),
  // Documents with their own endpoints and checks (messaging, channels, consent notices, sandbox, SDK).
  messaging: object,
  channels: object,
  consentNotices: object,
  sandbox: object,
  sdk: (v, field) => {
    object(v, field);
    for (const [k, x] of Object.entries(v as Obj)) {
      if (k !== 'anonymousWebPush') throw invalid(`${field}.${k}`, `${field}.${k} is not an SDK setting (anonymousWebPush)`);
      boolean(x, `${field}.${k}`);
    }
  },
};

/**
 * Checks the settings a request sets: an object whose every member is a known setting with a valid value (or null).
 * Members equal to what `current` already holds are not checked again (a value stored before a check existed may be
 * sent back unchanged, as the console's settings page does). Throws invalid naming `settings.<path>`.
 */
export function checkProjectSettings(settings: unknown, current: Obj = {}): Obj {
  if (!isObject(settings)) throw invalid('settings', 'settings must be an object');
  for (const [name, value] of Object.entries(settings)) {
    const check = Object.hasOwn(PROJECT_SETTINGS, name) ? PROJECT_SETTINGS[name] : undefined;
    if (!check) throw invalid(`settings.${name}`, `settings.${name} is not a project setting (${Object.keys(PROJECT_SETTINGS).join(', ')})`);
    if (value === null || value === undefined) continue;
    if (Object.hasOwn(current, name) && JSON.stringify(current[name]) === JSON.stringify(value)) continue;
    check(value, `settings.${name}`);
  }
  return settings;
}

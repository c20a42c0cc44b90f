import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  CONSENT_DEFAULTS,
  CONSENT_PROPERTIES,
  STANDARD_EVENTS,
  STANDARD_EVENT_PROPERTIES,
  STANDARD_ITEM_PROPERTIES,
  STANDARD_USER_PROPERTIES,
} from './standard-taxonomy.ts';
import { TYPE_LABELS } from './taxonomy.types.ts';

/** docs/taxonomy.md lists the standard taxonomy: this test fails when the page and the code disagree. */

const doc = readFileSync(join(resolve(import.meta.dirname, '../../..'), 'docs/taxonomy.md'), 'utf8');

function table(heading: string): string[][] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`docs/taxonomy.md has no section "${heading}"`);
  return section
    .split('\n')
    .filter((l) => /^\| `/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, '')),
    );
}

const typed = (rows: string[][]) => Object.fromEntries(rows.map(([name, type]) => [name, type]));
const labelled = (defs: Readonly<Record<string, keyof typeof TYPE_LABELS>>) => Object.fromEntries(Object.entries(defs).map(([n, t]) => [n, TYPE_LABELS[t]]));

describe('docs/taxonomy.md agrees with the standard taxonomy', () => {
  test('standard events', () => {
    expect(table('Standard events').map(([name]) => name)).toEqual([...STANDARD_EVENTS]);
  });
  test('standard event properties with their types', () => {
    expect(typed(table('Standard event properties'))).toEqual(labelled(STANDARD_EVENT_PROPERTIES));
  });
  test('standard item properties with their types', () => {
    expect(typed(table('Standard item'))).toEqual(labelled(STANDARD_ITEM_PROPERTIES));
  });
  test('standard user properties with their types', () => {
    expect(typed(table('Standard user properties'))).toEqual(labelled(STANDARD_USER_PROPERTIES));
  });
  test('consent properties: Booleans, false until set', () => {
    const names = table('Consent properties').map(([name]) => name);
    expect(names.sort()).toEqual(Object.values(CONSENT_PROPERTIES).sort());
    for (const name of names) {
      expect(STANDARD_USER_PROPERTIES[name]).toBe('boolean');
      expect(CONSENT_DEFAULTS[name]).toBe(false);
    }
  });
  test('the seed consent flags are among them (seed 000 user-profile sample)', () => {
    for (const name of ['df_kakao_ads_optin', 'df_push_ads_optin', 'df_push_night_ads_optin', 'df_push_optin', 'df_sms_ads_optin']) {
      expect(Object.values(CONSENT_PROPERTIES)).toContain(name);
    }
  });
});

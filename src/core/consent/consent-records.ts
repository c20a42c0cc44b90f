import { uuidv7 } from '../../platform/ids.ts';
import { ADVERTISING_CONSENTS } from './consent-rules.ts';
import type { ConsentRecord, ConsentSource } from './consent.types.ts';

const asConsent = (v: unknown): boolean | null => (v === undefined || v === null ? null : v === true || v === 'true');

/**
 * The consent records of one profile change: one per advertising consent property (consent-rules.ts) whose
 * effective value (true, false, or none) differs between `before` and `after`.
 */
export function consentChanges(input: { profileId: string; before: Record<string, unknown>; after: Record<string, unknown>; source: ConsentSource; at: number }): ConsentRecord[] {
  const out: ConsentRecord[] = [];
  for (const subject of Object.values(ADVERTISING_CONSENTS)) {
    const was = asConsent(input.before[subject.property]);
    const now = asConsent(input.after[subject.property]);
    if (was === now) continue;
    out.push({ id: uuidv7(input.at), profileId: input.profileId, property: subject.property, channel: subject.channel, kind: subject.kind, value: now, source: input.source, at: input.at });
  }
  return out;
}

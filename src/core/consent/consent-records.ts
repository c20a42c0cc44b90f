import { randomBytes } from 'node:crypto';
import { ADVERTISING_CONSENTS } from './consent-rules.ts';
import type { ConsentRecord, ConsentSource } from './consent.types.ts';

let lastAt = -1;
let seq = 0;

/**
 * A record id that sorts by recording order: the time, then a counter that orders records of the same millisecond
 * made by this process (a ManualClock, or one request changing several consents), then random bits.
 */
export function consentRecordId(at: number): string {
  if (at !== lastAt) {
    lastAt = at;
    seq = 0;
  } else seq++;
  return `${at.toString(36).padStart(9, '0')}${seq.toString(36).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
}

const asConsent = (v: unknown): boolean | null => (v === undefined || v === null ? null : v === true || v === 'true');

/**
 * The consent records of one profile change: one per advertising consent property (consent-rules.ts) whose
 * effective value (true, false, or none) differs between `before` and `after`.
 */
export function consentChanges(input: {
  profileId: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  source: ConsentSource;
  at: number;
}): ConsentRecord[] {
  const out: ConsentRecord[] = [];
  for (const subject of Object.values(ADVERTISING_CONSENTS)) {
    const was = asConsent(input.before[subject.property]);
    const now = asConsent(input.after[subject.property]);
    if (was === now) continue;
    out.push({
      id: consentRecordId(input.at),
      profileId: input.profileId,
      property: subject.property,
      channel: subject.channel,
      kind: subject.kind,
      value: now,
      source: input.source,
      at: input.at,
    });
  }
  return out;
}

/** Where a consent change came from (a consent record's `source`). */
export const CONSENT_SOURCES = ['dfinery', 'marketap', 'notifly', 'admin', 'unsubscribe_link', '080', 'api'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** One change of an advertising consent of a profile. */
export interface ConsentRecord {
  id: string;
  profileId: string;
  property: string;
  channel: 'push' | 'text_message' | 'kakao' | 'email';
  kind: 'ads' | 'night';
  /** true consented, false refused or withdrawn, null the property was removed (no consent). */
  value: boolean | null;
  source: ConsentSource;
  at: number;
}

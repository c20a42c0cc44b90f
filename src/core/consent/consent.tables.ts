/** Row types of the consent tables (migration 085), merged into the store's Database interface. */
export interface ConsentRecordRow {
  project_id: string;
  /** uuidv7: sorts by time of recording. */
  id: string;
  profile_id: string;
  property: string;
  /** push | text_message | kakao | email */
  channel: string;
  /** ads | night */
  kind: string;
  /** 1 consented, 0 refused or withdrawn, null removed. */
  value: number | null;
  source: string;
  at: number;
}

export interface ConsentNoticeRow {
  project_id: string;
  record_id: string;
  /** result | confirmation */
  kind: string;
  /** 0 for a result notice; n for the n-th two-yearly confirmation. */
  period: number;
  request_id: string;
  created_at: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    consent_records: ConsentRecordRow;
    consent_notices: ConsentNoticeRow;
  }
}

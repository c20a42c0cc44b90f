/** Row type of the 080 block list (migration 071), merged into the store's Database interface. */
export interface BlocklistRecipientRow {
  project_id: string;
  /** The 080 unsubscribe number, digits only. */
  unsubscribe_no: string;
  /** The blocked number as registered, digits only (a leading + kept). */
  recipient_no: string;
  /** The blocked number's E.164 form (project phone region): what messages are matched on. */
  recipient_key: string;
  request_date: number;
}

declare module '../../platform/db/schema.ts' {
  interface Database {
    blocklist_recipients: BlocklistRecipientRow;
  }
}

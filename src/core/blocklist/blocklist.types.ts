/**
 * The 080 block list (PRODUCT.md "block list", seed 004 §9): recipient numbers that asked, through one of the
 * project's 080 unsubscribe numbers, to receive no more advertising text messages. Advertising text messages skip
 * them (D10), counted under skipped__excluded_user_filter.
 */
export interface BlockedRecipient {
  /** The 080 unsubscribe number, digits only. */
  unsubscribeNo: string;
  /** The blocked number, digits only (a leading + kept). */
  recipientNo: string;
  /** When it was blocked (epoch ms); shown in the project's time zone. */
  requestDate: number;
}

export interface BlocklistPage {
  pageNum: number;
  pageSize: number;
  totalCount: number;
  data: BlockedRecipient[];
}

/** The seed's limits (§9): characters of each number, numbers per registration, page sizes. */
export const BLOCKLIST_LIMITS = {
  unsubscribeNoLength: 25,
  /** §9.3 says "최대 20자" for the removal's unsubscribeNo. */
  removeUnsubscribeNoLength: 20,
  recipientNoLength: 25,
  registerListSize: 10,
  /** The seed sets no cap on a removal's comma-separated list; maru takes at most this many numbers per call. */
  removeListSize: 1000,
  defaultPageSize: 15,
  maxPageSize: 1000,
} as const;

/** A local date and time as a face received it (`yyyy-MM-dd HH:mm:ss`, project time), with its wire field name. */
export interface LocalDatetimeInput {
  text: string;
  field: string;
}

/** A block-list lookup (a face maps its query into it; numbers are digits). */
export interface BlocklistQuery {
  unsubscribeNo: string;
  recipientNo?: string;
  from?: LocalDatetimeInput;
  to?: LocalDatetimeInput;
  pageNum: number;
  pageSize: number;
}

/** Numbers (digits) to put on or take off an 080 number's list. */
export interface BlocklistChange {
  unsubscribeNo: string;
  recipientNos: string[];
}

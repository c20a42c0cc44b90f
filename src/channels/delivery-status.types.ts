/**
 * The outcome of a message after the vendor accepted it, as learnt by polling the vendor
 * (NHN Cloud) or from a delivery callback (Twilio).
 *
 * - delivered: the handset received it.
 * - failed: the carrier or vendor gave up; `code` is the vendor's code for it.
 * - pending: not final yet; ask again later.
 * - unknown: the poll itself failed (network, vendor error, unknown id); `retryable` says whether
 *   asking again can help. Only polling returns it.
 */
export type DeliveryStatus =
  | { status: 'delivered'; providerMessageId: string; deliveredAt?: string }
  | { status: 'failed'; providerMessageId: string; code?: string; reason: string; invalidRecipient?: boolean }
  | { status: 'pending'; providerMessageId: string }
  | { status: 'unknown'; providerMessageId: string; retryable: boolean; reason: string };

/** A provider that can be asked for the delivery outcome of a message it sent. */
export interface DeliveryStatusSource {
  fetchResult(providerMessageId: string): Promise<DeliveryStatus>;
}

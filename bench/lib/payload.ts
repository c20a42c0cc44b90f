import { randomUUID } from 'node:crypto';

/**
 * The DFINERY events payload every events benchmark and the storage ceiling share, so that maru and its
 * baselines handle the same rows.
 *
 * One request = one identity (`common.identity`) and 100 events, mixed like a commerce app's traffic:
 * 60% `view_content` (a custom event with two registered custom properties), 20% `df_add_to_cart` with one item,
 * 10% `df_purchase` with standard properties and one item, 10% `df_login` without properties.
 * Event times are the last few seconds, as an SDK batch would carry; event_log_ids are fresh UUIDs.
 */

/** What the benchmark registers in the project before it sends anything. */
export const BENCH_TAXONOMY = {
  events: ['view_content'],
  properties: [
    { scope: 'event', name: 'content_id', type: 'String' },
    { scope: 'event', name: 'scroll_depth', type: 'Double' },
  ],
};

export const EVENTS_PER_REQUEST = 100;
/** Users the load is spread over; a fresh server creates a profile the first time it sees one. */
export const USERS = 20_000;

const CATEGORIES = ['news', 'sports', 'fashion', 'beauty', 'food', 'travel', 'tech', 'kids'];
const PAYMENT = ['card', 'kakaopay', 'naverpay', 'bank_transfer'];

export interface BenchEvent {
  event_log_id: string;
  event_name: string;
  event_datetime: string;
  event_properties: Record<string, unknown> | null;
  event_items: Record<string, unknown>[] | null;
}

/** A small, fast PRNG so payloads are reproducible per seed and cheap to make. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function userOf(n: number): { external_id: string; email?: string } {
  return n % 4 === 0 ? { external_id: `user-${n}`, email: `user-${n}@example.com` } : { external_id: `user-${n}` };
}

export function makeEvents(rand: () => number, now: number, count = EVENTS_PER_REQUEST): BenchEvent[] {
  const base = now - 5000;
  const events: BenchEvent[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const kind = i % 10;
    const at = new Date(base + i * 37 + Math.floor(rand() * 30)).toISOString();
    const e: BenchEvent = { event_log_id: randomUUID(), event_name: 'view_content', event_datetime: at, event_properties: null, event_items: null };
    if (kind < 6) {
      e.event_properties = {
        content_id: `c-${CATEGORIES[i % CATEGORIES.length]}-${Math.floor(rand() * 100_000)}`,
        scroll_depth: Math.round(rand() * 1000) / 1000,
      };
    } else if (kind < 8) {
      e.event_name = 'df_add_to_cart';
      e.event_items = [
        { df_item_id: `sku-${Math.floor(rand() * 5000)}`, df_item_name: 'Cotton T-shirt', df_price: 19900, df_quantity: 1 + Math.floor(rand() * 3) },
      ];
    } else if (kind === 8) {
      const price = 10000 + Math.floor(rand() * 90) * 1000;
      e.event_name = 'df_purchase';
      e.event_properties = {
        df_order_id: `o-${randomUUID().slice(0, 8)}`,
        df_payment_method: PAYMENT[Math.floor(rand() * PAYMENT.length)],
        df_total_purchase_amount: price,
        df_delivery_charge: 3000,
      };
      e.event_items = [{ df_item_id: `sku-${Math.floor(rand() * 5000)}`, df_item_name: 'Linen shirt', df_price: price, df_quantity: 1, df_discount: 0 }];
    } else {
      e.event_name = 'df_login';
    }
    events[i] = e;
  }
  return events;
}

/** One POST /api/v1/events body. */
export function dfineryBody(rand: () => number, now: number): string {
  const user = Math.floor(rand() * USERS);
  return JSON.stringify({ common: { identity: userOf(user) }, events: makeEvents(rand, now) });
}

/** One Notifly track-event body (one event per request). */
export function notiflyTrackBody(rand: () => number, projectId: string): string {
  const user = Math.floor(rand() * USERS);
  return JSON.stringify({
    projectId,
    userId: `user-${user}`,
    eventName: 'view_content',
    eventParams: { content_id: `c-${CATEGORIES[user % CATEGORIES.length]}-${Math.floor(rand() * 100_000)}`, scroll_depth: Math.round(rand() * 1000) / 1000 },
    segmentationEventParamKeys: [],
  });
}

import type { PropertyType } from './taxonomy.types.ts';

/**
 * What every project starts with (PRODUCT.md, "taxonomy"): the standard events and properties of the DFINERY
 * taxonomy as the seeds show them, and the consent properties. See docs/taxonomy.md for the list and its sources.
 */
export const STANDARD_EVENTS: readonly string[] = [
  'df_login',
  'df_logout',
  'df_sign_up',
  'df_purchase',
  'df_refund',
  'df_view_home',
  'df_view_product_details',
  'df_add_to_cart',
  'df_add_to_wishlist',
  'df_view_search_results',
  'df_share_product',
  'df_view_category',
  'df_add_payment_info',
  'df_start_session',
  'df_end_session',
];

export const STANDARD_EVENT_PROPERTIES: Readonly<Record<string, PropertyType>> = {
  df_order_id: 'string',
  df_delivery_charge: 'double',
  df_payment_method: 'string',
  df_total_purchase_amount: 'double',
  df_total_refund_amount: 'double',
  df_discount: 'double',
  df_keyword: 'string',
  df_sharing_channel: 'string',
  df_sign_channel: 'string',
};

export const STANDARD_ITEM_PROPERTIES: Readonly<Record<string, PropertyType>> = {
  df_item_id: 'string',
  df_item_name: 'string',
  df_price: 'double',
  df_quantity: 'long',
  df_discount: 'double',
  df_category1: 'string',
  df_category2: 'string',
  df_category3: 'string',
  df_category4: 'string',
  df_category5: 'string',
};

/** Consent flags (D10; docs/taxonomy.md "Consent properties"). Night: advertising between 21:00 and 08:00. */
export const CONSENT_PROPERTIES = {
  push: 'df_push_optin',
  pushAds: 'df_push_ads_optin',
  pushNightAds: 'df_push_night_ads_optin',
  smsAds: 'df_sms_ads_optin',
  smsNightAds: 'df_sms_night_ads_optin',
  kakaoAds: 'df_kakao_ads_optin',
  kakaoNightAds: 'df_kakao_night_ads_optin',
  emailAds: 'df_email_ads_optin',
} as const;

export const STANDARD_USER_PROPERTIES: Readonly<Record<string, PropertyType>> = {
  df_name: 'string',
  df_email: 'string',
  df_phone: 'string',
  df_gender: 'string',
  df_birth: 'date',
  df_membership: 'string',
  [CONSENT_PROPERTIES.push]: 'boolean',
  [CONSENT_PROPERTIES.pushAds]: 'boolean',
  [CONSENT_PROPERTIES.pushNightAds]: 'boolean',
  [CONSENT_PROPERTIES.smsAds]: 'boolean',
  [CONSENT_PROPERTIES.smsNightAds]: 'boolean',
  [CONSENT_PROPERTIES.kakaoAds]: 'boolean',
  [CONSENT_PROPERTIES.kakaoNightAds]: 'boolean',
  [CONSENT_PROPERTIES.emailAds]: 'boolean',
};

/** Consent properties default to false when a profile has never set them (they are shown as false in exports). */
export const CONSENT_DEFAULTS: Readonly<Record<string, boolean>> = Object.fromEntries(Object.values(CONSENT_PROPERTIES).map((name) => [name, false]));

import type { Dictionary } from './dictionary';

/** Strings of the deliveries pages (en.ts and ko.ts include them under `deliveries`). */
export const deliveriesEn = {
  title: 'Deliveries',
};

export const deliveriesKo: Dictionary<typeof deliveriesEn> = {
  title: '발송 내역',
};

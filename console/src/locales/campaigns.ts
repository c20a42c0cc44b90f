import type { Dictionary } from './dictionary';

/** Strings of the campaigns pages (en.ts and ko.ts include them under `campaigns`). */
export const campaignsEn = {
  title: 'Campaigns',
};

export const campaignsKo: Dictionary<typeof campaignsEn> = {
  title: '캠페인',
};

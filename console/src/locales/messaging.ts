import type { Dictionary } from './dictionary';

/** Strings of the messaging pages (en.ts and ko.ts include them under `messaging`). */
export const messagingEn = {
  title: 'Text and Kakao',
};

export const messagingKo: Dictionary<typeof messagingEn> = {
  title: '문자·카카오',
};

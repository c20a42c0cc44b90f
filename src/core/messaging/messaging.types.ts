/**
 * A project's Korean messaging setup (docs/korean-messaging.md "Project setup"): the sender numbers text messages may
 * go out from, the Kakao channels (sender keys) Kakao messages go out from, and the alimtalk templates the
 * `/messages/kakao-alimtalk` endpoint sends by id.
 */

export interface SenderNumber {
  /** Digits only (a leading + kept): `1544-6859` is stored and compared as `15446859`. */
  number: string;
  isDefault: boolean;
  createdAt: number;
}

export interface KakaoChannel {
  /** The channel's search id (plus-friend id), e.g. `@maru`; the default LMS failover title. */
  channelId: string;
  /** The vendor's sender key of the channel (NHN Cloud: the sender profile's 40-character key). */
  senderKey: string;
  isDefault: boolean;
  createdAt: number;
}

/** Kakao's alimtalk button types: web link, app link, delivery search, bot keyword, message delivery, consult talk, bot transfer, channel add. */
export const BUTTON_TYPES = ['WL', 'AL', 'DS', 'BK', 'MD', 'BC', 'BT', 'AC'] as const;
export type ButtonType = (typeof BUTTON_TYPES)[number];

export interface AlimtalkButton {
  type: ButtonType;
  name: string;
  /** Web link (WL): the mobile URL; required for WL. */
  linkMo?: string;
  linkPc?: string;
  /** App link (AL). */
  schemeIos?: string;
  schemeAndroid?: string;
}

export interface AlimtalkTemplate {
  templateId: string;
  /** The template code the vendor approved (what is sent). */
  templateCode: string;
  /** The Kakao channel it belongs to; null: the project's default channel. */
  channelId: string | null;
  /** The approved body with `#{variable}` placeholders. */
  content: string;
  buttons: AlimtalkButton[];
  createdAt: number;
  updatedAt: number;
}

export interface MessagingSettings {
  /** Accept `/messages/text-message` sends while the text channel uses the sandbox provider (staging, demos). */
  sandboxTextSending: boolean;
}

/**
 * Whether the project's own text-message sending is configured — what `/messages/text-message` and alimtalk
 * failover need (seed 004 §6: "only when Notifly's own text sending is set up"): at least one registered sender
 * number, and a text_message provider other than the sandbox (or the sandbox with `sandboxTextSending`).
 */
export interface TextSendingStatus {
  configured: boolean;
  /** The vendor the text_message channel resolves to (`sandbox` when none is configured); null when the configured vendor is unknown. */
  vendor: string | null;
  senderNumbers: number;
  /** Why it is not configured (what to do). */
  reason?: string;
}

/** Limits of the setup (Kakao's and the carriers' own). */
export const SETUP_LIMITS = {
  senderNumbers: 100,
  kakaoChannels: 50,
  templates: 2000,
  templateIdLength: 100,
  templateCodeLength: 100,
  /** Kakao: an alimtalk message is at most 1,000 characters. */
  templateContentLength: 1000,
  /** Kakao: at most 5 buttons, names of at most 14 characters. */
  buttons: 5,
  buttonNameLength: 14,
  linkLength: 1000,
  channelIdLength: 100,
  senderKeyLength: 100,
} as const;

import type { TextKind } from './text-size.ts';

/**
 * The core commands of direct messages (docs/korean-messaging.md). A face maps its wire format into them (Notifly:
 * src/faces/notifly/messages-mapping.ts) and gives, with each value, the field name its client wrote, so a 400 names
 * what the client sent. The core checks what only it can: numbers against the project's phone region and setup,
 * templates, carrier byte limits, advertising setup and marking.
 */
export interface DirectRecipient {
  /** The recipient's number as written. */
  number: string;
  /** Where it sits in the request, e.g. `recipientList[3]` (its number is `<field>.recipientNo`). */
  field: string;
  /** The wire name of the number inside the recipient (Notifly: `recipientNo`). */
  numberField: string;
}

export interface SendTextCommand {
  projectId: string;
  requestId?: string;
  /** Absent: SMS when the text as sent (advertising marking included) fits 90 bytes, LMS otherwise. */
  kind?: TextKind;
  /** LMS/MMS only (ignored for an SMS). */
  title?: string;
  body: string;
  /** A sender number (digits); default: the project's default sender number. */
  from?: string;
  /** Advertising (maru's extension); a body that starts with exactly `(광고)` is advertising too. */
  advertising?: boolean;
  recipients: DirectRecipient[];
  fields: { title: string; body: string; from: string; advertising: string };
}

export interface AlimtalkFailoverInput {
  /** Send a text message when the alimtalk fails for good. */
  enabled: boolean;
  kind?: 'sms' | 'lms';
  title?: string;
  content?: string;
  /** The wire names: the failover object, its enabling flag, title and content. */
  fields: { at: string; enabled: string; title: string; content: string };
}

export interface AlimtalkRecipient extends DirectRecipient {
  /** Values of the template's `#{variable}`s. */
  parameters: Record<string, string>;
  parametersField: string;
  failover?: AlimtalkFailoverInput;
}

export interface SendAlimtalkCommand {
  projectId: string;
  requestId?: string;
  templateId: string;
  channelId?: string;
  /** The failover's sender number (digits); default: the project's default sender number. */
  failoverFrom?: string;
  senderGroupingKey?: string;
  recipients: AlimtalkRecipient[];
  fields: { templateId: string; channelId: string; failoverFrom: string };
}

export interface FriendtalkRecipient extends DirectRecipient {
  text: string;
  textField: string;
}

export interface SendFriendtalkCommand {
  projectId: string;
  requestId?: string;
  channelId?: string;
  advertising: boolean;
  recipients: FriendtalkRecipient[];
  fields: { channelId: string; advertising: string };
}

/** A text message to preview (DirectMessagesService.previewText): the send's command without recipients. */
export type PreviewTextCommand = Omit<SendTextCommand, 'recipients' | 'requestId'>;

/** A reason a text message would be refused, naming the field as the caller wrote it. */
export interface TextProblem {
  field: string;
  code: 'required' | 'too_long' | 'unencodable' | 'sender' | 'advertising_setup';
  message: string;
  limitBytes?: number;
  actualBytes?: number;
}

/** A text message as it would be sent, and whether it can be (DirectMessagesService.previewText). */
export interface TextPreview {
  kind: TextKind;
  /** The caller chose no kind: it was derived from the size of the text as sent. */
  kindDerived: boolean;
  /** The text as sent: with the advertising marking, contact and opt-out line when advertising. */
  body: string;
  title?: string;
  advertising: boolean;
  /** Carrier bytes (EUC-KR/CP949, text-size.ts) of the body as sent, and the kind's limit. */
  bytes: number;
  limitBytes: number;
  titleBytes: number;
  /** null for an SMS (no title). */
  titleLimitBytes: number | null;
  /** The sender number it would go out from (the default when none was chosen). */
  from?: string;
  /** Empty when it can be sent as is (own text sending aside, which the send checks). */
  problems: TextProblem[];
}

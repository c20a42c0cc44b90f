/**
 * Loopback SMTP server (smtp-server) that records every message it accepts, parsed enough to assert on:
 * envelope, unfolded headers (encoded words decoded) and the text/plain and text/html parts (quoted-printable
 * and base64 decoded). It answers a chosen SMTP code at RCPT TO for chosen recipients, or at the end of DATA,
 * and checks AUTH credentials when given some.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SmtpFakeMessage {
  mailFrom: string;
  rcptTo: string[];
  authenticatedUser: string | undefined;
  raw: string;
  /** Header values by lower-case name, unfolded and decoded, in order. */
  headers: Map<string, string[]>;
  header(name: string): string | undefined;
  text: string | undefined;
  html: string | undefined;
  /** Content-Type of the root part, e.g. multipart/alternative. */
  contentType: string;
}

export interface SmtpFake {
  host: string;
  port: number;
  messages: SmtpFakeMessage[];
  /** Every RCPT TO the server was given, accepted or refused, in order. */
  recipients: string[];
  /** Answer `code message` at RCPT TO for this recipient until cleared. */
  failRecipient(address: string, code: number, message: string): void;
  /** Answer `code message` at the end of DATA for the next message. */
  failNextData(code: number, message: string): void;
  clearFailures(): void;
  close(): Promise<void>;
}

type Headers = Map<string, string[]>;

function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseEntity(raw: string): { headers: Headers; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const headers: Headers = new Map();
  for (const line of head.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = decodeEncodedWords(line.slice(colon + 1).trim());
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return { headers, body };
}

function decodeBody(headers: Headers, body: string): string {
  const encoding = (headers.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function collectParts(headers: Headers, body: string, into: { text?: string; html?: string }): void {
  const contentType = headers.get('content-type')?.[0] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (contentType.toLowerCase().startsWith('multipart/') && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const part = parseEntity(section.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      collectParts(part.headers, part.body, into);
    }
    return;
  }
  if (contentType.toLowerCase().startsWith('text/html')) into.html = decodeBody(headers, body);
  else if (contentType.toLowerCase().startsWith('text/plain')) into.text = decodeBody(headers, body);
}

export function parseMessage(raw: string): Pick<SmtpFakeMessage, 'headers' | 'header' | 'text' | 'html' | 'contentType'> {
  const { headers, body } = parseEntity(raw);
  const parts: { text?: string; html?: string } = {};
  collectParts(headers, body, parts);
  return {
    headers,
    header: (name) => headers.get(name.toLowerCase())?.[0],
    text: parts.text,
    html: parts.html,
    contentType: (headers.get('content-type')?.[0] ?? '').split(';')[0],
  };
}

const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

export async function startSmtpFake(options: { auth?: { user: string; pass: string } } = {}): Promise<SmtpFake> {
  const messages: SmtpFakeMessage[] = [];
  const recipients: string[] = [];
  const recipientFailures = new Map<string, { code: number; message: string }>();
  let dataFailure: { code: number; message: string } | undefined;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      }
    },
    onRcptTo(address, _session, callback) {
      recipients.push(address.address);
      const failure = recipientFailures.get(address.address.toLowerCase());
      callback(failure ? smtpError(failure.code, failure.message) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const failure = dataFailure;
        dataFailure = undefined;
        if (failure) {
          callback(smtpError(failure.code, failure.message));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelopeFrom = session.envelope.mailFrom;
        messages.push({
          mailFrom: envelopeFrom ? envelopeFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          authenticatedUser: typeof session.user === 'string' ? session.user : undefined,
          raw,
          ...parseMessage(raw),
        });
        callback(null, 'Ok: queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    messages,
    recipients,
    failRecipient: (address, code, message) => recipientFailures.set(address.toLowerCase(), { code, message }),
    failNextData: (code, message) => {
      dataFailure = { code, message };
    },
    clearFailures: () => {
      recipientFailures.clear();
      dataFailure = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

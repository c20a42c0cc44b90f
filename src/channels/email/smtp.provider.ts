/**
 * SMTP email provider (nodemailer).
 *
 * One message per recipient: multipart/alternative with the text and HTML parts given, the sender from the
 * message (or the configured default), extra headers passed through verbatim (List-Unsubscribe,
 * List-Unsubscribe-Post for advertising mail), and a Message-ID derived from the idempotency key, so every
 * retry of one delivery carries the same Message-ID and receivers that deduplicate on it show one mail.
 *
 * Outcomes: accepted → `providerMessageId` = the Message-ID; SMTP 4xx (and 503) → retryable; 5xx → permanent,
 * `invalidRecipient` when the server refused the mailbox itself at RCPT TO (enhanced status 5.1.1, 5.1.2,
 * 5.1.3, 5.1.6, 5.1.10); connection, socket, DNS and timeout failures → retryable; TLS and missing-credential
 * failures → permanent (configuration). The pool never re-queues a message on its own (maxRequeues 0).
 */
import { createHash } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { createTransport } from 'nodemailer';
import type { NodemailerError, SMTPPoolOptions, SMTPTransportOptions, SendMailOptions } from 'nodemailer';
import { createOutboundGuard, netGuardErrorIn, type OutboundGuard } from '../../platform/outbound-guard.ts';
import { failed, sent } from '../provider.types.ts';
import type { EmailMessage, EmailProvider, SendResult } from '../provider.types.ts';

export interface SmtpProviderConfig {
  host: string;
  /** Default 465 when `secure`, else 587. */
  port?: number;
  /** TLS from the first byte (port 465). Default: true when port is 465. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** Never upgrade with STARTTLS. */
  ignoreTLS?: boolean;
  /** Fail unless STARTTLS succeeds. */
  requireTLS?: boolean;
  /** Extra trusted CA certificates (PEM), added to the public roots, for a relay with a private CA. */
  ca?: string;
  /** Default 10 000 ms. */
  connectionTimeoutMs?: number;
  /** Default 10 000 ms. */
  greetingTimeoutMs?: number;
  /** Inactivity timeout of an open connection. Default 60 000 ms. */
  socketTimeoutMs?: number;
  /** Reuse connections (default true: 5 connections, 100 messages each). `false` opens one per message. */
  pool?: boolean | { maxConnections?: number; maxMessages?: number };
  /** Sender used when a message comes without `from.address`. */
  from?: { address: string; name?: string };
  /** Envelope sender (MAIL FROM / Return-Path) for bounces, when it differs from the From header. */
  envelopeFrom?: string;
  /** Right-hand side of generated Message-IDs. Default: the sender's domain. */
  messageIdDomain?: string;
}

const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding']);
const HEADER_NAME = /^[!-9;-~]+$/;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;
const RECIPIENT_GONE = /\b5\.1\.(1|2|3|6|10)\b/;

function positiveInteger(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`smtp provider config: "${field}" must be a positive integer`);
  return value;
}

function validateAddress(value: unknown, field: string): void {
  if (typeof value !== 'string' || !ADDRESS.test(value)) throw new Error(`${field} must be an email address`);
}

function buildTransportOptions(config: SmtpProviderConfig): SMTPTransportOptions | (SMTPPoolOptions & { pool: true }) {
  if (typeof config !== 'object' || config === null) throw new Error('smtp provider config must be an object');
  if (typeof config.host !== 'string' || config.host.trim() === '') throw new Error('smtp provider config: "host" is required');
  const secure = config.secure ?? config.port === 465;
  if (typeof secure !== 'boolean') throw new Error('smtp provider config: "secure" must be a boolean');
  const port = config.port ?? (secure ? 465 : 587);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('smtp provider config: "port" must be 1-65535');
  if (config.auth !== undefined) {
    if (typeof config.auth?.user !== 'string' || config.auth.user === '') throw new Error('smtp provider config: "auth.user" is required with auth');
    if (typeof config.auth.pass !== 'string') throw new Error('smtp provider config: "auth.pass" is required with auth');
  }
  if (config.ignoreTLS && config.requireTLS) throw new Error('smtp provider config: "ignoreTLS" and "requireTLS" exclude each other');
  if (config.from !== undefined) validateAddress(config.from?.address, 'smtp provider config: "from.address"');
  if (config.envelopeFrom !== undefined) validateAddress(config.envelopeFrom, 'smtp provider config: "envelopeFrom"');
  if (config.messageIdDomain !== undefined && !/^[A-Za-z0-9.-]+$/.test(config.messageIdDomain)) {
    throw new Error('smtp provider config: "messageIdDomain" must be a domain name');
  }

  const base: SMTPTransportOptions = {
    host: config.host,
    port,
    secure,
    auth: config.auth ? { user: config.auth.user, pass: config.auth.pass } : undefined,
    ignoreTLS: config.ignoreTLS ?? false,
    requireTLS: config.requireTLS ?? false,
    tls: config.ca ? { ca: [...rootCertificates, config.ca] } : undefined,
    connectionTimeout: positiveInteger(config.connectionTimeoutMs, 'connectionTimeoutMs', 10_000),
    greetingTimeout: positiveInteger(config.greetingTimeoutMs, 'greetingTimeoutMs', 10_000),
    socketTimeout: positiveInteger(config.socketTimeoutMs, 'socketTimeoutMs', 60_000),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  if (config.pool === false) return base;
  const pool = typeof config.pool === 'object' ? config.pool : {};
  return {
    ...base,
    pool: true,
    maxConnections: positiveInteger(pool.maxConnections, 'pool.maxConnections', 5),
    maxMessages: positiveInteger(pool.maxMessages, 'pool.maxMessages', 100),
    // A message whose connection dropped mid-send may have been delivered; the pipeline decides, not the pool.
    maxRequeues: 0,
  };
}

function checkHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new Error(`email message: header name "${name}" is not valid`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new Error(`email message: header "${name}" is set by the provider`);
    if (typeof value !== 'string' || /[\r\n]/.test(value)) throw new Error(`email message: header "${name}" must be one line of text`);
    checked[name] = value;
  }
  return checked;
}

function classify(error: NodemailerError): SendResult {
  // The outbound guard refused the SMTP host's address (a private network): asking again cannot help.
  const refusal = netGuardErrorIn(error);
  if (refusal) return failed(refusal.code === 'DNS_FAILURE', `SMTP address refused: ${refusal.message}`);
  const code = error.code ?? 'ERROR';
  if (typeof error.responseCode === 'number') {
    const response = (error.response ?? '').slice(0, 300);
    const reason = `SMTP ${error.responseCode}${error.command ? ` at ${error.command}` : ''}: ${response}`;
    const permanent = error.permanent ?? (error.responseCode >= 500 && error.responseCode !== 503);
    if (!permanent) return failed(true, reason);
    const gone = error.command === 'RCPT TO' && RECIPIENT_GONE.test(response);
    return failed(false, reason, gone ? { invalidRecipient: true } : {});
  }
  const detail = error.originalCode && error.originalCode !== code ? `${code}/${error.originalCode}` : code;
  switch (code) {
    case 'ETLS':
    case 'EREQUIRETLS':
    case 'EAUTH':
    case 'ENOAUTH':
    case 'ECONFIG':
    case 'EENVELOPE':
    case 'EMESSAGE':
      return failed(false, `SMTP ${detail}: ${error.message.slice(0, 200)}`);
    default:
      // ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, EPROXY, ...: the connection failed, nothing was accepted.
      return failed(true, `SMTP connection failed (${detail})`);
  }
}

export interface SmtpProviderDeps {
  /** The guard every SMTP connection goes through (platform/outbound-guard.ts). Default: private networks refused. */
  network?: OutboundGuard;
}

export function createSmtpProvider(config: SmtpProviderConfig, deps: SmtpProviderDeps = {}): EmailProvider {
  const network = deps.network ?? createOutboundGuard();
  // nodemailer opens each connection through getSocket: the host is resolved and checked at connect time.
  const transporter = createTransport({ ...buildTransportOptions(config), getSocket: network.smtpGetSocket } as Parameters<typeof createTransport>[0]);

  return {
    async send(message: EmailMessage): Promise<SendResult> {
      if (typeof message?.idempotencyKey !== 'string' || message.idempotencyKey === '') {
        throw new Error('email message: "idempotencyKey" is required');
      }
      const from = message.from?.address ? message.from : config.from;
      if (!from) throw new Error('email message: "from.address" is required (no default sender configured)');
      validateAddress(from.address, 'email message: "from.address"');
      validateAddress(message.to, 'email message: "to"');
      if (typeof message.subject !== 'string' || /[\r\n]/.test(message.subject)) {
        throw new Error('email message: "subject" must be one line of text');
      }
      if (!message.html && !message.text) throw new Error('email message: "html" or "text" is required');
      if (from.name !== undefined && /[\r\n]/.test(from.name)) throw new Error('email message: "from.name" must be one line of text');

      const domain = config.messageIdDomain ?? from.address.slice(from.address.lastIndexOf('@') + 1);
      const messageId = `<${createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
      const mail: SendMailOptions = {
        from: from.name ? { name: from.name, address: from.address } : from.address,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: checkHeaders(message.headers),
        messageId,
        envelope: config.envelopeFrom ? { from: config.envelopeFrom, to: message.to } : undefined,
      };
      try {
        const info = await transporter.sendMail(mail);
        return sent(info.messageId);
      } catch (error) {
        return classify(error as NodemailerError);
      }
    },

    async close(): Promise<void> {
      transporter.close();
    },
  };
}

import type { EmailMessage, EmailProvider } from '../provider.types.ts';
import type { ProviderContext } from '../provider-context.ts';
import { createSmtpProvider, type SmtpProviderConfig } from '../email/smtp.provider.ts';
import { build, checkLiteralEndpoints, isObject, type VendorDescriptor } from './vendor-descriptor.ts';

/** The email vendor `smtp` (nodemailer). */

/** The campaign engine's sender when neither the template nor the project names one (message-renderer.ts). */
const ENGINE_FALLBACK_SENDER = 'noreply@localhost';

const SMTP_PUBLIC = [
  'host',
  'port',
  'secure',
  'requireTLS',
  'ignoreTLS',
  'auth.user',
  'ca',
  'connectionTimeoutMs',
  'greetingTimeoutMs',
  'socketTimeoutMs',
  'pool',
  'from',
  'envelopeFrom',
  'messageIdDomain',
];
const SMTP_ENDPOINTS = [{ field: 'host', kind: 'host' }] as const;

function smtpEmail(config: Record<string, unknown>, ctx: ProviderContext): EmailProvider {
  const provider = createSmtpProvider(config as unknown as SmtpProviderConfig, { network: ctx.network });
  const from = isObject(config.from) && typeof config.from.address === 'string' ? (config.from as { address: string; name?: string }) : undefined;
  return {
    // The SMTP config's `from` is the project's sender when the campaign and the project settings name none.
    send: (m: EmailMessage) => provider.send(from && m.from.address === ENGINE_FALLBACK_SENDER ? { ...m, from } : m),
    close: () => provider.close?.() ?? Promise.resolve(),
  };
}

export const smtpVendor = {
  channel: 'email',
  vendor: 'smtp',
  publicFields: SMTP_PUBLIC,
  endpoints: SMTP_ENDPOINTS,
  create: (config, ctx) => {
    checkLiteralEndpoints({ endpoints: SMTP_ENDPOINTS }, config, ctx);
    return build('', () => smtpEmail(config, ctx));
  },
} satisfies VendorDescriptor<'email'>;

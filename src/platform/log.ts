import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/** Paths whose values never reach a log line (D14). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.access_token',
  'req.headers["access_token"]',
  'req.headers.cookie',
  '*.secretKey',
  '*.accessKey',
  '*.password',
  '*.token',
  'credentials',
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

import type { FastifyInstance } from 'fastify';
import { MaruError } from '../../core/errors.ts';

import { MAX_JSON_DEPTH } from '../../core/input/input-checks.ts';

/** JSON may nest at most this many arrays/objects (D16): the core's one limit. */
export { MAX_JSON_DEPTH };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body bytes as text: valid UTF-8 or a `malformed_body` error naming the body (D16: invalid bytes are refused,
 * never turned into U+FFFD). A leading BOM is dropped.
 */
export function decodeUtf8(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new MaruError('malformed_body', 'the body is not valid UTF-8', { field: 'body' });
  }
}

/**
 * The deepest nesting of arrays and objects in a JSON text, stopping as soon as it exceeds `max` (one pass over the
 * text, strings skipped): the refusal happens before JSON.parse builds anything.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * maru's one JSON body parser (every face): strict UTF-8, at most 32 levels, then JSON.parse (which keeps keys like
 * `__proto__` and `constructor` as ordinary own properties, D16). `allowEmpty`: an empty body is `undefined` instead of
 * a malformed body (the export API and the 080 list take an empty body with a JSON content type).
 */
export function parseJsonBody(bytes: Buffer, options: { allowEmpty?: boolean } = {}): unknown {
  const text = decodeUtf8(bytes);
  if (text.trim() === '') {
    if (options.allowEmpty) return undefined;
    throw new MaruError('malformed_body', 'malformed JSON body: the body is empty', { field: 'body' });
  }
  if (jsonDepthExceeds(text)) {
    throw new MaruError('malformed_body', `malformed JSON body: nested deeper than ${MAX_JSON_DEPTH} levels`, { field: 'body' });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MaruError('malformed_body', `malformed JSON body: ${(e as Error).message}`, { field: 'body' });
  }
}

/** Registers the JSON parser on a scope (replacing the inherited one). */
export function registerJsonParser(app: FastifyInstance, options: { allowEmpty?: boolean } = {}): void {
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, options));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

import { invalid } from '../errors.ts';

/** Where a newest-first page ended: the last row's creation time and id (rows of one millisecond are told apart by id). */
export interface Keyset {
  createdAt: number;
  id: string;
}

/** The opaque `next` of a page (base64url of `<createdAt>.<id>`). */
export const encodeCursor = (k: Keyset): string => Buffer.from(`${k.createdAt}.${k.id}`).toString('base64url');

/** A `cursor` parameter back to its keyset; anything else is invalid_input naming `cursor`. */
export function decodeCursor(raw: unknown): Keyset {
  const m = typeof raw === 'string' ? /^(\d{1,16})\.(.{1,100})$/.exec(Buffer.from(raw, 'base64url').toString('utf8')) : null;
  if (!m) throw invalid('cursor', 'cursor must be the `next` of a previous page');
  return { createdAt: Number(m[1]), id: m[2] };
}

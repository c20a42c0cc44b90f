import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaruError } from '../core/errors.ts';

/** Counts the decoded bytes and fails with 413 as soon as they pass the limit, so a bomb is never inflated whole. */
class DecodedLimit extends Transform {
  decoded = 0;
  /** Read by Fastify to check Content-Length (the bytes that came over the wire). */
  receivedEncodedLength = 0;
  private readonly limit: number;
  constructor(limit: number) {
    super();
    this.limit = limit;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.decoded += chunk.length;
    if (this.decoded > this.limit) {
      callback(new MaruError('payload_too_large', `the decoded request body exceeds ${this.limit} bytes`, { field: 'body' }));
      return;
    }
    callback(null, chunk);
  }
}

const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');

/**
 * `Content-Encoding` (D16): `gzip` and `deflate` (zlib, or raw deflate as some clients send it) are decoded while the
 * body streams in, and the body limit applies to the decoded bytes (a gzip bomb is refused with 413 after at most
 * limit + one chunk of output); `identity` or none passes; anything else is 415 — before the body is read.
 * Registered on the root, so errors render in the envelope of the face that owns the route.
 */
export function decodeContentEncoding(app: FastifyInstance, defaultLimit: number): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const raw = request.headers['content-encoding'];
    if (raw === undefined || !hasBody(request)) return payload;
    const encoding = raw.trim().toLowerCase();
    if (encoding === '' || encoding === 'identity') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'deflate') {
      throw new MaruError('unsupported_media_type', `Content-Encoding ${raw} is not supported; use gzip, deflate or none`, { field: 'Content-Encoding' });
    }
    const limit = request.routeOptions.bodyLimit ?? defaultLimit;
    const out = new DecodedLimit(limit);
    let inflater: Inflate | InflateRaw | Gunzip | undefined;
    const fail = (err: unknown) => {
      payload.unpipe();
      payload.resume(); // drain what is left of the request; the answer does not wait for it
      inflater?.destroy();
      const e = err instanceof MaruError ? err : new MaruError('malformed_body', `the body is not valid ${encoding} data`, { field: 'body' });
      out.destroy(e);
    };
    payload.on('data', (chunk: Buffer) => {
      out.receivedEncodedLength += chunk.length;
      if (inflater) return;
      // deflate: RFC 9110 means the zlib format; a raw deflate stream (no zlib header) is accepted too.
      const zlibHeader = chunk.length >= 2 && (chunk[0] & 0x0f) === 8 && ((chunk[0] << 8) | chunk[1]) % 31 === 0;
      const z = encoding === 'deflate' ? (zlibHeader ? createInflate() : createInflateRaw()) : createGunzip();
      inflater = z;
      z.on('error', fail);
      z.pipe(out);
      payload.pipe(z); // later chunks; this one is written below
      z.write(chunk);
    });
    payload.on('end', () => {
      if (!inflater) out.end(); // an empty body
    });
    // Over the limit: stop inflating and drain the rest of the request (Fastify answers 413 from this error).
    out.once('error', () => {
      payload.unpipe();
      payload.resume();
      inflater?.destroy();
    });
    return out as unknown as Readable & { receivedEncodedLength: number };
  });
}

import type { paths } from './api-types';

/**
 * The console's HTTP client for maru's admin API. Paths are the OpenAPI document's (api-types.ts is generated from
 * it), so calling a route the server does not document is a type error. Sends the session cookie (same origin)
 * and, on every state-changing request, the X-CSRF-Token the session endpoints handed out. A non-2xx answer
 * throws an ApiError carrying the admin API's `{error: {code, message, field}}`.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type DocumentedPath<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

export type PathFor<M extends Method> = DocumentedPath<M>;

type Op<P, M extends Method> = P extends keyof paths ? NonNullable<paths[P][M]> : never;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : unknown;
type Responses<O> = O extends { responses: infer R } ? R : never;
/** The JSON body of a 200/201 answer as the document declares it (unknown where it declares none). */
export type ResponseOf<P, M extends Method> = 200 extends keyof Responses<Op<P, M>>
  ? JsonOf<Responses<Op<P, M>>[200]>
  : 201 extends keyof Responses<Op<P, M>>
    ? JsonOf<Responses<Op<P, M>>[201]>
    : unknown;

type Scalar = string | number | boolean | undefined | null;
type Declared<T> = [NonNullable<T>] extends [never] ? undefined : NonNullable<T>;
type QueryOf<P, M extends Method> = Op<P, M> extends { parameters: { query?: infer Q } } ? Declared<Q> : undefined;
type BodyOf<P, M extends Method> =
  Op<P, M> extends { requestBody?: infer B } ? (Declared<B> extends { content: { 'application/json': infer J } } ? J : undefined) : undefined;

/**
 * Options of one call. Where the document declares the query or the JSON body, they are checked against it (query
 * names; body shape); routes that declare none accept any.
 */
export interface RequestOptions<P = unknown, M extends Method = Method> {
  path?: Record<string, string>;
  query?: QueryOf<P, M> extends undefined ? Record<string, Scalar> : { [K in keyof QueryOf<P, M>]?: Scalar };
  body?: BodyOf<P, M> extends undefined ? unknown : BodyOf<P, M>;
  signal?: AbortSignal;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly retryAfter?: number;
  constructor(input: { status: number; code: string; message: string; field?: string; retryAfter?: number }) {
    super(input.message);
    this.name = 'ApiError';
    this.status = input.status;
    this.code = input.code;
    this.field = input.field;
    this.retryAfter = input.retryAfter;
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Set by the session query: the token every POST/PUT/PATCH/DELETE carries. */
export const setCsrfToken = (token: string | undefined) => {
  csrfToken = token;
};
/** Called when any request answers 401 (signed out or the session expired). */
export const setUnauthorizedHandler = (handler: () => void) => {
  onUnauthorized = handler;
};

/** Builds `/admin/v1/...` with path parameters filled in and the query string appended. */
export function buildUrl(template: string, options: { path?: Record<string, string>; query?: Record<string, Scalar> } = {}): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = options.path?.[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(v);
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request(method: Method, template: string, options: RequestOptions = {}): Promise<unknown> {
  const query = options.query as Record<string, Scalar> | undefined;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'get' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(buildUrl(template, { path: options.path, query }), {
    method: method.toUpperCase(),
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  if (res.status === 204) return undefined;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    const retry = Number(res.headers.get('retry-after'));
    const err = new ApiError({
      status: res.status,
      code: e?.code ?? `http_${res.status}`,
      message: e?.message ?? (json as { message?: string } | undefined)?.message ?? (text.slice(0, 200) || res.statusText),
      field: e?.field,
      retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
    });
    if (res.status === 401 && onUnauthorized && !template.endsWith('/session') && !template.endsWith('/setup')) onUnauthorized();
    throw err;
  }
  return json;
}

export const api = {
  get: <P extends PathFor<'get'>>(path: P, options?: RequestOptions<P, 'get'>) => request('get', path, options as never) as Promise<ResponseOf<P, 'get'>>,
  post: <P extends PathFor<'post'>>(path: P, options?: RequestOptions<P, 'post'>) => request('post', path, options as never) as Promise<ResponseOf<P, 'post'>>,
  put: <P extends PathFor<'put'>>(path: P, options?: RequestOptions<P, 'put'>) => request('put', path, options as never) as Promise<ResponseOf<P, 'put'>>,
  patch: <P extends PathFor<'patch'>>(path: P, options?: RequestOptions<P, 'patch'>) =>
    request('patch', path, options as never) as Promise<ResponseOf<P, 'patch'>>,
  delete: <P extends PathFor<'delete'>>(path: P, options?: RequestOptions<P, 'delete'>) =>
    request('delete', path, options as never) as Promise<ResponseOf<P, 'delete'>>,
};

/** A GET URL for a download link (CSV exports): same path typing, opened by the browser with the session cookie. */
export const downloadUrl = (path: PathFor<'get'>, options: { path?: Record<string, string>; query?: Record<string, Scalar> }) => buildUrl(path, options);

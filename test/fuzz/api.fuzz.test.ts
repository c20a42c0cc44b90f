import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, expect, test } from 'vitest';
import { ADMIN_TOKEN, buildTestApp, createProject } from '../helpers/app.ts';
import { EVENT_BATCH_QUEUE } from '../../src/core/events/event-batches.service.ts';
import { hostileValue, mutate, arbitraryOf, type Schema } from './schema-arbitrary.ts';
import { digestChanges, storeDigest, type StoreDigest } from './store-digest.ts';

/**
 * The project's own API fuzzer (issue 13). It reads the OpenAPI document at /docs/json of a real app and, for every
 * operation, sends seeded, bounded batches of requests with valid credentials for the operation's face:
 * valid ones (the documented example and values generated from the request schema), hostile bodies (one node made
 * hostile: wrong type, huge string, lone surrogate, NUL, prototype-named key, deep nesting, out-of-range number; a
 * required field removed; an unknown field added), hostile parameters, and fixed HTTP cases (no or another project's
 * credentials, wrong content type, invalid UTF-8, a gzip bomb, an unknown Content-Encoding, a body over the limit).
 *
 * For every answer: no 5xx; the status, content type and body are the ones the document declares for the route
 * (test/helpers/response-check.ts); and a refused request (4xx, or DFINERY's HTTP 200 with `status: false`) leaves
 * a content digest of the whole store unchanged (test/fuzz/store-digest.ts). After each operation the queues are
 * drained: a request that was accepted must not fail later in a worker (no dead jobs).
 *
 * Seeded (MARU_FUZZ_SEED, default 13) with MARU_FUZZ_RUNS runs per kind per operation (default 8), so a run is
 * repeatable and bounded; a failure prints the request.
 */

const SEED = Number(process.env.MARU_FUZZ_SEED ?? 13);
const RUNS = Number(process.env.MARU_FUZZ_RUNS ?? 8);
/** Generous quotas: the fuzzer measures validation, not the rate limiter (which has its own tests). */
const LIMITS = { export_requests: 1_000_000, auth_requests: 1_000_000, bulk_requests: 1_000_000, project_requests: 1_000_000, client_requests: 1_000_000 };

const t = await buildTestApp();
afterAll(() => t.close());
const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> };
const other = await createProject(t.runtime, { name: 'another project', settings: { limits: LIMITS } });

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema; example?: unknown }> };
  responses: Record<string, unknown>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  METHODS.flatMap((method) =>
    item[method] ? [{ id: `${method.toUpperCase()} ${path}`, path, method: method.toUpperCase() as InjectOptions['method'], op: item[method] }] : [],
  ),
);

/** One project per operation, with a profile, an audience and a campaign whose ids fill the path parameters. */
interface Fixture {
  projectId: string;
  ids: Record<string, string>;
  auth: Record<string, Record<string, string>>;
  query: Record<string, string>;
  /** Secrets a body names (Notifly's /authenticate). */
  keys: Record<string, string>;
}

async function fixture(): Promise<Fixture> {
  const { project, credentials } = await createProject(t.runtime, { name: 'fuzzed', settings: { limits: LIMITS } });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const token = (
    await t.app.inject({ method: 'POST', url: '/authenticate', payload: { accessKey: credentials.access_key, secretKey: credentials.secret_key } })
  ).json().data as string;
  await t.app.inject({
    method: 'POST',
    url: `/v1/api/profile/user?project_id=${project.id}`,
    headers: { authorization: `Bearer ${credentials.api_key}` },
    payload: { profiles: [{ user_id: 'fuzz-user', properties: { mkt_email: 'fuzz@example.com', tier: 'gold' } }] },
  });
  const exampleOf = (path: string) => doc.paths[path]?.post?.requestBody?.content['application/json']?.example;
  const audience = await t.app.inject({
    method: 'POST',
    url: `/admin/v1/projects/${project.id}/audiences`,
    headers: admin,
    payload: exampleOf('/admin/v1/projects/{projectId}/audiences') as object,
  });
  const campaign = await t.app.inject({
    method: 'POST',
    url: `/admin/v1/projects/${project.id}/campaigns`,
    headers: admin,
    payload: exampleOf('/admin/v1/projects/{projectId}/campaigns') as object,
  });
  const profile = await t.runtime.store.db.selectFrom('profiles').select('id').where('project_id', '=', project.id).executeTakeFirst();
  const idOf = (r: LightMyRequestResponse) => {
    if (r.statusCode >= 300) throw new Error(`fixture: ${r.statusCode} ${r.body}`);
    const b = r.json() as { id?: string; campaign?: { id?: string }; audience?: { id?: string } };
    return String(b.id ?? b.campaign?.id ?? b.audience?.id ?? '');
  };
  return {
    projectId: project.id,
    ids: { projectId: project.id, profileId: profile?.id ?? 'p-none', audienceId: idOf(audience) || 'a-none', campaignId: idOf(campaign) || 'c-none' },
    auth: {
      dfineryImportToken: { access_token: credentials.import_token },
      dfineryExportToken: { authorization: `Bearer ${credentials.export_token}` },
      marketapApiKey: { authorization: `Bearer ${credentials.api_key}` },
      notiflyToken: { authorization: token },
      adminToken: admin,
      consoleSession: admin,
      metricsToken: {},
    },
    query: { service_id: project.id, project_id: project.id },
    keys: { accessKey: credentials.access_key, secretKey: credentials.secret_key },
  };
}

/** The headers of the operation's first security alternative (none for a public route). */
function authOf(op: Operation, f: Fixture): Record<string, string> {
  for (const alternative of op.security ?? []) {
    const scheme = Object.keys(alternative)[0];
    if (scheme) return f.auth[scheme] ?? {};
  }
  return {};
}

/** Puts the fixture's own ids where a valid body names the project or its objects. */
function personalise(v: unknown, f: Fixture): unknown {
  if (Array.isArray(v)) return v.map((x) => personalise(x, f));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const own = k === 'projectId' || k === 'project_id' ? f.projectId : k in f.ids ? f.ids[k] : k in f.keys ? f.keys[k] : personalise(x, f);
      Object.defineProperty(out, k, { value: own, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

interface Call {
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  /** Sent as is (raw bytes) instead of `body`. */
  raw?: Buffer | string;
}

const otherIds = { projectId: other.project.id };

/** Path parameters whose valid values are a closed set the schema does not spell out. */
const KNOWN_VALUES: Record<string, string[]> = { kind: ['import', 'export', 'api-key', 'access-key'], channel: ['email', 'sms', 'push', 'webhook'] };

/** A valid value for a parameter; `undefined` leaves an optional one out (most of the time). */
function validParam(p: Parameter, f: Fixture): fc.Arbitrary<string | undefined> {
  if (p.in === 'path' && p.name in f.ids) return fc.constant(f.ids[p.name]);
  if (p.in === 'query' && p.name in f.query) return fc.constant(f.query[p.name]);
  if (p.in === 'header' && p.name === 'x-twilio-signature') return fc.constant('c2lnbmF0dXJl');
  if (p.in === 'path' && p.name in KNOWN_VALUES) return fc.constantFrom(...KNOWN_VALUES[p.name]);
  const examples = (p.schema?.examples ?? []) as unknown[];
  const generated = arbitraryOf(p.schema ?? { type: 'string' }).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const value =
    examples.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...examples.map(String)) }, { weight: 1, arbitrary: generated }) : generated;
  return p.required ? value : fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
}

const hostileText = fc.oneof(
  hostileValue.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
  fc.constantFrom(
    '',
    '%00',
    '\u0000',
    '\ud800',
    '-1',
    '99999999999999999999',
    '1e400',
    'not-a-date',
    '2025-01-17T00:00:00',
    otherIds.projectId,
    '../admin',
    'x'.repeat(5000),
  ),
);

function callArbitrary(op: Operation, f: Fixture, hostile: 'none' | 'body' | 'param'): fc.Arbitrary<Call> {
  const params = op.parameters ?? [];
  const json = op.requestBody?.content['application/json'];
  const validBody: fc.Arbitrary<unknown> | undefined = json
    ? fc
        .oneof(...(json.example !== undefined ? [{ weight: 3, arbitrary: fc.constant(json.example) }] : []), { weight: 2, arbitrary: arbitraryOf(json.schema) })
        .map((b) => personalise(b, f))
    : undefined;
  const body = validBody && hostile === 'body' ? validBody.chain((b) => mutate(b)) : validBody;
  const paramArbs = params.map((p) => ({ p, arb: validParam(p, f) }));
  const hostileIndex = hostile === 'param' && params.length > 0 ? fc.nat(params.length - 1) : fc.constant(-1);
  return fc
    .tuple(fc.tuple(...paramArbs.map((x) => x.arb)), hostileIndex, hostileText, body ?? fc.constant(undefined), fc.boolean())
    .map(([values, bad, badValue, b, drop]) => {
      const call: Call = { params: {}, query: { ...f.query }, headers: { ...authOf(op, f) }, body: b };
      params.forEach((p, i) => {
        const v = i === bad ? badValue : values[i];
        if (v === undefined || (i === bad && drop && p.in !== 'path')) return; // a missing parameter
        if (p.in === 'path') call.params[p.name] = v;
        else if (p.in === 'query') call.query[p.name] = v;
        else if (p.in === 'header') call.headers[p.name] = v;
      });
      return call;
    });
}

/** Fixed hostile HTTP cases for an operation: the same valid call with one thing wrong at the HTTP level. */
/**
 * `mustRefuse`: the answer must be a refusal (D14): no or a wrong credential where one is required, and a project
 * credential used with another project's id (the admin token works for every project, so not there).
 */
function httpCases(op: Operation, valid: Call, f: Fixture): { what: string; call: Call; mustRefuse?: boolean }[] {
  const out: { what: string; call: Call; mustRefuse?: boolean }[] = [];
  const auth = authOf(op, f);
  if (Object.keys(auth).length > 0) {
    const required = !(op.security ?? []).some((alternative) => Object.keys(alternative).length === 0);
    const projectScoped = required && !(op.security ?? []).some((alternative) => 'adminToken' in alternative);
    const headers = Object.fromEntries(Object.entries(valid.headers).filter(([k]) => !(k in auth)));
    out.push({ what: 'no credentials', call: { ...valid, headers }, mustRefuse: required });
    out.push({
      what: 'a wrong credential',
      call: {
        ...valid,
        headers: { ...headers, ...Object.fromEntries(Object.keys(auth).map((k) => [k, k === 'authorization' ? 'Bearer maru_xx_wrong' : 'maru_xx_wrong'])) },
      },
      mustRefuse: true,
    });
    const swap = (v: string) => (v === f.projectId ? other.project.id : v);
    const body = valid.body === undefined ? undefined : JSON.parse(JSON.stringify(valid.body).replaceAll(`"${f.projectId}"`, `"${other.project.id}"`));
    out.push({
      what: "another project's id",
      call: {
        ...valid,
        body,
        params: Object.fromEntries(Object.entries(valid.params).map(([k, v]) => [k, swap(v)])),
        query: Object.fromEntries(Object.entries(valid.query).map(([k, v]) => [k, swap(v)])),
      },
      mustRefuse: projectScoped,
    });
  }
  if (op.requestBody) {
    const text = valid.body === undefined ? '{}' : JSON.stringify(valid.body);
    const ct = { 'content-type': 'application/json' };
    out.push({ what: 'text/plain body', call: { ...valid, body: undefined, raw: text, headers: { ...valid.headers, 'content-type': 'text/plain' } } });
    out.push({ what: 'no content type', call: { ...valid, body: undefined, raw: text, headers: { ...valid.headers, 'content-type': '' } } });
    out.push({
      what: 'invalid UTF-8',
      call: {
        ...valid,
        body: undefined,
        raw: Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(text.slice(-1))]),
        headers: { ...valid.headers, ...ct },
      },
    });
    out.push({
      what: 'an invalid UTF-8 string value',
      call: {
        ...valid,
        body: undefined,
        raw: Buffer.from(
          text.replace(/"([^"\\]{1,40})"(\s*[,}\]])/, (_m, s: string, end: string) => `"${s}\u0000XX"${end}`).replace('\u0000XX', '\\u0000'),
          'utf8',
        ),
        headers: { ...valid.headers, ...ct },
      },
    });
    out.push({
      what: 'a lone surrogate escape',
      call: { ...valid, body: undefined, raw: text.replace(/"([^"\\]{1,40})"(\s*[,}\]])/, '"\\ud83d"$2'), headers: { ...valid.headers, ...ct } },
    });
    out.push({
      what: 'nested 40 levels',
      call: { ...valid, body: undefined, raw: `${'['.repeat(40)}${']'.repeat(40)}`, headers: { ...valid.headers, ...ct } },
    });
    out.push({
      what: 'a number out of range',
      call: {
        ...valid,
        body: undefined,
        raw: text.replace(/:\s*(-?\d+(\.\d+)?)(\s*[,}\]])/, ':123456789012345678901234567890$3').replace(/:\s*"([^"\\]{1,40})"(\s*[,}])/, ':1e400$2'),
        headers: { ...valid.headers, ...ct },
      },
    });
    out.push({ what: 'not JSON', call: { ...valid, body: undefined, raw: '{"a":', headers: { ...valid.headers, ...ct } } });
    out.push({
      what: 'a gzip bomb',
      call: {
        ...valid,
        body: undefined,
        raw: gzipSync(Buffer.from(`{"a":"${'0'.repeat(4 * 1024 * 1024)}"}`)),
        headers: { ...valid.headers, ...ct, 'content-encoding': 'gzip' },
      },
    });
    out.push({
      what: 'gzip of the valid body',
      call: { ...valid, body: undefined, raw: gzipSync(Buffer.from(text)), headers: { ...valid.headers, ...ct, 'content-encoding': 'gzip' } },
    });
    out.push({
      what: 'an unknown Content-Encoding',
      call: { ...valid, body: undefined, raw: text, headers: { ...valid.headers, ...ct, 'content-encoding': 'br' } },
    });
    out.push({
      what: 'a body over the limit',
      call: { ...valid, body: undefined, raw: `{"a":"${'x'.repeat(1100 * 1024)}"}`, headers: { ...valid.headers, ...ct } },
    });
  }
  return out;
}

/**
 * Percent-encoding as a hostile client does it: a lone surrogate becomes its three (invalid) UTF-8 bytes, where
 * encodeURIComponent would throw.
 */
function percent(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) out += encodeURIComponent(text.slice(i, ++i + 1));
    else if (c >= 0xd800 && c <= 0xdfff)
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    else out += encodeURIComponent(text[i]);
  }
  return out;
}

function inject(method: InjectOptions['method'], path: string, call: Call): Promise<LightMyRequestResponse> {
  const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => percent(call.params[name] ?? 'x'));
  const query = Object.entries(call.query)
    .map(([k, v]) => `${percent(k)}=${percent(v)}`)
    .join('&');
  const headers = Object.fromEntries(Object.entries(call.headers).filter(([, v]) => v !== ''));
  const options: InjectOptions = { method, url: query ? `${url}?${query}` : url, headers };
  if (call.raw !== undefined) options.payload = call.raw;
  else if (call.body !== undefined && method !== 'GET') {
    options.payload = JSON.stringify(call.body);
    options.headers = { 'content-type': 'application/json', ...headers };
  }
  return t.app.inject(options);
}

/** DFINERY answers its refusals with HTTP 200 and `status: false`. */
function refused(r: LightMyRequestResponse): boolean {
  if (r.statusCode >= 400) return true;
  if (r.statusCode === 200 && String(r.headers['content-type'] ?? '').startsWith('application/json')) {
    try {
      return (r.json() as { status?: unknown }).status === false;
    } catch {
      return false;
    }
  }
  return false;
}

const describeCall = (method: unknown, path: string, c: Call) =>
  JSON.stringify(
    { method, path, params: c.params, query: c.query, headers: c.headers, body: c.body, raw: c.raw === undefined ? undefined : String(c.raw).slice(0, 300) },
    (_k, v) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…(${v.length})` : v),
  );

/** Failures accepted as known (none: the admin validation of issue 13 landed). Add `{ op, problem }` entries only with an issue to fix them. */
const KNOWN: { op: string; problem: RegExp }[] = [];
const known = (op: string, _call: Call, problem: string) => KNOWN.some((k) => k.op === op && k.problem.test(problem));

const stats: Record<string, Record<string, number>> = {};
const timing = { inject: 0, digest: 0 };
afterAll(() => {
  if (process.env.MARU_FUZZ_STATS) writeFileSync(process.env.MARU_FUZZ_STATS, JSON.stringify({ timing, stats }, null, 1));
});

for (const { id, path, method, op } of operations) {
  test(`fuzz ${id}`, async () => {
    const f = await fixture();
    let state: StoreDigest = await storeDigest(t.runtime, [f.projectId, other.project.id]);
    const failures: string[] = [];
    const check = async (what: string, call: Call, mustRefuse = false) => {
      const seen = t.responseViolations.length;
      const t0 = performance.now();
      let r: LightMyRequestResponse;
      try {
        r = await inject(method, path, call);
      } catch (e) {
        // A header value no HTTP client can send (NUL, a lone surrogate): nothing reaches the server.
        if (/ERR_INVALID_CHAR|ERR_HTTP_INVALID_HEADER_VALUE/.test(String((e as { code?: string }).code))) return;
        throw e;
      }
      timing.inject += performance.now() - t0;
      const counts = stats[id] ?? {};
      stats[id] = counts;
      const bucket = `${what.startsWith('hostile') || what === 'valid' ? what : 'http'} ${r.statusCode}`;
      counts[bucket] = (counts[bucket] ?? 0) + 1;
      const problems: string[] = [];
      if (r.statusCode >= 500 && !(r.statusCode === 501 && op.responses['501'])) problems.push(`answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
      if (t.responseViolations.length > seen) problems.push(...t.responseViolations.splice(seen));
      const t1 = performance.now();
      const after = await storeDigest(t.runtime, [f.projectId, other.project.id]);
      timing.digest += performance.now() - t1;
      if (refused(r)) {
        const changed = digestChanges(state, after);
        if (changed.length > 0) problems.push(`refused with ${r.statusCode} (${r.body.slice(0, 200)}) but changed ${changed.join(', ')}`);
      }
      if (mustRefuse && !refused(r)) problems.push(`must be refused (D14) but answered ${r.statusCode}: ${r.body.slice(0, 200)}`);
      state = after;
      const open = problems.filter((p) => !known(id, call, p));
      if (open.length < problems.length) console.warn(`fuzz ${id}: known failure (another change fixes it): ${problems.join('; ')}`);
      problems.splice(0, problems.length, ...open);
      if (problems.length > 0) failures.push(`${what}: ${describeCall(method, path, call)}\n    ${problems.join('\n    ')}`);
    };
    const kinds = ['none', 'body', 'param'] as const;
    let valid: Call | undefined;
    for (const [i, kind] of kinds.entries()) {
      if (kind === 'body' && !op.requestBody) continue;
      if (kind === 'param' && !op.parameters?.length) continue;
      const samples = fc.sample(callArbitrary(op, f, kind), { seed: SEED + i, numRuns: RUNS });
      valid ??= samples[0];
      for (const call of samples) await check(kind === 'none' ? 'valid' : `hostile ${kind}`, call);
    }
    if (valid) for (const c of httpCases(op, valid, f)) await check(c.what, c.call, c.mustRefuse);
    // Work accepted by the answer must not fail later in a worker (e.g. a batch stored by a worker).
    await t.runtime.queue.drain(EVENT_BATCH_QUEUE);
    const batches = (await t.runtime.store.db
      .selectFrom('jobs' as never)
      .selectAll()
      .where('queue' as never, '=', EVENT_BATCH_QUEUE as never)
      .where('last_error' as never, 'is not', null)
      .execute()) as unknown as Record<string, unknown>[];
    const dead = await t.runtime.queue.dead({ queue: EVENT_BATCH_QUEUE, projectId: f.projectId });
    batches.push(...dead.map((j) => ({ last_error: j.lastError })));
    if (batches.length > 0) failures.push(`accepted work failed in the worker: ${JSON.stringify(batches.map((j) => j.last_error))}`);
    // Later operations start from a clean slate of violations.
    t.responseViolations.length = 0;
    expect(failures.slice(0, 8).join('\n\n')).toBe('');
  }, 60_000);
}

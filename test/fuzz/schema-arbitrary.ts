import fc from 'fast-check';

/**
 * fast-check arbitraries from the OpenAPI document's schemas (OpenAPI 3.0 JSON Schema as @fastify/swagger writes it):
 * `arbitraryOf` gives values the schema accepts, `hostileValue` the kinds of input D16 and issue 13 name (wrong types,
 * huge strings, lone surrogates, NUL, prototype-named keys, deep nesting, numbers out of range), and `mutate` puts one
 * of them somewhere inside a valid value (or drops a required field, or adds an unknown one).
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema read from the OpenAPI document, walked by keyword
export type Schema = Record<string, any>;

/** Keys named like JavaScript object internals (D16: ordinary names). */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'arbitraryOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];

const shortText = fc.oneof(
  fc.constantFrom('a', 'user-1', 'hello world', '홍길동', 'x@example.com', '2025-01-17T00:00:00Z', '+821012345678', '010-1234-5678'),
  fc.string({ maxLength: 12 }),
);

const dateTime = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());

function stringOf(s: Schema): fc.Arbitrary<string> {
  if (s.format === 'date-time') return dateTime;
  if (s.format === 'email') return fc.constantFrom('a@example.com', 'hong@example.co.kr');
  if (s.format === 'uri' || s.format === 'url') return fc.constantFrom('https://example.com/hook', 'https://example.com/');
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? 24, 64));
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= min && x.length <= (s.maxLength ?? Infinity));
    } catch {
      /* a pattern JavaScript cannot read: plain strings */
    }
  }
  return fc.oneof(shortText, fc.string({ minLength: min, maxLength: max })).filter((x) => x.length >= min && x.length <= max);
}

/** Values the schema accepts (bounded in size). */
export function arbitraryOf(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = schema ?? {};
  const base = valueOfInner(s, depth);
  return s.nullable ? fc.oneof({ weight: 4, arbitrary: base }, { weight: 1, arbitrary: fc.constant(null) }) : base;
}

function valueOfInner(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) return fc.oneof(...alternatives.map((a: Schema) => arbitraryOf(a, depth)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return arbitraryOf(Object.assign({}, ...s.allOf), depth);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return stringOf(s);
    case 'integer': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Math.max(min, 0) + 1000);
      return fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) });
    }
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 4) return fc.constant([]);
      const min = s.minItems ?? 0;
      return fc.array(arbitraryOf(s.items, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 3, 3)) });
    }
    case 'object':
    case undefined: {
      if (type === undefined && !s.properties && !s.additionalProperties) return json(depth);
      return objectOf(s, depth);
    }
    default:
      return json(depth);
  }
}

function objectOf(s: Schema, depth: number): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set<string>(s.required ?? []);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of Object.entries(props)) shape[k] = arbitraryOf(v, depth + 1);
  const known = fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
  const extra =
    s.additionalProperties && depth < 4
      ? fc.dictionary(
          fc.oneof(fc.constantFrom('tier', 'plan', 'amount', 'utm_source'), fc.string({ minLength: 1, maxLength: 8 })),
          arbitraryOf(s.additionalProperties === true ? {} : s.additionalProperties, depth + 1),
          { maxKeys: 3 },
        )
      : fc.constant({});
  return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }));
}

/** Any small JSON value. */
function json(depth: number): fc.Arbitrary<unknown> {
  if (depth > 3) return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
  return fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
}

const deep = (levels: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { n: v };
  return v;
};

/** One hostile value: what an attacker or a careless client sends where a field is expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\ufeff',
    'constructor',
    '__proto__',
    'toString',
    'guest',
    'not-an-email',
    '2025-13-45T99:99:99Z',
    '1e400',
    '-0',
    'null',
    '../../etc/passwd',
    "' OR 1=1 --",
    '=cmd|" /C calc"!A0',
  ),
  fc.constantFrom(0, -1, 1.5, -0, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 4294967296),
  fc.constantFrom(true, false, null, [], {}, [null], { __proto__: null }),
  fc.constantFrom({ constructor: 1 }, JSON.parse('{"__proto__":{"polluted":1}}'), { toString: 'x', hasOwnProperty: [] }),
  fc.integer({ min: 40, max: 60 }).map(deep),
  fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.array(fc.constant('a'), { minLength: 1001, maxLength: 1100 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** Paths (key lists) to every node of a JSON value, the root included. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (at.length > 6) return out;
  if (Array.isArray(v)) for (const [i, x] of v.entries()) paths(x, [...at, i], out);
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

const clone = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function setAt(root: unknown, path: (string | number)[], value: unknown, mode: 'set' | 'delete' | 'add'): unknown {
  const copy = clone(root);
  const define = (o: object, k: string | number, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
  if (mode === 'add') {
    let target = copy as Record<string | number, unknown>;
    for (const key of path) target = target[key] as Record<string | number, unknown>;
    define(target, String(value), 'x');
    return copy;
  }
  if (path.length === 0) return mode === 'set' ? value : copy;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (mode === 'delete') {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else define(node, last, value);
  return copy;
}

/** A valid value with one hostile change: a node replaced, a field removed, or an unknown (often prototype-named) key added. */
export function mutate(valid: unknown): fc.Arbitrary<unknown> {
  const ps = paths(valid);
  const objects = ps.filter((p) => {
    let n: unknown = valid;
    for (const k of p) n = (n as Record<string | number, unknown>)[k];
    return n !== null && typeof n === 'object' && !Array.isArray(n);
  });
  const choices: fc.Arbitrary<unknown>[] = [fc.tuple(fc.constantFrom(...ps), hostileValue).map(([p, h]) => setAt(valid, p, h, 'set'))];
  const nonRoot = ps.filter((p) => p.length > 0);
  if (nonRoot.length > 0) choices.push(fc.constantFrom(...nonRoot).map((p) => setAt(valid, p, undefined, 'delete')));
  if (objects.length > 0) {
    choices.push(
      fc
        .tuple(
          fc.constantFrom(...objects),
          fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'id', 'project_id', 'df_unified_id', '\ud800', 'a\u0000'), fc.string({ minLength: 1, maxLength: 6 })),
        )
        .map(([p, k]) => setAt(valid, p, k, 'add')),
    );
  }
  return fc.oneof(...choices);
}

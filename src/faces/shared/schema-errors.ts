import type { FastifySchemaValidationError } from 'fastify';

type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';
import { invalid, MaruError } from '../../core/errors.ts';
import { dottedField, type FieldNamer } from '../../core/input/input-checks.ts';

/**
 * Schema keyword of an array with a per-request limit that the face reports with its own code rather than as a
 * field error: `Type.Array(Event, { maxItems: 100, [TOO_MANY]: { kind: 'events', noun: 'events' } })` answers
 * too_many_items ("at most 100 events per request, got 101", details.kind "events"). Declared to Ajv in src/server/app.ts.
 */
export const TOO_MANY = 'x-maru-too-many';

/** What a value of each string format is, in an error message. */
const FORMATS: Record<string, string> = {
  date: 'a date as yyyy-MM-dd',
  'date-time': 'an ISO 8601 datetime with Z or an offset',
  email: 'an email address',
};

function lengthError(field: string, keyword: string, n: number, data: unknown): MaruError {
  const unit = keyword.endsWith('Length') ? 'characters' : 'items';
  if (keyword.startsWith('min')) return invalid(field, n === 1 ? `${field} must not be empty` : `${field} must have at least ${n} ${unit}`);
  if (typeof data === 'string') return invalid(field, `${field} is ${data.length} characters; at most ${n}`);
  if (Array.isArray(data)) return invalid(field, `${field} has ${data.length} items; at most ${n}`);
  return invalid(field, `${field} must have at most ${n} ${unit}`);
}

/**
 * The error to report. Ajv reports a failed union (`anyOf`: a body that is one object or an array of them, a
 * nullable value) with every branch's errors; the branches whose type did not even match say nothing useful, so the
 * first error of a branch of the right type is the one (the array's length, its element's missing field).
 */
function pick(errors: FastifySchemaValidationError[]): FastifySchemaValidationError {
  // Ajv lists inner errors first: the last union is the outermost one.
  const union = errors.findLast((e) => e.keyword === 'anyOf');
  if (!union) return errors[0];
  const at = union.instancePath;
  const mismatch = (e: FastifySchemaValidationError) => e.instancePath === at && (e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'anyOf');
  // A branch of the right type failed inside: its error is the one (recursing into unions nested in it). Among
  // object branches told apart by their required fields, a branch that lacks its own key is not the one meant.
  const inside = errors.filter((e) => !mismatch(e));
  const meant = inside.filter((e) => !(e.keyword === 'required' && e.instancePath === at));
  if (meant.length > 0) return pick(meant);
  if (inside.length > 0) return pick(inside);
  // No branch matched at all: one error listing what the value may be.
  const types = [...new Set(errors.filter((e) => e.instancePath === at && e.keyword === 'type').flatMap((e) => String(e.params.type).split(',')))];
  const allowedValues = errors.filter((e) => e.instancePath === at && e.keyword === 'const').map((e) => (e.params as { allowedValue: unknown }).allowedValue);
  if (allowedValues.length > 0) return { ...union, keyword: 'enum', params: { allowedValues } };
  return { ...union, keyword: 'type', params: { type: types.join(',') } };
}

/**
 * Fastify validates a route's request with its TypeBox schema; this turns the first schema error into the core's
 * invalid_input naming the field as the client wrote it (`events[0].name`, a query parameter by its name), so each
 * face's error handler renders it in its vendor's envelope like any other refusal. Installed on the app
 * (src/server/app.ts); a route with another body naming passes its own `fieldOf`.
 */
export function schemaErrorFormatter(fieldOf: FieldNamer = dottedField, options: { bodyOfWrongType?: 'malformed_body' } = {}) {
  return (errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): MaruError => {
    const e = pick(errors) as FastifySchemaValidationError & {
      parentSchema?: { properties?: Record<string, unknown>; [TOO_MANY]?: { kind: string; noun: string } };
      data?: unknown;
    };
    const path: (string | number)[] = (e.instancePath ?? '')
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((p) => (/^(0|[1-9]\d*)$/.test(p) ? Number(p) : p));
    const params = (e.params ?? {}) as Record<string, unknown>;
    const name = (at: (string | number)[]) => (dataVar === 'body' ? fieldOf(at) : at.length > 0 ? dottedField(at) : dataVar);
    switch (e.keyword) {
      case 'required': {
        const field = name([...path, String(params.missingProperty)]);
        return invalid(field, `${field} is required`);
      }
      case 'additionalProperties': {
        const field = name([...path, String(params.additionalProperty)]);
        const known = Object.keys(e.parentSchema?.properties ?? {});
        return invalid(field, `${field} is not a field of this request${known.length > 0 ? `; use ${known.join(', ')}` : ''}`);
      }
      case 'format':
        return invalid(name(path), `${name(path)} must be ${FORMATS[String(params.format)] ?? `in the format ${String(params.format)}`}`);
      case 'type': {
        const field = name(path);
        const schema = e.parentSchema as { format?: string; anyOf?: { format?: string }[] } | undefined;
        const format = schema?.format ?? schema?.anyOf?.find((b) => b.format)?.format;
        if (format && FORMATS[format]) return invalid(field, `${field} must be ${FORMATS[format]}`);
        const types = String(params.type).split(',');
        const type = types[0];
        // A face that calls a body of the wrong JSON type malformed (Marketap) says so with its own code.
        if (dataVar === 'body' && path.length === 0 && options.bodyOfWrongType) {
          return new MaruError(options.bodyOfWrongType, `the body must be ${type === 'object' ? 'a JSON object' : `a JSON ${type}`}`, { field: 'body' });
        }
        const names = types.map((t) => (t === 'object' ? 'a JSON object' : t === 'null' ? 'null' : `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`));
        const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
        return invalid(field, `${field} must be ${list}`);
      }
      case 'enum': {
        const field = name(path);
        return invalid(field, `${field} must be one of ${(params.allowedValues as unknown[]).join(', ')}`);
      }
      case 'maxItems': {
        // An array the face counts against a documented per-request limit: its own code (DFINERY 40402/40403).
        const tooMany = e.parentSchema?.[TOO_MANY];
        if (tooMany) {
          const got = Array.isArray(e.data) ? `, got ${e.data.length}` : '';
          return new MaruError('too_many_items', `at most ${Number(params.limit)} ${tooMany.noun} per request${got}`, {
            field: name(path),
            details: { kind: tooMany.kind },
          });
        }
        return lengthError(name(path), e.keyword, Number(params.limit), e.data);
      }
      case 'minLength':
      case 'maxLength':
      case 'minItems': {
        return lengthError(name(path), e.keyword, Number(params.limit), e.data);
      }
      default: {
        const field = name(path);
        return invalid(field, `${field} ${e.message ?? 'is not valid'}`);
      }
    }
  };
}

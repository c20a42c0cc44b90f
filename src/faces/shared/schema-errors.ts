import type { FastifySchemaValidationError } from 'fastify';

type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';
import { invalid, type MaruError } from '../../core/errors.ts';
import { dottedField, type FieldNamer } from '../../core/input/input-checks.ts';

/**
 * Fastify validates a route's request with its TypeBox schema; this turns the first schema error into the core's
 * invalid_input naming the field as the client wrote it (`events[0].name`, a query parameter by its name), so each
 * face's error handler renders it in its vendor's envelope like any other refusal. Installed on the app
 * (src/server/app.ts); a route with another body naming passes its own `fieldOf`.
 */
export function schemaErrorFormatter(fieldOf: FieldNamer = dottedField) {
  return (errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): MaruError => {
    const e = errors[0] as FastifySchemaValidationError & { parentSchema?: { properties?: Record<string, unknown> } };
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
      case 'type': {
        const field = name(path);
        const type = String(params.type).split(',')[0];
        const article = /^[aeiou]/.test(type) ? 'an' : 'a';
        return invalid(field, `${field} must be ${type === 'object' ? 'a JSON object' : `${article} ${type}`}`);
      }
      case 'enum': {
        const field = name(path);
        return invalid(field, `${field} must be one of ${(params.allowedValues as unknown[]).join(', ')}`);
      }
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems': {
        const field = name(path);
        const n = Number(params.limit);
        const unit = e.keyword.endsWith('Length') ? 'characters' : 'items';
        if (e.keyword.startsWith('min')) return invalid(field, n === 1 ? `${field} must not be empty` : `${field} must have at least ${n} ${unit}`);
        return invalid(field, `${field} must have at most ${n} ${unit}`);
      }
      default: {
        const field = name(path);
        return invalid(field, `${field} ${e.message ?? 'is not valid'}`);
      }
    }
  };
}

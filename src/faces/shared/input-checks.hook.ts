import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkInputTree, checkText, dottedField, type FieldNamer } from '../../core/input/input-checks.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How the route's body fields are named in errors: `list` (default) names them from the root
     * (`events[0].name`); `elements` is Notifly's one-object-or-array body, every element named `body[i]`.
     */
    bodyFields?: 'list' | 'elements';
  }
}

/** Notifly's naming: a single object is `body[0]`, array elements `body[i]`. */
const elementsField =
  (isArray: boolean): FieldNamer =>
  (path) =>
    dottedField(isArray ? ['body', ...path] : ['body', 0, ...path]);

/**
 * D16 on every face: the body (keys and values), the query string and the path parameters are checked by the core's
 * one checker before any route sees them. A refusal is the core's invalid_input naming the field, which each face
 * renders in its own envelope (its error handler).
 */
export function registerInputChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const [name, v] of Object.entries((request.params ?? {}) as Record<string, unknown>)) if (typeof v === 'string') checkText(v, name);
    for (const [name, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') checkText(one, name);
    }
    const body = request.body;
    if (body === undefined || body === null || typeof body !== 'object' || Buffer.isBuffer(body)) {
      if (typeof body === 'string') checkText(body, 'body');
      return;
    }
    const style = request.routeOptions.config?.bodyFields;
    checkInputTree(body, { fieldOf: style === 'elements' ? elementsField(Array.isArray(body)) : dottedField });
  });
}

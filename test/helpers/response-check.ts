import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * The document must be true: every answer of a documented route has a status the route declares, a content type it
 * declares for that status, and (for JSON) a body that validates against the declared schema. Installed by the test
 * helper app on every app, so every face test checks it; violations are collected and reported when the app closes.
 * Routes hidden from the document (the 405 helpers, Swagger UI's own, the /console static app of
 * src/server/console.routes.ts: HTML and assets, not an API) and unmatched URLs (Fastify's 404) are skipped.
 */

export function checkResponses(app: FastifyInstance): string[] {
  const violations: string[] = [];
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // The app's shared schemas (the recursive audience rule), which route schemas refer to by $ref: added when the first
  // answer is checked (the app adds them after this is installed).
  let sharedAdded = false;
  const compiled = new WeakMap<object, ValidateFunction>();
  const validator = (schema: object) => {
    if (!sharedAdded) {
      sharedAdded = true;
      for (const shared of Object.values(app.getSchemas())) ajv.addSchema(shared as object);
    }
    let v = compiled.get(schema);
    if (!v) {
      v = ajv.compile(schema);
      compiled.set(schema, v);
    }
    return v;
  };

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const url = request.routeOptions.url;
    if (url === undefined) return payload; // no route matched: Fastify's own 404
    const schema = request.routeOptions.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (schema?.hide) return payload;
    const where = `${request.method} ${url} → ${reply.statusCode}`;
    const responses = schema?.response;
    if (!responses) {
      violations.push(`${where}: the route documents no responses`);
      return payload;
    }
    const status = String(reply.statusCode);
    const declared = (responses[status] ?? responses[`${status[0]}xx`] ?? responses.default) as Record<string, unknown> | undefined;
    if (!declared) {
      violations.push(`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`);
      return payload;
    }
    const type = String(reply.getHeader('content-type') ?? '')
      .split(';')[0]
      .trim();
    let bodySchema: object | undefined = declared;
    if (declared.content && typeof declared.content === 'object') {
      const content = declared.content as Record<string, { schema?: object }>;
      const entry = content[type] ?? content['*/*'];
      if (!entry) {
        violations.push(`${where}: content type ${type || '(none)'} not documented (documented: ${Object.keys(content).join(', ')})`);
        return payload;
      }
      bodySchema = entry.schema;
    } else if (reply.statusCode === 204 || reply.statusCode === 302) {
      return payload;
    } else if (type !== 'application/json' && type !== '') {
      // A bare schema documents application/json only.
      violations.push(`${where}: content type ${type} answered where only application/json is documented`);
      return payload;
    }
    if (!bodySchema || type !== 'application/json') return payload;
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
    if (text === undefined) return payload;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      violations.push(`${where}: body is not JSON: ${text.slice(0, 200)}`);
      return payload;
    }
    const validate = validator(bodySchema);
    if (!validate(body)) {
      violations.push(`${where}: body does not match the documented schema: ${ajv.errorsText(validate.errors)}; body: ${text.slice(0, 300)}`);
    }
    return payload;
  });
  return violations;
}

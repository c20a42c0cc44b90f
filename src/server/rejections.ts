import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isMaruError } from '../core/errors.ts';
import type { Runtime } from '../runtime.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The error a handler or hook threw, kept for the rejected-request record. */
    rejection?: { code: string; message: string; field?: string | undefined };
  }
}

/** Where each face names the project: admin-style path params, DFINERY `service_id`, Marketap `project_id`, Notifly bodies. */
function projectOf(request: FastifyRequest): string | undefined {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  for (const v of [params.projectId, params.project_id, query.service_id, query.project_id, body.project_id]) {
    if (typeof v === 'string' && v.length > 0 && v.length <= 64) return v;
  }
  return undefined;
}

function reasonFromPayload(payload: unknown): { code: string; message: string; field?: string } | undefined {
  if (typeof payload !== 'string' || payload.length > 20_000) return undefined;
  try {
    const b = JSON.parse(payload) as Record<string, unknown>;
    // The DFINERY envelope: HTTP 200 with {status: false, code, message, data: {field, reason}}.
    if (b.status === false) {
      const data = (b.data && typeof b.data === 'object' ? b.data : {}) as Record<string, unknown>;
      const reason = typeof data.reason === 'string' ? data.reason : '';
      return {
        code: String(b.code ?? 'rejected'),
        message: [b.message, reason].filter((x) => typeof x === 'string' && x).join(': '),
        ...(typeof data.field === 'string' ? { field: data.field } : {}),
      };
    }
    const e = (b.error && typeof b.error === 'object' ? b.error : b) as Record<string, unknown>;
    const message = [e.message, e.msg, e.reason, b.message].find((x) => typeof x === 'string') as string | undefined;
    const code = [e.code, b.code, b.result].find((x) => typeof x === 'string' || typeof x === 'number');
    return message || code !== undefined ? { code: String(code ?? 'rejected'), message: message ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records the requests the data faces refuse (4xx), with their reason, per project, for the console's overview
 * (RejectedRequestsService keeps the latest per project). The admin API and the console's own files are not recorded.
 * Recording never fails the response: its errors are only logged.
 */
export function recordRejections(app: FastifyInstance, runtime: Runtime): void {
  // Recorded before the response leaves (a refusal costs one small write more, bounded per project per minute), so
  // whoever looks right after sees it.
  async function record(request: FastifyRequest, status: number) {
    if (request.rejection === undefined || status >= 500) return;
    const route = request.routeOptions.url ?? request.url.split('?')[0];
    if (route.startsWith('/admin/') || route.startsWith('/console') || route === '/docs' || route.startsWith('/docs/')) return;
    const projectId = projectOf(request);
    if (!projectId) return;
    try {
      if (!(await runtime.projects.find(projectId))) return;
      const reason = request.rejection;
      await runtime.rejectedRequests.record({
        projectId,
        method: request.method,
        route,
        status,
        code: reason.code,
        message: reason.message,
        field: reason.field,
      });
    } catch (err) {
      request.log.warn({ err }, 'could not record a rejected request');
    }
  }

  app.addHook('onError', async (request, _reply, error) => {
    if (isMaruError(error)) request.rejection = { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const status = reply.statusCode;
    if (status >= 400 && status < 500) {
      const r = reasonFromPayload(payload);
      // The core error (code, field) when one was thrown, the face's words otherwise.
      request.rejection = {
        code: request.rejection?.code ?? r?.code ?? String(status),
        message: request.rejection?.message ?? r?.message ?? '',
        field: request.rejection?.field ?? r?.field,
      };
    } else if (status === 200 && typeof payload === 'string' && payload.includes('"status":false')) {
      const r = reasonFromPayload(payload);
      if (r)
        request.rejection = {
          code: request.rejection?.code ?? r.code,
          message: request.rejection?.message ?? r.message,
          field: request.rejection?.field ?? r.field,
        };
    } else request.rejection = undefined;
    await record(request, status);
    return payload;
  });
}

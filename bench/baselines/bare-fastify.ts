/**
 * HTTP ceiling: a bare Fastify server that only parses the JSON bodies the benchmarks send and answers the same
 * small JSON maru answers. No auth, no validation, no storage. Same body limit and logger setting as maru.
 * Usage: node bench/baselines/bare-fastify.ts   → prints "bare-fastify listening on http://127.0.0.1:PORT" on stderr.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, disableRequestLogging: true });

// DFINERY import envelope
const dfineryOk = { status: true, code: '20000', message: 'OK', data: true };
app.post('/api/v1/events', async (request) => {
  const body = request.body as { events?: unknown[] };
  if (!Array.isArray(body?.events)) return { status: false, code: '40001', message: 'VALIDATION_FAILURE', data: null };
  return dfineryOk;
});

// Notifly
app.post('/authenticate', async () => ({ data: 'bare-token', error: null }));
app.post('/track-event', async (request) => {
  const body = request.body as unknown;
  if (typeof body !== 'object' || body === null) return { data: null, error: 'bad request' };
  return { data: 'ok', error: null };
});

const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write(`bare-fastify listening on ${url}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pino } from 'pino';
import { buildTestApp, createProject, type TestApp } from '../helpers/app.ts';

/**
 * Slow clients over a real socket (issue 14): with MARU_REQUEST_TIMEOUT=2 and MARU_HEADERS_TIMEOUT=1, a body dripped
 * at 1 byte/s and 300 stalled uploads are answered 408 and closed instead of held; a client that disconnects
 * mid-body is logged at info, not as an unexpected error.
 */
let t: TestApp;
let port: number;
let path: string;
let apiKey: string;
const lines: { level: number; msg: string; errorId?: string }[] = [];

beforeAll(async () => {
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  t = await buildTestApp({ config: { requestTimeoutSeconds: 2, headersTimeoutSeconds: 1 }, log });
  const { project, credentials } = await createProject(t.runtime);
  apiKey = credentials.api_key;
  path = `/v1/api/events?project_id=${project.id}`;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await t.close();
});

/** Opens a socket, sends the request head of a 1000-byte JSON body and `first` bytes of it; resolves what the server answers. */
function upload(first: string): { socket: Socket; answer: Promise<{ text: string; closedAfterMs: number }> } {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n${first}`,
  );
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  const answer = new Promise<{ text: string; closedAfterMs: number }>((resolve) =>
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started })),
  );
  return { socket, answer };
}

test('a body dripped at 1 byte/s is answered 408 and closed once the request timeout passes', async () => {
  const { socket, answer } = upload('{');
  const drip = setInterval(() => socket.writable && socket.write(' '), 1000);
  try {
    const { text, closedAfterMs } = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1900);
    expect(closedAfterMs).toBeLessThan(5000);
  } finally {
    clearInterval(drip);
  }
}, 15_000);

test('300 stalled uploads are all answered 408 and closed', async () => {
  const uploads = Array.from({ length: 300 }, () => upload('{"events":['));
  const answers = await Promise.all(uploads.map((u) => u.answer));
  expect(answers.filter((a) => /^HTTP\/1\.1 408 /.test(a.text))).toHaveLength(300);
  expect(Math.max(...answers.map((a) => a.closedAfterMs))).toBeLessThan(6000);
  // The server still answers at once.
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
}, 20_000);

test('a client that disconnects mid-body is logged at info, not as an unexpected error with an error id', async () => {
  lines.length = 0;
  const { socket, answer } = upload('{"events":[{"user_id":"a"');
  await new Promise((r) => setTimeout(r, 200));
  socket.destroy();
  await answer;
  const deadline = Date.now() + 3000;
  while (!lines.some((l) => l.msg.startsWith('client closed the connection')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(lines.filter((l) => l.msg.startsWith('client closed the connection')).map((l) => l.level)).toEqual([30]);
  expect(lines.filter((l) => l.level >= 50 || l.msg === 'unexpected error' || l.errorId)).toEqual([]);
});

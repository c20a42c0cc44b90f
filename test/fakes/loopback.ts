/**
 * The server code the HTTP(S) vendor fakes share (FCM, NHN Cloud, Twilio, web push, webhook): a real server on
 * 127.0.0.1 port 0, the request read whole and recorded, a crash in a fake's handler answered 500 and reported, and a
 * close that drops every open connection (a fake told to hang must not hold the test run). APNs (HTTP/2 streams) and
 * SMTP (smtp-server) have their own transports and use the same TLS pair and failure vocabulary.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  json: unknown;
}

/** One request as the shared server hands it to a fake: the URL parsed, the body read whole. */
export interface LoopbackRequest {
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  incoming: IncomingMessage;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` or `https://…` */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handle: (request: LoopbackRequest, response: ServerResponse) => void | Promise<void>,
  options: { tls?: { key: string; cert: string }; onCrash?: (error: unknown) => void } = {},
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const listener = (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = incoming.url ?? '/';
      const parsed = new URL(url, 'http://fake');
      const request: LoopbackRequest = {
        method: incoming.method ?? '',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks),
        incoming,
      };
      Promise.resolve()
        .then(() => handle(request, response))
        .catch((error: unknown) => {
          options.onCrash?.(error);
          if (!response.headersSent) response.writeHead(500).end();
        });
    });
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createHttpServer(listener);
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a JSON body (UTF-8) and extra headers. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

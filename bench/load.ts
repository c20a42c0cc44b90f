/**
 * Load generator: runs in its own process so its CPU is not counted as the server's.
 * Usage: node bench/load.ts '<json LoadSpec>'   → prints one JSON LoadResult line on stdout.
 *
 * One autocannon run on the same keep-alive connections throughout, as a real integration keeps its connections
 * open: a warm-up of at least `warmupSec` that also lasts until every connection has had a response (a busy server
 * accepts new connections slowly: libuv accepts one per event-loop turn), then the measured window of `durationSec`.
 * Only responses that arrive in the window count; latencies are measured here, per request, from the moment its
 * body was handed to the connection to its response.
 * A response counts as accepted only when its status and body say so (DFINERY answers HTTP 200 even for a
 * validation failure, so the status alone is not enough).
 */
import autocannon from 'autocannon';
import { dfineryBody, notiflyTrackBody, prng } from './lib/payload.ts';

export interface LoadSpec {
  url: string;
  path: string;
  method?: 'POST' | 'GET';
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  warmupSec?: number;
  /** How each body is made. */
  body: { kind: 'dfinery' } | { kind: 'notifly-track'; projectId: string } | { kind: 'fixed'; text: string };
  /** Share of requests (0..1) that resend a body the server already accepted. */
  replayRatio?: number;
  /** An accepted response has this status and its body contains this text. */
  accept: { status: number; bodyIncludes?: string };
  /** Units (events) per request, for units/s. */
  unitsPerRequest?: number;
  seed?: number;
}

export interface LoadResult {
  durationSec: number;
  /** Responses in the measured window. */
  requests: number;
  accepted: number;
  rejected: number;
  replays: number;
  firstRejection?: { status: number; body: string };
  /** Connection errors and timeouts over the whole run (warm-up included). */
  errors: number;
  timeouts: number;
  reqPerSec: number;
  unitsPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  bytesPerRequest: number;
  /** CPU seconds the load generator itself used during the measured window. */
  loadCpuSec: number;
  /** Per second of the measured window: responses and the slowest one (to see stalls). */
  perSecond: { second: number; responses: number; maxMs: number }[];
  /** Responses per connection in the measured window (fewest, most): a wide spread means some were starved. */
  perConnection: { min: number; max: number };
  /** How long the warm-up lasted, and how long until every connection had its first response. */
  warmupSec: number;
  allConnectedSec: number | null;
}

/** The longest warm-up waits for every connection to have been answered before measuring anyway. */
const MAX_WARMUP_MS = 30_000;

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const rand = prng(spec.seed ?? Date.now() ^ process.pid);
const replayRatio = spec.replayRatio ?? 0;
const warmupMs = (spec.warmupSec ?? 0) * 1000;
const RING = 2000;
const acceptedBodies: string[] = []; // bodies the server accepted (for replays)
let ringAt = 0;

const started = performance.now();
let measureFrom = Infinity;
let allConnectedAt: number | undefined;
const inWindow = (t: number) => t >= measureFrom;

const latencies: number[] = [];
const perSecond: LoadResult['perSecond'] = [];
const perClient = new Map<unknown, number>();
const counters = { accepted: 0, rejected: 0, replays: 0, bytes: 0, sent: 0, firstRejection: undefined as LoadResult['firstRejection'] };

function nextBody(): { body: string; replay: boolean } {
  if (replayRatio > 0 && acceptedBodies.length > 0 && rand() < replayRatio) {
    return { body: acceptedBodies[Math.floor(rand() * acceptedBodies.length)], replay: true };
  }
  switch (spec.body.kind) {
    case 'dfinery':
      return { body: dfineryBody(rand, Date.now()), replay: false };
    case 'notifly-track':
      return { body: notiflyTrackBody(rand, spec.body.projectId), replay: false };
    case 'fixed':
      return { body: spec.body.text, replay: false };
  }
}

/** Per request (autocannon resets the context before each request it builds; pipelining is 1). */
interface Ctx {
  body?: string;
  replay?: boolean;
  sentAt?: number;
}

let cpuAtWindow: NodeJS.CpuUsage | undefined;
const answered = new Set<unknown>();

const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const startWindow = () => {
    if (measureFrom !== Infinity) return;
    measureFrom = performance.now();
    cpuAtWindow = process.cpuUsage();
    setTimeout(() => instance.stop(), spec.durationSec * 1000);
  };
  const maybeStart = () => {
    const elapsed = performance.now() - started;
    if (elapsed >= warmupMs && (allConnectedAt !== undefined || elapsed >= MAX_WARMUP_MS)) startWindow();
  };
  setTimeout(maybeStart, warmupMs).unref();
  setTimeout(startWindow, MAX_WARMUP_MS).unref();
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      duration: (MAX_WARMUP_MS + spec.durationSec * 1000) / 1000 + 5,
      timeout: 30,
      requests: [
        {
          method: spec.method ?? 'POST',
          path: spec.path,
          headers: { 'content-type': 'application/json', ...spec.headers },
          setupRequest: (req, context) => {
            const ctx = context as Ctx;
            const { body, replay } = nextBody();
            ctx.body = body;
            ctx.replay = replay;
            ctx.sentAt = performance.now();
            if (inWindow(ctx.sentAt)) {
              counters.bytes += body.length;
              counters.sent++;
            }
            return { ...req, body };
          },
          onResponse: (status, body, context) => {
            const ctx = context as Ctx;
            const now = performance.now();
            const ok = status === spec.accept.status && (spec.accept.bodyIncludes === undefined || body.includes(spec.accept.bodyIncludes));
            if (ok && !ctx.replay && replayRatio > 0 && ctx.body) {
              if (acceptedBodies.length < RING) acceptedBodies.push(ctx.body);
              else acceptedBodies[ringAt++ % RING] = ctx.body;
            }
            if (!inWindow(now)) return;
            const latency = now - (ctx.sentAt ?? now);
            latencies.push(latency);
            const second = Math.floor((now - measureFrom) / 1000);
            perSecond[second] ??= { second, responses: 0, maxMs: 0 };
            const slot = perSecond[second];
            slot.responses++;
            if (latency > slot.maxMs) slot.maxMs = Math.round(latency);
            if (ok) {
              counters.accepted++;
              if (ctx.replay) counters.replays++;
            } else {
              counters.rejected++;
              counters.firstRejection ??= { status, body: body.slice(0, 500) };
            }
          },
        },
      ],
    },
    (err, r) => (err ? reject(err) : resolve(r)),
  );
  instance.on('response', (client) => {
    const now = performance.now();
    if (inWindow(now)) perClient.set(client, (perClient.get(client) ?? 0) + 1);
    else if (allConnectedAt === undefined) {
      answered.add(client);
      if (answered.size >= spec.connections) allConnectedAt = now;
      maybeStart();
    }
  });
});
const ended = performance.now();
const cpu = process.cpuUsage(cpuAtWindow);

const durationSec = (ended - measureFrom) / 1000;
latencies.sort((a, b) => a - b);
const pct = (q: number) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10 : NaN);
const out: LoadResult = {
  durationSec,
  requests: latencies.length,
  accepted: counters.accepted,
  rejected: counters.rejected,
  replays: counters.replays,
  firstRejection: counters.firstRejection,
  errors: result.errors,
  timeouts: result.timeouts,
  reqPerSec: counters.accepted / durationSec,
  unitsPerSec: (counters.accepted * (spec.unitsPerRequest ?? 1)) / durationSec,
  latencyMs: {
    mean: latencies.length ? Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 10) / 10 : NaN,
    p50: pct(0.5),
    p90: pct(0.9),
    p99: pct(0.99),
    max: latencies.length ? Math.round(latencies[latencies.length - 1]) : NaN,
  },
  bytesPerRequest: counters.sent ? Math.round(counters.bytes / counters.sent) : 0,
  loadCpuSec: (cpu.user + cpu.system) / 1e6,
  perSecond: Array.from(perSecond, (x, i) => x ?? { second: i, responses: 0, maxMs: 0 }),
  perConnection: { min: perClient.size < spec.connections ? 0 : Math.min(...perClient.values()), max: Math.max(0, ...perClient.values()) },
  warmupSec: (measureFrom - started) / 1000,
  allConnectedSec: allConnectedAt === undefined ? null : (allConnectedAt - started) / 1000,
};
process.stdout.write(JSON.stringify(out) + '\n');

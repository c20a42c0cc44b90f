/**
 * Which database errors are faults of the database itself (full disk, read-only file, connection lost, server
 * restarting) rather than of the data a unit wrote. A fault is transient: the same write succeeds once the database is
 * back, so callers answer "retry later" (503 with Retry-After) and the queue retries without blaming the job. Anything
 * else a query throws (a constraint, a value the column cannot hold) is a data error: retrying it fails the same way.
 */

/** SQLite primary result codes that say the database cannot write now (https://sqlite.org/rescode.html). */
const SQLITE_FAULTS: Record<number, string> = {
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
};

/** PostgreSQL SQLSTATE classes and codes of the server or the connection, not the data (appendix A of its manual). */
const PG_FAULT_CLASSES = new Set(['08', '53', '57', '58']);
const PG_FAULT_CODES = new Set(['25006', '40001', '40P01', '55P03']);

/** Connection-level errors of the pg driver and the socket under it. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const PG_CLIENT_MESSAGES = [
  /^Connection terminated/,
  /Client has encountered a connection error/,
  /timeout exceeded when trying to connect/,
  /Client was closed and is not queryable/,
  /^terminating connection/,
];

/**
 * The name of the database fault behind `err` (e.g. `SQLITE_FULL`, `postgres 57P01`, `ECONNREFUSED`), or undefined
 * when `err` is not one. Looks through `cause` chains.
 */
export function storeFault(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: unknown; errcode?: unknown; message?: unknown };
    if (x.code === 'ERR_SQLITE_ERROR' && typeof x.errcode === 'number') {
      const name = SQLITE_FAULTS[x.errcode & 0xff];
      if (name) return name;
      continue;
    }
    if (typeof x.code === 'string') {
      if (/^[0-9A-Z]{5}$/.test(x.code) && (PG_FAULT_CLASSES.has(x.code.slice(0, 2)) || PG_FAULT_CODES.has(x.code))) return `postgres ${x.code}`;
      if (NET_CODES.has(x.code)) return x.code;
    }
    if (typeof x.message === 'string' && PG_CLIENT_MESSAGES.some((re) => re.test(x.message as string))) return 'postgres connection lost';
  }
  return undefined;
}

/** A short description of a database error for a log line: the fault name or SQLSTATE/code, never row values. */
export function describeStoreError(err: unknown): string {
  const fault = storeFault(err);
  if (fault) return fault;
  const x = err as { code?: unknown; errstr?: unknown };
  if (typeof x?.code === 'string') return typeof x.errstr === 'string' ? `${x.code}: ${x.errstr}` : x.code;
  return err instanceof Error ? err.name : typeof err;
}

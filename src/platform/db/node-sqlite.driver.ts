import { DatabaseSync, type StatementSync, type SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Presents Node's built-in `node:sqlite` as the better-sqlite3-shaped database Kysely's SqliteDialect drives.
 * Differences it smooths over, and nothing else:
 * - node:sqlite takes parameters spread, Kysely passes an array;
 * - node:sqlite cannot bind booleans or undefined (stored as 1/0 and NULL);
 * - Kysely prepares every query; prepared statements are cached by SQL text here.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  #cache = new Map<string, WrappedStatement>();
  #cacheLimit: number;

  constructor(path: string, options: { readOnly?: boolean; cacheLimit?: number } = {}) {
    this.raw = new DatabaseSync(path, { readOnly: options.readOnly ?? false, timeout: 10_000 });
    this.#cacheLimit = options.cacheLimit ?? 500;
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.#cache.get(sql);
    if (!stmt) {
      stmt = new WrappedStatement(this.raw.prepare(sql));
      if (this.#cache.size >= this.#cacheLimit) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    this.#cache.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}

function bind(params: ReadonlyArray<unknown>): SQLInputValue[] {
  const out = new Array<SQLInputValue>(params.length);
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    out[i] = p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : (p as SQLInputValue);
  }
  return out;
}

class WrappedStatement implements SqliteStatement {
  readonly reader: boolean;
  #stmt: StatementSync;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...bind(parameters));
  }
  run(parameters: ReadonlyArray<unknown>) {
    const r = this.#stmt.run(...bind(parameters));
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...bind(parameters)) as IterableIterator<unknown>;
  }
}

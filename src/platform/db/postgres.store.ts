import type { Store } from './store.ts';

/** Placeholder until the scale-mode adapter lands: selecting PostgreSQL fails clearly at start-up. */
export class PostgresStore {
  constructor(_: { url: string }) {
    throw new Error('MARU_DATABASE_URL is set, but this build has no PostgreSQL store yet; unset it to use the embedded store');
  }
}
export type { Store };

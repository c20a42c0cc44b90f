/** Rows of store_probe (migration 085): one row the readiness check rewrites to learn whether writes work again. */
export interface StoreProbeRow {
  id: number;
  at: number;
}

declare module './schema.ts' {
  interface Database {
    store_probe: StoreProbeRow;
  }
}

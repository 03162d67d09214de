import type { BillingDb } from './db.js';

/** A voucher rate table's columns as saved (the rates as JSON text). */
export type RateTableValues = { municipality: string; area_id: string; valid_from: string; valid_to: string | null; rates: string };

export function findRateTable(db: BillingDb, rateTableId: string) {
  return db.selectFrom('rate_tables').selectAll().where('rate_table_id', '=', rateTableId).executeTakeFirst();
}

export async function upsertRateTable(db: BillingDb, rateTableId: string, values: RateTableValues): Promise<void> {
  await db
    .insertInto('rate_tables')
    .values({ rate_table_id: rateTableId, ...values })
    .onConflict((oc) => oc.column('rate_table_id').doUpdateSet(values))
    .execute();
}

/** The rate tables of an area, every municipality's, oldest validity first. */
export function rateTablesOfArea(db: BillingDb, areaId: string) {
  return db.selectFrom('rate_tables').selectAll().where('area_id', '=', areaId).orderBy('valid_from').execute();
}

export function findUnitRateTable(db: BillingDb, unitRateTableId: string) {
  return db.selectFrom('unit_rate_tables').selectAll().where('unit_rate_table_id', '=', unitRateTableId).executeTakeFirst();
}

export async function upsertUnitRateTable(db: BillingDb, unitRateTableId: string, values: RateTableValues): Promise<void> {
  await db
    .insertInto('unit_rate_tables')
    .values({ unit_rate_table_id: unitRateTableId, ...values })
    .onConflict((oc) => oc.column('unit_rate_table_id').doUpdateSet(values))
    .execute();
}

/** The per-unit tables of an area, by municipality, oldest validity first. */
export function unitRateTablesOfArea(db: BillingDb, areaId: string) {
  return db.selectFrom('unit_rate_tables').selectAll().where('area_id', '=', areaId).orderBy('municipality').orderBy('valid_from').execute();
}

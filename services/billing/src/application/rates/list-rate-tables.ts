import { rateTablesOfArea } from '../../store/rate-tables.js';
import type { QueryContext } from '../context.js';

/** The voucher rate tables of an area, oldest validity first; configuration every role that prices or checks a payment may read. */
export async function listRateTables(ctx: QueryContext, input: { areaId: string }) {
  const rows = await rateTablesOfArea(ctx.db, input.areaId);
  return rows.map((r) => ({ rateTableId: r.rate_table_id, municipality: r.municipality, areaId: r.area_id, validFrom: r.valid_from, validTo: r.valid_to, rates: r.rates }));
}

import { unitRateTablesOfArea } from '../../store/rate-tables.js';
import type { QueryContext } from '../context.js';

/** The per-unit voucher tables of an area, by municipality and validity. */
export async function listUnitRateTables(ctx: QueryContext, input: { areaId: string }) {
  const rows = await unitRateTablesOfArea(ctx.db, input.areaId);
  return rows.map((r) => ({ unitRateTableId: r.unit_rate_table_id, municipality: r.municipality, areaId: r.area_id, validFrom: r.valid_from, validTo: r.valid_to, rates: r.rates }));
}

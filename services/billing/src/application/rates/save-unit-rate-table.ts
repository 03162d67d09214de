import { DomainError, validateVoucherAreaDefinition } from '@kundval/domain';
import { audit, conflict, invalid } from '@kundval/platform';
import { loadUnitRateTables, unitArea } from '../../areas.js';
import { findUnitRateTable, upsertUnitRateTable } from '../../store/rate-tables.js';
import type { Outcome, UseCaseContext } from '../context.js';

export type UnitRateTable = {
  municipality: string;
  areaId: string;
  validFrom: string;
  validTo: string | null;
  rates: Array<{ level: string; providerKind: 'municipal' | 'private'; orePerUnit: number }>;
};

/** Where a domain refusal of a unit table points: a 400 naming the field for a bad table, a 409 for a clash with the other tables. */
function unitTableRefusal(err: DomainError) {
  switch (err.code) {
    case 'DOMAIN.UNKNOWN_LEVEL':
    case 'DOMAIN.RATE_MISSING':
    case 'DOMAIN.RATE_TABLE_DUPLICATE_RATE':
      return invalid(err.code, err.message, { field: 'body.rates' });
    case 'DOMAIN.RATE_TABLE_OVERLAP':
    case 'DOMAIN.RATE_TABLE_GAP':
      return conflict(err.code, err.message);
    default:
      return invalid(err.code, err.message, { field: 'body' });
  }
}

/**
 * Finance creates or replaces a per-unit voucher table. The area's definition with the
 * municipality's other tables and this one must still be valid (packages/domain): every level
 * priced for both provider kinds, no overlap and no gap in time.
 */
export async function saveUnitRateTable(ctx: UseCaseContext, input: { unitRateTableId: string; table: UnitRateTable }): Promise<Outcome<{ unitRateTableId: string }>> {
  const { unitRateTableId: id, table } = input;
  const area = unitArea(table.areaId);
  if (!area) throw invalid('BILLING.UNKNOWN_AREA', `${table.areaId} is not an area paid per unit.`, { field: 'body.areaId' });
  const before = await findUnitRateTable(ctx.db, id);
  const others = (await loadUnitRateTables(ctx.db, table.municipality, table.areaId)).filter((t) => t.id !== id);
  try {
    validateVoucherAreaDefinition({ ...area, rateTables: [...others, { id, ...table }] });
  } catch (err) {
    if (err instanceof DomainError) throw unitTableRefusal(err);
    throw err;
  }
  await upsertUnitRateTable(ctx.db, id, { municipality: table.municipality, area_id: table.areaId, valid_from: table.validFrom, valid_to: table.validTo, rates: JSON.stringify(table.rates) });
  await audit(ctx.db, ctx.principal, { action: 'unit-rate-table.saved', entity: 'unit-rate-table', entityId: id, before: before ?? null, after: table, correlationId: ctx.correlationId });
  return { result: { unitRateTableId: id }, created: false, events: [] };
}

import { audit } from '@kundval/platform';
import { findRateTable, upsertRateTable } from '../../store/rate-tables.js';
import type { Outcome, UseCaseContext } from '../context.js';

export type RateTable = {
  municipality: string;
  areaId: string;
  validFrom: string;
  validTo: string | null;
  rates: Array<{ kind: 'care' | 'service'; band: string; providerKind: 'municipal' | 'private'; orePerHour: number }>;
};

/** Finance creates or replaces a voucher rate table (öre per hour by kind, band and provider kind); the table is data, audited with what it replaced. */
export async function saveRateTable(ctx: UseCaseContext, input: { rateTableId: string; table: RateTable }): Promise<Outcome<{ rateTableId: string }>> {
  const { rateTableId, table } = input;
  const before = await findRateTable(ctx.db, rateTableId);
  await upsertRateTable(ctx.db, rateTableId, { municipality: table.municipality, area_id: table.areaId, valid_from: table.validFrom, valid_to: table.validTo, rates: JSON.stringify(table.rates) });
  await audit(ctx.db, ctx.principal, { action: 'rate-table.saved', entity: 'rate-table', entityId: rateTableId, before: before ?? null, after: table, correlationId: ctx.correlationId });
  return { result: { rateTableId }, created: false, events: [] };
}

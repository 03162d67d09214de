import { z } from 'zod';
import { audit } from '@kundval/platform';
import { importRows, readCsv, type ImportRejection } from '../../imports/csv-import.js';
import { VisitReport, lockOrderDeliveries, recordVisit } from '../../visits/record-visit.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';

// The file's limits, for the adapter's body parser: what a file may weigh and hold.
export { MAX_CSV_BYTES, MAX_ROWS } from '../../imports/csv-import.js';

/** The columns a time-registration system exports, in this order (semicolon-separated, a header row). */
export const VISIT_CSV_COLUMNS = ['external_id', 'kind', 'start', 'end'] as const;

// Column names as the file has them, so that a reason names the column the provider can find.
const CsvVisitRow = z.object({ external_id: VisitReport.shape.externalId, kind: VisitReport.shape.kind, start: VisitReport.shape.start, end: VisitReport.shape.end });

export type ImportVisits = {
  orderId: string;
  /** The file's text; read (its header checked) once the order is found, so an unknown order is a 404 whatever the file. */
  csv: string;
};
export type VisitsImported = { imported: number; unchanged: number; rejected: ImportRejection[] };

/**
 * The provider imports an order's delivered visits from its time registration's CSV export: each row
 * is recorded by the rules of a reported visit in a savepoint of its own, so good rows are kept and
 * each bad row is listed with its line, reason and code. Re-sending a file is safe.
 */
export async function importVisits(ctx: UseCaseContext, input: ImportVisits): Promise<Outcome<VisitsImported>> {
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId, 'No such order (it may not have reached billing yet).');
  const file = readCsv(input.csv, VISIT_CSV_COLUMNS, 'visits');
  // Once for the file, outside the rows' savepoints, so a refused row does not give it up.
  await lockOrderDeliveries(ctx.db, order.order_id);
  const { created: imported, unchanged, rejected } = await importRows(ctx.db, file, {
    columns: VISIT_CSV_COLUMNS,
    schema: CsvVisitRow,
    what: 'visit',
    concurrentCode: 'BILLING.VISIT_CONCURRENT',
    record: async (v, where) => {
      const { created } = await recordVisit(ctx.db, order, { externalId: v.external_id, kind: v.kind, start: v.start, end: v.end }, where);
      return { created, value: v.external_id };
    },
  });
  await audit(ctx.db, ctx.principal, {
    action: 'visits.imported',
    entity: 'order',
    entityId: order.order_id,
    after: { imported, unchanged, rejected: rejected.map(({ line, externalId, code }) => ({ line, externalId, code })) },
    correlationId: ctx.correlationId,
  });
  return { result: { imported: imported.length, unchanged, rejected }, created: false, events: [] };
}

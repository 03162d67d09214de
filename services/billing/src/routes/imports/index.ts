import { z } from 'zod';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import { AppError, ErrorBody, assertProviderScope, audit, commandRunner, invalid, isUniqueViolation, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { lockOrderDeliveries, recordVisit } from '../../visits/record-visit.js';
import { VisitReport } from '../visits/index.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** The columns a time-registration system exports, in this order (semicolon-separated, a header row). */
const COLUMNS = ['external_id', 'kind', 'start', 'end'] as const;
/** A month of visits of one order is a few hundred rows; the limits stop a wrong file, not a real one. */
export const MAX_ROWS = 5000;
export const MAX_CSV_BYTES = 1024 * 1024;

// Column names as the file has them, so that a reason names the column the provider can find.
const CsvVisitRow = z.object({ external_id: VisitReport.shape.externalId, kind: VisitReport.shape.kind, start: VisitReport.shape.start, end: VisitReport.shape.end });

const Rejection = z.object({
  line: z.number().describe('Line in the file, the header being line 1'),
  externalId: z.string().nullable(),
  reason: z.string(),
  code: z.string().describe('A stable code: BILLING.CSV_ROW for a malformed row, otherwise the code the JSON route would answer with'),
});
const ImportResult = z.object({
  imported: z.number().describe('Visits recorded by this file'),
  unchanged: z.number().describe('Rows that repeat a visit recorded before with the same details'),
  rejected: z.array(Rejection),
});

/** Delivered visits from a file, for providers whose time registration exports CSV rather than calling the API. */
export function importRoutes({ db, afterCommit }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
  return async (app) => {
    // Registered inside this encapsulated plugin: text/csv is a body only these routes accept.
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));

    app.post(
      '/orders/:orderId/visits/import',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'Import delivered visits from a CSV file',
          description:
            'A `text/csv` body: a header row `external_id;kind;start;end`, then one visit per row (start and end as ISO instants with an offset). Each row is checked like a visit sent to POST /orders/{orderId}/visits; good rows are recorded, each bad row is listed with its line and reason and changes nothing. Re-sending a file is safe.',
          tags: ['visits'],
          consumes: ['text/csv'],
          params: z.object({ orderId: z.uuid() }),
          body: z.string(),
          response: { 200: ImportResult, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const order = await trx.selectFrom('orders').selectAll().where('order_id', '=', req.params.orderId).executeTakeFirst();
          if (!order) throw notFound('BILLING.ORDER_NOT_FOUND', 'No such order (it may not have reached billing yet).');
          assertProviderScope(req.principal, order.provider_id);
          const file = readCsv(req.body, COLUMNS, 'visits');

          // Once for the file, outside the rows' savepoints, so a refused row does not give it up.
          await lockOrderDeliveries(trx, order.order_id);
          const { created: imported, unchanged, rejected } = await importRows(trx, file, {
            columns: COLUMNS,
            schema: CsvVisitRow,
            what: 'visit',
            concurrentCode: 'BILLING.VISIT_CONCURRENT',
            record: async (v, where) => {
              const { created } = await recordVisit(trx, order, { externalId: v.external_id, kind: v.kind, start: v.start, end: v.end }, where);
              return { created, value: v.external_id };
            },
          });
          await audit(trx, req.principal, {
            action: 'visits.imported',
            entity: 'order',
            entityId: order.order_id,
            after: { imported, unchanged, rejected: rejected.map(({ line, externalId, code }) => ({ line, externalId, code })) },
            correlationId: req.correlationId,
          });
          return { status: 200, body: { imported: imported.length, unchanged, rejected } };
        }),
    );
  };
}

/**
 * The data rows with their line numbers, and the lines the CSV reader could not make a row of.
 * A file whose header is not `columns` is refused whole: its columns cannot be trusted. `what` names
 * the rows in refusals (visits, sessions).
 */
export function readCsv(text: string, columns: readonly string[], what: string): { rows: { line: number; fields: string[] }[]; unreadable: { line: number; reason: string }[] } {
  const unreadable: { line: number; reason: string }[] = [];
  const records = parse(text, {
    delimiter: ';',
    bom: true,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    // A stray quote inside a field is taken literally rather than derailing every row after it.
    relax_quotes: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      // csv-parse puts the line where the bad record ends on the error; its type leaves it unknown.
      unreadable.push({ line: typeof err?.['lines'] === 'number' ? err['lines'] : 0, reason: err?.message ?? 'unreadable row' });
      return undefined;
    },
  }) as unknown as { info: { lines: number }; record: string[] }[];
  const [header, ...data] = records;
  if (!header) throw invalid('BILLING.CSV_EMPTY', `The file has no header row and no ${what}.`, { field: 'body' });
  const names = header.record.map((h) => h.trim().toLowerCase());
  if (names.length !== columns.length || names.some((n, i) => n !== columns[i]))
    throw invalid('BILLING.CSV_HEADER', `The first line must be the header ${columns.join(';')}, found ${header.record.join(';')}.`, { field: 'body' });
  if (data.length > MAX_ROWS) throw invalid('BILLING.CSV_TOO_MANY_ROWS', `A file holds at most ${MAX_ROWS} ${what}; split it.`, { field: 'body' });
  return { rows: data.map((r) => ({ line: r.info.lines, fields: r.record })), unreadable };
}

/** One refused row of an import, as the answer lists it. */
export type ImportRejection = z.infer<typeof Rejection>;

/**
 * The rows of an import file, each checked against `schema` (keyed by the file's column names) and
 * recorded by `record` in a savepoint of its own: a refused row leaves nothing behind and the rows
 * around it stay. Malformed rows are `BILLING.CSV_ROW`; a refusal carries the code the JSON route
 * would answer with; two requests racing on one row get `concurrentCode`, to send the row again.
 */
export async function importRows<Row, Recorded>(
  trx: Parameters<Parameters<ReturnType<typeof commandRunner>>[2]>[0],
  file: ReturnType<typeof readCsv>,
  spec: { columns: readonly string[]; schema: z.ZodType<Row>; record: (row: Row, where: string) => Promise<{ created: boolean; value: Recorded }>; concurrentCode: string; what: string },
): Promise<{ created: Recorded[]; unchanged: number; rejected: ImportRejection[] }> {
  const rejected: ImportRejection[] = file.unreadable.map((u) => ({ ...u, externalId: null, code: 'BILLING.CSV_ROW' }));
  const created: Recorded[] = [];
  let unchanged = 0;
  for (const { line, fields } of file.rows) {
    const externalId = fields[0]?.trim() || null;
    if (fields.length !== spec.columns.length) {
      rejected.push({ line, externalId, reason: `expected ${spec.columns.length} columns, found ${fields.length}`, code: 'BILLING.CSV_ROW' });
      continue;
    }
    const parsed = spec.schema.safeParse(Object.fromEntries(spec.columns.map((c, i) => [c, fields[i]!.trim()])));
    if (!parsed.success) {
      rejected.push({ line, externalId, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), code: 'BILLING.CSV_ROW' });
      continue;
    }
    await sql`savepoint import_row`.execute(trx);
    try {
      const outcome = await spec.record(parsed.data, `line ${line}`);
      await sql`release savepoint import_row`.execute(trx);
      if (outcome.created) created.push(outcome.value);
      else unchanged++;
    } catch (err) {
      await sql`rollback to savepoint import_row`.execute(trx);
      if (err instanceof AppError) rejected.push({ line, externalId, reason: err.message, code: err.code });
      else if (isUniqueViolation(err)) rejected.push({ line, externalId, reason: `The same ${spec.what} was reported at the same moment by another request; send the row again.`, code: spec.concurrentCode });
      else throw err;
    }
  }
  rejected.sort((a, b) => a.line - b.line);
  return { created, unchanged, rejected };
}

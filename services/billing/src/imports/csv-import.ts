import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { AppError, invalid, isUniqueViolation } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';

/** A month of visits of one order is a few hundred rows; the limits stop a wrong file, not a real one. */
export const MAX_ROWS = 5000;
export const MAX_CSV_BYTES = 1024 * 1024;

/** A CSV file read into rows, the header checked: what {@link importRows} records. */
export type CsvFile = { rows: { line: number; fields: string[] }[]; unreadable: { line: number; reason: string }[] };

/**
 * The data rows with their line numbers, and the lines the CSV reader could not make a row of.
 * A file whose header is not `columns` is refused whole: its columns cannot be trusted. `what` names
 * the rows in refusals (visits, sessions).
 */
export function readCsv(text: string, columns: readonly string[], what: string): CsvFile {
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
export type ImportRejection = { line: number; externalId: string | null; reason: string; code: string };

/**
 * The rows of an import file, each checked against `schema` (keyed by the file's column names) and
 * recorded by `record` in a savepoint of its own: a refused row leaves nothing behind and the rows
 * around it stay. Malformed rows are `BILLING.CSV_ROW`; a refusal carries the code the JSON route
 * would answer with; two requests racing on one row get `concurrentCode`, to send the row again.
 */
export async function importRows<Row, Recorded>(
  trx: BillingDb,
  file: CsvFile,
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

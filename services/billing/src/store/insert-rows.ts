import { CompiledQuery, type Insertable } from 'kysely';
import type { BillingTables } from './schema.js';
import type { MessagingTables } from '@kundval/platform';
import type { BillingDb } from './db.js';

type Tables = BillingTables & MessagingTables;

/**
 * `insert into <table> (<columns>) values ($1, …), …`, built once per table and columns for the
 * most rows asked for; a statement of fewer rows is its prefix (`ends[n]`: where the n-th tuple ends).
 * The billing run writes hundreds of thousands of rows in pages of a few hundred; compiling each
 * page through Kysely's query builder (a node per value, then the SQL text) cost more of its CPU
 * than pricing some of them (bench/README.md § 13).
 */
const statements = new Map<string, { text: string; ends: number[] }>();

function statementFor(table: string, columns: readonly string[], rows: number): string {
  const key = `${table}|${columns.join(',')}`;
  let built = statements.get(key);
  if (built === undefined || built.ends.length <= rows) {
    const width = columns.length;
    let text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values `;
    const ends = [text.length];
    for (let r = 0; r < rows; r++) {
      const params: string[] = [];
      for (let c = 1; c <= width; c++) params.push(`$${r * width + c}`);
      text += `${r === 0 ? '' : ', '}(${params.join(', ')})`;
      ends.push(text.length);
    }
    built = { text, ends };
    statements.set(key, built);
  }
  return built.text.slice(0, built.ends[rows]);
}

/**
 * Inserts `rows` into `table`, `chunkSize` rows per statement, as Kysely's `insertInto(table).values(rows)`
 * would (the same SQL: plain parameters, typed by their columns, in the connection's search path),
 * without compiling a query per chunk. Every row gives every one of `columns`; the table and column
 * names are the schema's, never input.
 */
export async function insertRows<T extends keyof Tables & string, C extends keyof Insertable<Tables[T]> & string>(
  db: BillingDb,
  table: T,
  columns: readonly C[],
  rows: ReadonlyArray<{ [K in C]: Insertable<Tables[T]>[K] }>,
  chunkSize = 500,
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunkSize) {
    const end = Math.min(rows.length, i + chunkSize);
    const params: unknown[] = [];
    for (let r = i; r < end; r++) {
      const row = rows[r]!;
      for (const c of columns) params.push(row[c]);
    }
    await db.executeQuery(CompiledQuery.raw(statementFor(table, columns, end - i), params));
  }
}

import { sql, type Migration } from 'kysely';

/**
 * Payees by Bankgiro, Plusgiro or IBAN with BIC, and SIE voucher numbers that stay the same however
 * often a month is exported (ADR 0031). After the audit agent's 0801; numbered 0910 to leave room
 * for other changes of the 09xx series.
 */
export const payeeAccountMigrations: Record<string, Migration> = {
  '0910_payee_accounts_sie_numbers': {
    async up(db) {
      for (const table of ['provider_accounts', 'payment_batch_items'] as const) {
        await db.schema
          .alterTable(table)
          .addColumn('account_kind', 'text', (c) => c.notNull().defaultTo('bankgiro').check(sql`account_kind in ('bankgiro', 'plusgiro', 'iban')`))
          .execute();
        await db.schema.alterTable(table).addColumn('account_number', 'text').execute();
        // Only an IBAN payee has one: the giro systems route by number.
        await db.schema.alterTable(table).addColumn('bic', 'text').execute();
        await sql`update ${sql.table(table)} set account_number = bankgiro`.execute(db);
        await db.schema.alterTable(table).alterColumn('account_number', (c) => c.setNotNull()).execute();
        // Kept for what was written before; a Plusgiro or IBAN payee has none.
        await db.schema.alterTable(table).alterColumn('bankgiro', (c) => c.dropNotNull()).execute();
      }
      await db.schema
        .createTable('sie_series')
        .addColumn('series', 'text', (c) => c.primaryKey())
        .addColumn('last_number', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sie_voucher_numbers')
        // What the voucher records: `payment`, `recharge`, `invoice`, `incoming`, and that row's id.
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('series', 'text', (c) => c.notNull())
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('numbered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('sie_voucher_numbers_pk', ['source', 'source_id'])
        .addUniqueConstraint('sie_voucher_numbers_series_number', ['series', 'number'])
        .execute();
    },
  },
};

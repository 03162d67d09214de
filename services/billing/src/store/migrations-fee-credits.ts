import { sql, type Migration } from 'kysely';

/** Fees charged too high, credited to the customer and set off against their next fee invoice (ADR 0039). */
export const feeCreditMigrations: Record<string, Migration> = {
  '0940_fee_credits': {
    async up(db) {
      // What open credits settled of an invoice when it was made; the customer pays `fee_ore - set_off_ore` by its OCR.
      await db.schema.alterTable('fee_invoices').addColumn('set_off_ore', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // Why a credit note (fee_ore < 0) was made; null for a charge.
      await db.schema.alterTable('fee_invoices').addColumn('cause', 'text').execute();
      await db.schema
        .createTable('fee_credits')
        // The credit note's own invoice id: one credit per credit note.
        .addColumn('credit_id', 'uuid', (c) => c.primaryKey().references('fee_invoices.invoice_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('amount_ore', 'integer', (c) => c.notNull().check(sql`amount_ore > 0`))
        .addColumn('remaining_ore', 'integer', (c) => c.notNull().check(sql`remaining_ore >= 0`))
        .addColumn('cause', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'set-off', 'to-return')`))
        // The day the rest was given up for payback, and how much.
        .addColumn('returned_ore', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('return_decided_on', 'date')
        .addColumn('created_on', 'date', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('fee_credits_open').on('fee_credits').columns(['customer_id', 'status', 'created_at']).execute();
      await db.schema
        .createTable('fee_credit_set_offs')
        .addColumn('credit_id', 'uuid', (c) => c.notNull().references('fee_credits.credit_id'))
        .addColumn('invoice_id', 'uuid', (c) => c.notNull().references('fee_invoices.invoice_id'))
        .addColumn('amount_ore', 'integer', (c) => c.notNull().check(sql`amount_ore > 0`))
        .addColumn('period_month', 'char(7)', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('fee_credit_set_offs_pk', ['credit_id', 'invoice_id'])
        .execute();
    },
  },
};

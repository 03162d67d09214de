import { sql, type Migration } from 'kysely';

/** Credits against providers invoiced back when no payment came to set them off against (ADR 0034, ADR 0039). */
export const providerInvoiceMigrations: Record<string, Migration> = {
  '0941_provider_invoices': {
    async up(db) {
      await db.schema
        .createTable('provider_invoices')
        .addColumn('invoice_id', 'uuid', (c) => c.primaryKey())
        .addColumn('invoice_number', 'serial', (c) => c.notNull().unique())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('amount_ore', 'integer', (c) => c.notNull().check(sql`amount_ore > 0`))
        .addColumn('ocr_reference', 'text', (c) => c.notNull().unique())
        .addColumn('issued_on', 'date', (c) => c.notNull())
        .addColumn('due_date', 'date', (c) => c.notNull())
        .addColumn('period_month', 'char(7)', (c) => c.notNull())
        .addColumn('issued_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('provider_invoice_items')
        // A credit is invoiced once; once invoiced it is no longer set off in a payment batch.
        .addColumn('payment_id', 'uuid', (c) => c.primaryKey().references('provider_payments.payment_id'))
        .addColumn('invoice_id', 'uuid', (c) => c.notNull().references('provider_invoices.invoice_id'))
        .addColumn('amount_ore', 'integer', (c) => c.notNull().check(sql`amount_ore < 0`))
        .execute();
      await db.schema.alterTable('incoming_payments').addColumn('provider_invoice_id', 'uuid', (c) => c.references('provider_invoices.invoice_id')).execute();
    },
  },
};

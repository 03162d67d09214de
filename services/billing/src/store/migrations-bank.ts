import { sql, type Migration } from 'kysely';

/** The bank's answers (pain.002 status reports), incoming payments of fee invoices (BgMax, camt.054), credits and reminders (ADR 0021). */
export const bankMigrations: Record<string, Migration> = {
  '0701_bank_answers_incoming_payments': {
    async up(db) {
      // What the bank's status report said about an item that it did not reject.
      await db.schema.alterTable('payment_batch_items').addColumn('bank_status', 'text').execute();
      await db.schema
        .createTable('payment_status_reports')
        // The report's MsgId: the same report imported twice is found here and changes nothing.
        .addColumn('message_id', 'text', (c) => c.primaryKey())
        .addColumn('batch_id', 'uuid', (c) => c.notNull().references('payment_batches.batch_id'))
        .addColumn('group_status', 'text')
        .addColumn('report', 'jsonb', (c) => c.notNull())
        .addColumn('imported_by', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('incoming_payment_files')
        .addColumn('file_id', 'uuid', (c) => c.primaryKey())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('file_reference', 'text', (c) => c.notNull())
        .addColumn('imported_by', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('incoming_payment_files_reference', ['format', 'file_reference'])
        .execute();
      await db.schema
        .createTable('incoming_payments')
        .addColumn('payment_id', 'uuid', (c) => c.primaryKey())
        .addColumn('file_id', 'uuid', (c) => c.notNull().references('incoming_payment_files.file_id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('position', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('bank_reference', 'text')
        .addColumn('reference', 'text')
        .addColumn('amount_ore', 'bigint', (c) => c.notNull())
        .addColumn('payment_date', 'date', (c) => c.notNull())
        .addColumn('payer_name', 'text')
        .addColumn('information', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('unmatched_reason', 'text')
        .addColumn('invoice_id', 'uuid', (c) => c.references('fee_invoices.invoice_id'))
        .addColumn('applied_ore', 'bigint', (c) => c.notNull())
        .addColumn('credit_ore', 'bigint', (c) => c.notNull())
        .addColumn('period_month', 'char(7)', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('incoming_payments_file_seq', ['file_id', 'seq'])
        .execute();
      // One payment, one row, even when the bank delivers it again in another file.
      await db.schema.createIndex('incoming_payments_bank_reference').on('incoming_payments').columns(['format', 'bank_reference']).unique().where(sql.ref('bank_reference'), 'is not', null).execute();
      await db.schema.createIndex('incoming_payments_invoice').on('incoming_payments').column('invoice_id').execute();
      await db.schema.createIndex('incoming_payments_status').on('incoming_payments').columns(['status', 'payment_date']).execute();
      await db.schema
        .createTable('customer_credits')
        .addColumn('credit_id', 'uuid', (c) => c.primaryKey())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('invoice_id', 'uuid', (c) => c.notNull().references('fee_invoices.invoice_id'))
        .addColumn('incoming_payment_id', 'uuid', (c) => c.notNull().unique().references('incoming_payments.payment_id'))
        .addColumn('amount_ore', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('fee_reminders')
        // One reminder per invoice.
        .addColumn('invoice_id', 'uuid', (c) => c.primaryKey().references('fee_invoices.invoice_id'))
        .addColumn('due_date', 'date', (c) => c.notNull())
        .addColumn('balance_ore', 'bigint', (c) => c.notNull())
        .addColumn('reminded_on', 'date', (c) => c.notNull())
        .addColumn('reminded_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
};

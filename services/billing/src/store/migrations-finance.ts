import { sql, type Migration } from 'kysely';

/** Migrations of the finance tables (payment files, provider accounts). Numbered 01xx to sort after the billing core's. */
export const financeMigrations: Record<string, Migration> = {
  '0101_finance_payment_batches': {
    async up(db) {
      await db.schema
        .createTable('provider_accounts')
        .addColumn('provider_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('bankgiro', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('payment_batches')
        .addColumn('batch_id', 'uuid', (c) => c.primaryKey())
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('execution_date', 'date', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('retry_of', 'uuid', (c) => c.references('payment_batches.batch_id'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('sent_at', 'timestamptz')
        .execute();
      await db.schema
        .createTable('payment_batch_items')
        .addColumn('batch_id', 'uuid', (c) => c.notNull().references('payment_batches.batch_id'))
        .addColumn('payment_id', 'uuid', (c) => c.notNull().references('provider_payments.payment_id'))
        .addColumn('end_to_end_id', 'text', (c) => c.notNull().unique())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('order_id', 'uuid', (c) => c.notNull())
        .addColumn('creditor_name', 'text', (c) => c.notNull())
        .addColumn('bankgiro', 'text', (c) => c.notNull())
        .addColumn('amount_ore', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('rejection_reason', 'text')
        .addColumn('retried_in', 'uuid', (c) => c.references('payment_batches.batch_id'))
        .addPrimaryKeyConstraint('payment_batch_items_pk', ['batch_id', 'payment_id'])
        .execute();
      // A payment is paid by at most one batch: a rejected item no longer counts, so that exactly
      // one retry batch can carry the payment again; two concurrent batches collide here.
      await db.schema
        .createIndex('payment_batch_items_one_live_item')
        .on('payment_batch_items')
        .column('payment_id')
        .unique()
        .where(sql.ref('status'), '<>', 'rejected')
        .execute();
      await db.schema.createIndex('payment_batch_items_provider').on('payment_batch_items').columns(['batch_id', 'provider_id']).execute();
    },
  },
};

import { sql, type Migration } from 'kysely';

/**
 * Migrations of corrections, unit areas and billing runs (ADR 0011). Numbered 02xx to sort after
 * the finance tables. Payments and invoices become append-only delta rows keyed by a basis, with the
 * period they are booked in; unit areas get their deliveries and rate tables.
 */
export const correctionMigrations: Record<string, Migration> = {
  '0201_corrections_unit_areas_runs': {
    async up(db) {
      // Orders: the voucher level (unit areas) and the end an orderEnded event sets.
      await db.schema.alterTable('orders').addColumn('level', 'integer').execute();
      await db.schema.alterTable('orders').addColumn('end_date', 'date').execute();
      await db.schema.alterTable('orders').addColumn('end_reason', 'text').execute();

      // The billing run reads a provider's visits of a month in (order, start) order, page by page.
      await db.schema.createIndex('visits_month_provider_order').on('visits').columns(['local_month', 'provider_id', 'order_id', 'start_at', 'visit_id']).execute();

      await db.schema
        .createTable('dispute_resolutions')
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('resolved_by', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('approved_ids', 'jsonb', (c) => c.notNull())
        .addColumn('rejected_ids', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('dispute_resolutions_pk', ['order_id', 'month'])
        .execute();

      await db.schema
        .createTable('attendance_days')
        .addColumn('attendance_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('date', 'date', (c) => c.notNull())
        .addColumn('local_month', 'char(7)', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        // A customer attends at most once a day (DOMAIN.md §5: paid per attendance day).
        .addUniqueConstraint('attendance_days_customer_date', ['customer_id', 'date'])
        .execute();
      await db.schema.createIndex('attendance_days_order_month').on('attendance_days').columns(['order_id', 'local_month']).execute();
      await db.schema.createIndex('attendance_days_month_provider').on('attendance_days').columns(['local_month', 'provider_id', 'order_id']).execute();

      await db.schema
        .createTable('occupancy_periods')
        .addColumn('period_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('from_date', 'date', (c) => c.notNull())
        .addColumn('to_date', 'date')
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('occupancy_periods_order').on('occupancy_periods').column('order_id').execute();
      // One move-in and one move-out per order (a placement); two racing reports collide here.
      await db.schema.createIndex('occupancy_one_move_in').on('occupancy_periods').column('order_id').unique().where(sql.ref('kind'), '=', 'moved-in').execute();
      await db.schema.createIndex('occupancy_one_move_out').on('occupancy_periods').column('order_id').unique().where(sql.ref('kind'), '=', 'moved-out').execute();

      await db.schema
        .createTable('unit_rate_tables')
        .addColumn('unit_rate_table_id', 'text', (c) => c.primaryKey())
        .addColumn('municipality', 'text', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'date', (c) => c.notNull())
        .addColumn('valid_to', 'date')
        .addColumn('rates', 'jsonb', (c) => c.notNull())
        .execute();

      // Provider payments: append-only rows per (order, month, basis); what each paid is a delta.
      await db.schema.alterTable('provider_payments').addColumn('basis', 'text', (c) => c.notNull().defaultTo('approval')).execute();
      await db.schema.alterTable('provider_payments').addColumn('period_month', 'char(7)').execute();
      await sql`update provider_payments set period_month = month`.execute(db);
      await db.schema.alterTable('provider_payments').alterColumn('period_month', (c) => c.setNotNull()).execute();
      await db.schema.alterTable('provider_payments').addColumn('payable_ore', 'bigint').execute();
      await sql`update provider_payments set payable_ore = amount_ore`.execute(db);
      await db.schema.alterTable('provider_payments').alterColumn('payable_ore', (c) => c.setNotNull()).execute();
      await db.schema.alterTable('provider_payments').addColumn('previously_paid_ore', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('provider_payments').addColumn('unit_lines', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
      await db.schema.alterTable('provider_payments').addColumn('run_id', 'uuid').execute();
      await db.schema.alterTable('provider_payments').dropConstraint('provider_payments_order_month').execute();
      await db.schema.alterTable('provider_payments').addUniqueConstraint('provider_payments_order_month_basis', ['order_id', 'month', 'basis']).execute();
      await db.schema.createIndex('provider_payments_provider_month').on('provider_payments').columns(['provider_id', 'month']).execute();
      await db.schema.createIndex('provider_payments_period').on('provider_payments').column('period_month').execute();

      // Fee invoices: append-only rows per (customer, month, basis); each charges the delta.
      await db.schema.alterTable('fee_invoices').addColumn('basis', 'text', (c) => c.notNull().defaultTo('approval')).execute();
      await db.schema.alterTable('fee_invoices').addColumn('period_month', 'char(7)').execute();
      await sql`update fee_invoices set period_month = month`.execute(db);
      await db.schema.alterTable('fee_invoices').alterColumn('period_month', (c) => c.setNotNull()).execute();
      await db.schema.alterTable('fee_invoices').addColumn('total_fee_ore', 'bigint').execute();
      await sql`update fee_invoices set total_fee_ore = fee_ore`.execute(db);
      await db.schema.alterTable('fee_invoices').alterColumn('total_fee_ore', (c) => c.setNotNull()).execute();
      await db.schema.alterTable('fee_invoices').addColumn('previously_charged_ore', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('fee_invoices').addColumn('attendance_days', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('fee_invoices').addColumn('per_area', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
      await db.schema.alterTable('fee_invoices').addColumn('run_id', 'uuid').execute();
      // A zero delta is an invoice without an OCR reference: there is nothing to pay.
      await db.schema.alterTable('fee_invoices').alterColumn('ocr_reference', (c) => c.dropNotNull()).execute();
      await db.schema.alterTable('fee_invoices').dropConstraint('fee_invoices_customer_month').execute();
      await db.schema.alterTable('fee_invoices').addUniqueConstraint('fee_invoices_customer_month_basis', ['customer_id', 'month', 'basis']).execute();
      await db.schema.createIndex('fee_invoices_month').on('fee_invoices').columns(['month', 'invoice_number']).execute();
      await db.schema.createIndex('fee_invoices_period').on('fee_invoices').columns(['period_month', 'invoice_number']).execute();

      await db.schema.createIndex('payment_batches_month_status').on('payment_batches').columns(['month', 'status']).execute();

      await db.schema
        .createTable('billing_runs')
        .addColumn('run_id', 'uuid', (c) => c.primaryKey())
        .addColumn('month', 'char(7)', (c) => c.notNull().unique())
        .addColumn('period_month', 'char(7)', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_by', 'text', (c) => c.notNull())
        .addColumn('started_at', 'timestamptz', (c) => c.notNull())
        .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull())
        .addColumn('finished_at', 'timestamptz')
        .addColumn('batch_id', 'uuid', (c) => c.references('payment_batches.batch_id'))
        .addColumn('result', 'jsonb')
        .execute();
      await db.schema
        .createTable('provider_statements')
        .addColumn('run_id', 'uuid', (c) => c.notNull().references('billing_runs.run_id'))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('provider_kind', 'text')
        .addColumn('lines', 'jsonb', (c) => c.notNull())
        .addColumn('unit_lines', 'jsonb', (c) => c.notNull())
        .addColumn('total_ore', 'bigint', (c) => c.notNull())
        .addColumn('unpriced_minutes', 'bigint', (c) => c.notNull())
        .addColumn('visit_count', 'bigint', (c) => c.notNull())
        .addColumn('excluded', 'jsonb', (c) => c.notNull())
        .addColumn('previously_paid_ore', 'bigint', (c) => c.notNull())
        .addColumn('paid_ore', 'bigint', (c) => c.notNull())
        .addColumn('refused', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('provider_statements_pk', ['run_id', 'provider_id'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('idem_key', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_type', 'text')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['actor', 'idem_key'])
        .execute();
    },
  },
};

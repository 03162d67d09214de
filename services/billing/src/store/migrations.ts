import { sql, type Migration } from 'kysely';
import { auditAgentMigration, outboxTraceContextMigration } from '@kundval/platform';
import { financeMigrations } from './migrations-finance.js';
import { correctionMigrations } from './migrations-corrections.js';
import { rechargeMigrations } from './migrations-recharges.js';
import { orderChangeMigrations } from './migrations-order-changes.js';
import { idempotencyMigrations } from './migrations-idempotency.js';
import { sessionMigrations } from './migrations-sessions.js';
import { bankMigrations } from './migrations-bank.js';
import { payeeAccountMigrations } from './migrations-payee-accounts.js';
import { followUpMigrations } from './migrations-follow-up.js';
import { feeCreditMigrations } from './migrations-fee-credits.js';
import { providerInvoiceMigrations } from './migrations-provider-invoices.js';

/** Migrations of the billing schema. Never edit one that has shipped: add the next. */
export const billingMigrations: Record<string, Migration> = {
  '0001_visits_fees_payments': {
    async up(db) {
      await db.schema
        .createTable('orders')
        .addColumn('order_id', 'uuid', (c) => c.primaryKey())
        .addColumn('application_id', 'uuid', (c) => c.notNull())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('provider_kind', 'text', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('municipality', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'date', (c) => c.notNull())
        .addColumn('valid_to', 'date', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('visits')
        .addColumn('visit_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('start_at', 'timestamptz', (c) => c.notNull())
        .addColumn('end_at', 'timestamptz', (c) => c.notNull())
        .addColumn('local_month', 'char(7)', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('visits_provider_external_id', ['provider_id', 'external_id'])
        .execute();
      await db.schema.createIndex('visits_customer_time').on('visits').columns(['customer_id', 'start_at']).execute();
      await db.schema.createIndex('visits_order_month').on('visits').columns(['order_id', 'local_month']).execute();
      await db.schema
        .createTable('month_approvals')
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('approved_by', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('approved_visits', 'integer', (c) => c.notNull())
        .addColumn('disputed_visits', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('month_approvals_pk', ['order_id', 'month'])
        .execute();
      await db.schema
        .createTable('rate_tables')
        .addColumn('rate_table_id', 'text', (c) => c.primaryKey())
        .addColumn('municipality', 'text', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'date', (c) => c.notNull())
        .addColumn('valid_to', 'date')
        .addColumn('rates', 'jsonb', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('fee_bases')
        .addColumn('customer_id', 'uuid', (c) => c.primaryKey())
        .addColumn('net_income_ore', 'bigint', (c) => c.notNull())
        .addColumn('housing_cost_ore', 'bigint', (c) => c.notNull())
        .addColumn('household', 'text', (c) => c.notNull())
        .addColumn('minimum_amount_raise_ore', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('declared_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('fee_invoices')
        .addColumn('invoice_id', 'uuid', (c) => c.primaryKey())
        .addColumn('invoice_number', 'bigserial', (c) => c.notNull().unique())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('application_id', 'uuid', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('approved_minutes', 'integer', (c) => c.notNull())
        .addColumn('tariff_ore', 'bigint', (c) => c.notNull())
        .addColumn('maxtaxa_ore', 'bigint', (c) => c.notNull())
        .addColumn('fee_room_ore', 'bigint')
        .addColumn('fee_ore', 'bigint', (c) => c.notNull())
        .addColumn('applied_cap', 'text', (c) => c.notNull())
        .addColumn('ocr_reference', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        // One maxtaxa covers all of a customer's areas in a month: one fee invoice per customer and month.
        .addUniqueConstraint('fee_invoices_customer_month', ['customer_id', 'month'])
        .execute();
      await db.schema
        .createTable('provider_payments')
        .addColumn('payment_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('amount_ore', 'bigint', (c) => c.notNull())
        .addColumn('unpriced_minutes', 'integer', (c) => c.notNull())
        .addColumn('lines', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('provider_payments_order_month', ['order_id', 'month'])
        .execute();
    },
  },
  ...financeMigrations,
  ...correctionMigrations,
  ...rechargeMigrations,
  ...orderChangeMigrations,
  ...idempotencyMigrations,
  ...sessionMigrations,
  ...bankMigrations,
  /** Audit rows name the agent that acted on a person's behalf (ADR 0022); after the bank's 0701. */
  '0801_audit_agent': auditAgentMigration,
  ...payeeAccountMigrations,
  ...followUpMigrations,
  /** The outbox row keeps the trace of the change that wrote it (ADR 0038); after follow-up's 0911. */
  '0912_outbox_trace_context': outboxTraceContextMigration,
  /** A billing run's progress, for its metric: the orders it prices and how many it has priced (ADR 0028). */
  '0913_billing_run_progress': {
    async up(db) {
      await db.schema.alterTable('billing_runs').addColumn('orders_to_price', 'integer').execute();
      await db.schema.alterTable('billing_runs').addColumn('orders_priced', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  /**
   * Billing's copy of orders looked up by provider (the run's placements, per provider) and by customer
   * (fee pages): without these each lookup read the whole table, 664 times per run at 1 M visits
   * (bench:billing --profile). And a batch's "not in a batch yet" check by payment: the unique index on
   * payment_id is partial (live items only), so that check could not use it. Numbered after the bank
   * and follow-up migrations.
   */
  '0920_orders_provider_customer_indexes': {
    async up(db) {
      await db.schema.createIndex('orders_provider_area').on('orders').columns(['provider_id', 'area_id']).ifNotExists().execute();
      await db.schema.createIndex('orders_customer').on('orders').column('customer_id').ifNotExists().execute();
      await db.schema.createIndex('payment_batch_items_payment').on('payment_batch_items').column('payment_id').ifNotExists().execute();
    },
  },
  ...feeCreditMigrations,
  ...providerInvoiceMigrations,
  /**
   * What the fee phase of a billing run reads, tallied by the provider pass as it reads the month's
   * deliveries: approved visits (and their exact length in microseconds), attendance days and sessions
   * per (run, customer, area, provider), written in the provider's transaction with its statement, so
   * the fee phase no longer reads the month's visits a second time (bench:billing, issue 14). A run
   * started before this migration has no tally (`tallies_deliveries` false) and reads the deliveries.
   */
  '0950_billing_run_deliveries': {
    async up(db) {
      await db.schema
        .createTable('billing_run_deliveries')
        .addColumn('run_id', 'uuid', (c) => c.notNull().references('billing_runs.run_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('visits', 'integer', (c) => c.notNull())
        .addColumn('visit_microseconds', 'bigint', (c) => c.notNull())
        .addColumn('attendance_days', 'integer', (c) => c.notNull())
        .addColumn('sessions', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('billing_run_deliveries_pk', ['run_id', 'customer_id', 'area_id', 'provider_id'])
        .execute();
      await db.schema.alterTable('billing_runs').addColumn('tallies_deliveries', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
    },
  },
};

import { sql, type Migration } from 'kysely';

/**
 * Migrations of months closed with nothing delivered and of inter-municipal recharges (ADR 0014).
 * Numbered 03xx to sort after the corrections.
 */
export const rechargeMigrations: Record<string, Migration> = {
  '0301_months_closed_nothing_delivered': {
    async up(db) {
      // A month a case handler closed because nothing was delivered is an approval of 0 visits, told
      // apart from the customer's approval and kept with its reason.
      await db.schema.alterTable('month_approvals').addColumn('nothing_delivered', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
      await db.schema.alterTable('month_approvals').addColumn('nothing_delivered_reason', 'text').execute();
    },
  },
  '0302_municipal_recharges': {
    async up(db) {
      await db.schema.alterTable('orders').addColumn('deciding_municipality', 'text').execute();
      await db.schema
        .createTable('municipal_recharges')
        .addColumn('recharge_id', 'uuid', (c) => c.primaryKey())
        // One recharge per payment: recording it again (a retried run, a replayed request) adds nothing.
        .addColumn('payment_id', 'uuid', (c) => c.notNull().unique().references('provider_payments.payment_id'))
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('period_month', 'char(7)', (c) => c.notNull())
        .addColumn('deciding_municipality', 'text', (c) => c.notNull())
        .addColumn('amount_ore', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('municipal_recharges_period').on('municipal_recharges').columns(['period_month', 'deciding_municipality']).execute();
    },
  },
};

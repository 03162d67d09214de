import { sql, type Migration } from 'kysely';

/** Migrations of sessions, the delivery unit of areas paid per session (ADR 0019). Numbered 05xx to sort after the order changes. */
export const sessionMigrations: Record<string, Migration> = {
  '0601_sessions': {
    async up(db) {
      await db.schema
        .createTable('sessions')
        .addColumn('session_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('date', 'date', (c) => c.notNull())
        .addColumn('local_month', 'char(7)', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        // The provider's own id for a session, as for visits: a report sent again is recognised, not doubled.
        // Several sessions of a customer on one day may be allowed (the area's sessionsPerDay), so (customer, date) is not unique.
        .addUniqueConstraint('sessions_provider_external_id', ['provider_id', 'external_id'])
        .execute();
      await db.schema.createIndex('sessions_order_month').on('sessions').columns(['order_id', 'local_month']).execute();
      await db.schema.createIndex('sessions_month_provider').on('sessions').columns(['local_month', 'provider_id', 'order_id']).execute();
      await db.schema.createIndex('sessions_customer_date').on('sessions').columns(['customer_id', 'date']).execute();
    },
  },
};

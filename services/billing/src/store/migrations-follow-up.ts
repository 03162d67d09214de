import { sql, type Migration } from 'kysely';

/** Granted-against-delivered alerts, one per order, kind and run of months (ADR 0036). */
export const followUpMigrations: Record<string, Migration> = {
  '0911_follow_up_alerts': {
    async up(db) {
      await db.schema
        .createTable('follow_up_alerts')
        .addColumn('alert_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('under-delivery', 'over-delivery')`))
        // The cause: the first month of the run. The same run seen again a month later is the same alert.
        .addColumn('first_month', 'char(7)', (c) => c.notNull())
        .addColumn('raised_month', 'char(7)', (c) => c.notNull())
        .addColumn('shares', 'jsonb', (c) => c.notNull())
        .addColumn('raised_by', 'text', (c) => c.notNull())
        .addColumn('raised_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('follow_up_alerts_cause', ['order_id', 'kind', 'first_month'])
        .execute();
    },
  },
};

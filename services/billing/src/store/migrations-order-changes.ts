import { sql, type Migration } from 'kysely';

/**
 * Migrations of amended orders (`orderChanged`: a changed or renewed decision). Numbered 04xx to sort
 * after the recharges.
 */
export const orderChangeMigrations: Record<string, Migration> = {
  '0401_order_changes': {
    async up(db) {
      // `level` becomes the order's latest level; the level it was placed with is still what days
      // before its first amendment are paid at, so it is kept apart.
      await db.schema.alterTable('orders').addColumn('placed_level', 'integer').execute();
      await sql`update orders set placed_level = level`.execute(db);
      // Orders placed before this migration were copied without their hours: null, not a guessed 0.
      await db.schema.alterTable('orders').addColumn('care_hours_per_month', 'double precision').execute();
      await db.schema.alterTable('orders').addColumn('service_hours_per_month', 'double precision').execute();
      await db.schema
        .createTable('order_changes')
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('effective_from', 'date', (c) => c.notNull())
        .addColumn('valid_to', 'date', (c) => c.notNull())
        .addColumn('level', 'integer')
        .addColumn('care_hours_per_month', 'double precision', (c) => c.notNull())
        .addColumn('service_hours_per_month', 'double precision', (c) => c.notNull())
        .addColumn('event_id', 'uuid', (c) => c.notNull())
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        // One set of terms per order and first day: the same amendment again changes nothing.
        .addPrimaryKeyConstraint('order_changes_pk', ['order_id', 'effective_from'])
        .execute();
    },
  },
};

import { sql, type Migration } from 'kysely';

/** Migrations of the orders schema. Never edit one that has shipped: add the next. */
export const ordersMigrations: Record<string, Migration> = {
  '0001_providers_choices_orders': {
    async up(db) {
      await db.schema
        .createTable('providers')
        .addColumn('provider_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('organisation_number', 'text', (c) => c.notNull().unique())
        .addColumn('languages', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('satisfaction_score', 'decimal(3, 1)')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('authorizations')
        .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.provider_id'))
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('capacity_customers', 'integer', (c) => c.notNull())
        .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('authorizations_pk', ['provider_id', 'area_id'])
        .execute();
      // One default provider (ickevalsalternativ) per area.
      await sql`create unique index authorizations_one_default on authorizations (area_id) where is_default`.execute(db);
      await db.schema
        .createTable('decisions')
        .addColumn('decision_id', 'uuid', (c) => c.primaryKey())
        .addColumn('application_id', 'uuid', (c) => c.notNull())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('municipality', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('care_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('service_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('valid_from', 'date', (c) => c.notNull())
        .addColumn('valid_to', 'date', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('choices')
        .addColumn('choice_id', 'uuid', (c) => c.primaryKey())
        .addColumn('decision_id', 'uuid', (c) => c.notNull().unique().references('decisions.decision_id'))
        .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.provider_id'))
        .addColumn('chosen_by', 'text', (c) => c.notNull())
        .addColumn('chosen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('orders')
        .addColumn('order_id', 'uuid', (c) => c.primaryKey())
        .addColumn('decision_id', 'uuid', (c) => c.notNull().unique().references('decisions.decision_id'))
        .addColumn('application_id', 'uuid', (c) => c.notNull())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.provider_id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('placed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('accepted_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('orders_provider').on('orders').column('provider_id').execute();
      await db.schema
        .createTable('care_plans')
        .addColumn('care_plan_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().unique().references('orders.order_id'))
        .addColumn('agreed_on', 'date', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

import { sql, type Migration } from 'kysely';

/** Migrations of the decisions schema, applied in name order at start-up. Never edit one that has shipped: add the next. */
export const decisionsMigrations: Record<string, Migration> = {
  '0001_applications_assessments_decisions': {
    async up(db) {
      await db.schema
        .createTable('customers')
        .addColumn('customer_id', 'uuid', (c) => c.primaryKey())
        .addColumn('identity_number', 'char(12)', (c) => c.notNull().unique())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('applications')
        .addColumn('application_id', 'uuid', (c) => c.primaryKey())
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.customer_id'))
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('municipality', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('received_at', 'timestamptz', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('assessments')
        .addColumn('assessment_id', 'uuid', (c) => c.primaryKey())
        .addColumn('application_id', 'uuid', (c) => c.notNull().unique().references('applications.application_id'))
        .addColumn('life_areas', 'jsonb', (c) => c.notNull())
        .addColumn('instruments', 'jsonb', (c) => c.notNull())
        .addColumn('assessed_on', 'date', (c) => c.notNull())
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('decisions')
        .addColumn('decision_id', 'uuid', (c) => c.primaryKey())
        .addColumn('application_id', 'uuid', (c) => c.notNull().unique().references('applications.application_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('care_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('service_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('valid_from', 'date', (c) => c.notNull())
        .addColumn('valid_to', 'date', (c) => c.notNull())
        .addColumn('denial_reason', 'text')
        .addColumn('decided_by', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
};

import { sql, type Migration } from 'kysely';
import { auditAgentMigration, createIdempotencyTable, outboxTraceContextMigration } from '@kundval/platform';
import { surveyMigrations } from './migrations-surveys.js';

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
  '0002_authorization_switching_queues': {
    async up(db) {
      // Authorization per voucher area: declared service area, the requirements checked so far
      // (the area's definition says which), places occupied for areas paid per occupancy day.
      await sql`alter table authorizations
        add column service_area text[] not null default '{}',
        add column checked_requirements text[] not null default '{}',
        add column occupied_places integer not null default 0,
        add column applied_at timestamptz,
        add column decided_at timestamptz,
        add column status_reason text`.execute(db);
      // Authorizations registered before the checklist existed were approved on every requirement.
      await sql`update authorizations
        set checked_requirements = '{registered-company,f-skatt,liability-insurance,experience,quality-system,state-permit}'
        where status <> 'applied'`.execute(db);

      await sql`alter table decisions
        add column level integer,
        add column district text,
        add column ended_on date,
        add column end_reason text`.execute(db);

      // Choices become a timeline per decision: a switch adds one from its date, a refusal voids one.
      await sql`alter table choices drop constraint choices_decision_id_key`.execute(db);
      await sql`alter table choices
        add column seq bigserial,
        add column effective_from date,
        add column status text not null default 'active',
        add column switched_from text references providers (provider_id)`.execute(db);
      await sql`update choices c set effective_from = d.valid_from from decisions d where d.decision_id = c.decision_id`.execute(db);
      await sql`alter table choices alter column effective_from set not null`.execute(db);
      await db.schema.createIndex('choices_decision').on('choices').columns(['decision_id', 'effective_from']).execute();

      // Orders become many per decision, each in force from valid_from to valid_to (or end_date).
      await sql`alter table orders drop constraint orders_decision_id_key`.execute(db);
      await sql`alter table orders
        add column choice_id uuid references choices (choice_id),
        add column area_id text,
        add column valid_from date,
        add column valid_to date,
        add column level integer,
        add column care_hours_per_month decimal(6, 2),
        add column service_hours_per_month decimal(6, 2),
        add column end_date date,
        add column end_reason text,
        add column ended_at timestamptz,
        add column refusal_reason text,
        add column refusal_explanation text,
        add column refused_at timestamptz,
        add column care_plan_due_by date`.execute(db);
      await sql`update orders o set
          area_id = d.area_id, valid_from = d.valid_from, valid_to = d.valid_to,
          care_hours_per_month = d.care_hours_per_month, service_hours_per_month = d.service_hours_per_month,
          choice_id = (select c.choice_id from choices c where c.decision_id = o.decision_id order by c.seq limit 1)
        from decisions d where d.decision_id = o.decision_id`.execute(db);
      for (const column of ['area_id', 'valid_from', 'valid_to', 'care_hours_per_month', 'service_hours_per_month']) {
        await sql`alter table orders alter column ${sql.ref(column)} set not null`.execute(db);
      }
      await db.schema.createIndex('orders_decision').on('orders').columns(['decision_id', 'valid_from']).execute();
      // One live order per decision and start date: what makes POST /orders idempotent under concurrency.
      // A refused order, or one ended before it began, no longer holds its start date.
      await sql`create unique index orders_one_per_start on orders (decision_id, valid_from)
        where status <> 'refused' and (end_date is null or end_date >= valid_from)`.execute(db);

      await db.schema
        .createTable('reminders')
        .addColumn('reminder_id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('about', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('reminders_once', ['order_id', 'about', 'key'])
        .execute();

      await db.schema
        .createTable('queue_entries')
        .addColumn('queue_entry_id', 'uuid', (c) => c.primaryKey())
        .addColumn('seq', 'bigserial', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.provider_id'))
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('decision_id', 'uuid', (c) => c.notNull().references('decisions.decision_id'))
        .addColumn('application_id', 'uuid', (c) => c.notNull())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('left_at', 'timestamptz')
        .execute();
      // A customer waits at most once in each home's queue.
      await sql`create unique index queue_entries_once on queue_entries (provider_id, area_id, decision_id)
        where status in ('waiting', 'offered')`.execute(db);
      await db.schema.createIndex('queue_entries_home').on('queue_entries').columns(['provider_id', 'area_id', 'status', 'seq']).execute();

      await db.schema
        .createTable('offers')
        .addColumn('offer_id', 'uuid', (c) => c.primaryKey())
        .addColumn('queue_entry_id', 'uuid', (c) => c.notNull().references('queue_entries.queue_entry_id'))
        .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.provider_id'))
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('decision_id', 'uuid', (c) => c.notNull())
        .addColumn('application_id', 'uuid', (c) => c.notNull())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('answer_by', 'date', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('offered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('answered_at', 'timestamptz')
        .addColumn('stay_in_queue_for', 'text')
        .execute();
      await db.schema.createIndex('offers_home').on('offers').columns(['provider_id', 'area_id', 'status']).execute();

      // Idempotency-Key: the first successful answer to a key is kept and replayed to a retry.
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .addColumn('body', 'jsonb')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['actor', 'key'])
        .execute();
    },
  },
  '0003_several_providers_days_per_week': {
    async up(db) {
      // The decision copy keeps who pays (a placement by another municipality) and the days a week granted.
      await sql`alter table decisions
        add column deciding_municipality text,
        add column days_per_week integer check (days_per_week between 1 and 7)`.execute(db);

      // Choices fall into tracks, one per provider the customer uses at once. Every decision so far
      // had one provider at a time: all its choices continue the track its first choice began.
      await sql`alter table choices add column track_id uuid`.execute(db);
      await sql`update choices c set track_id = (
          select f.choice_id from choices f where f.decision_id = c.decision_id order by f.seq limit 1)`.execute(db);
      await sql`alter table choices alter column track_id set not null`.execute(db);
      await db.schema.createIndex('choices_track').on('choices').columns(['decision_id', 'track_id', 'effective_from']).execute();

      // An order's start date was unique per decision. Where the area allows several providers at
      // once it is unique per provider instead; every order placed so far is of the first kind.
      await sql`alter table orders add column one_of_several boolean not null default false`.execute(db);
      await sql`drop index orders_one_per_start`.execute(db);
      await sql`create unique index orders_one_per_start on orders (decision_id, valid_from)
        where not one_of_several and status <> 'refused' and (end_date is null or end_date >= valid_from)`.execute(db);
      await sql`create unique index orders_one_per_provider_start on orders (decision_id, provider_id, valid_from)
        where one_of_several and status <> 'refused' and (end_date is null or end_date >= valid_from)`.execute(db);

      // What the customer and an attendance-day provider agree in the care plan: the start and the days a week.
      await sql`alter table care_plans
        add column starts_on date,
        add column days_per_week integer check (days_per_week between 1 and 7)`.execute(db);
    },
  },
  '0004_order_changes': {
    async up(db) {
      // The copy keeps every decision change it has received, not only the terms standing now: the
      // journey amends orders change by change, and one overtaken by a later change must still be
      // recognised as the decision's, or its amendment would wait for terms the copy no longer shows.
      await db.schema
        .createTable('decision_changes')
        .addColumn('change_id', 'uuid', (c) => c.primaryKey())
        .addColumn('decision_id', 'uuid', (c) => c.notNull().references('decisions.decision_id'))
        .addColumn('effective_from', 'date', (c) => c.notNull())
        .addColumn('care_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('service_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('valid_to', 'date', (c) => c.notNull())
        .addColumn('level', 'integer')
        .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('decision_changes_decision').on('decision_changes').columns(['decision_id', 'effective_from']).execute();

      // An order's amendments: the terms it runs on from a date after a changed or renewed decision.
      // Rows are never rewritten but for `superseded_by`: a later amendment from the same or an
      // earlier date replaces them (a correction), so the timeline is the rows not superseded.
      await db.schema
        .createTable('order_changes')
        .addColumn('change_id', 'uuid', (c) => c.primaryKey())
        .addColumn('seq', 'bigserial', (c) => c.notNull())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.order_id'))
        .addColumn('effective_from', 'date', (c) => c.notNull())
        .addColumn('valid_to', 'date', (c) => c.notNull())
        .addColumn('care_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('service_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('level', 'integer')
        .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
        .addColumn('superseded_by', 'uuid', (c) => c.references('order_changes.change_id'))
        .addCheckConstraint('order_changes_within_validity', sql`effective_from <= valid_to`)
        .execute();
      await db.schema.createIndex('order_changes_order').on('order_changes').columns(['order_id', 'effective_from', 'seq']).execute();
    },
  },
  '0005_platform_idempotency_keys': {
    async up(db) {
      // One Idempotency-Key mechanism for every service (ADR 0016): the platform's table, scoped by
      // caller, method and concrete path, replaces this service's (scoped by caller alone). Keys kept
      // so far are dropped: their scope and fingerprint cannot be carried into the new ones, and a
      // command retried across this migration is judged afresh by its own business rule.
      await db.schema.dropTable('idempotency_keys').execute();
      await createIdempotencyTable(db);
    },
  },
  /** Audit rows name the agent that acted on a person's behalf (ADR 0022). */
  '0006_audit_agent': auditAgentMigration,
  /** The outbox row keeps the trace of the change that wrote it (ADR 0038). */
  '0007_outbox_trace_context': outboxTraceContextMigration,
  ...surveyMigrations,
};

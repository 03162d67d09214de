import { sql, type Migration } from 'kysely';
import { auditAgentMigration, createIdempotencyTable, outboxTraceContextMigration } from '@kundval/platform';

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
  '0002_versions_ends_imports_tasks_idempotency': {
    async up(db) {
      await db.schema
        .alterTable('applications')
        .addColumn('on_behalf_name', 'text')
        .addColumn('on_behalf_relation', 'text')
        .execute();
      await db.schema
        .alterTable('decisions')
        .addColumn('level', 'integer')
        .addColumn('care_need_points', 'integer')
        .addColumn('days_per_week', 'integer')
        .addColumn('denied_part', 'text')
        .addColumn('deciding_municipality', 'text')
        .addColumn('decided_on', 'date')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('effective_from', 'date')
        .addColumn('end_date', 'date')
        .addColumn('end_reason', 'text')
        .addColumn('ended_by', 'text')
        .addColumn('ended_at', 'timestamptz')
        .execute();
      // Decisions made before this migration: their terms took effect on their first day, and they
      // were decided on the Stockholm date of their timestamp.
      await sql`update decisions set effective_from = valid_from, decided_on = (decided_at at time zone 'Europe/Stockholm')::date`.execute(db);
      await db.schema.alterTable('decisions').alterColumn('effective_from', (c) => c.setNotNull()).execute();
      await db.schema.alterTable('decisions').alterColumn('decided_on', (c) => c.setNotNull()).execute();

      await db.schema
        .createTable('decision_versions')
        .addColumn('decision_id', 'uuid', (c) => c.notNull().references('decisions.decision_id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('change_id', 'uuid', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('effective_from', 'date', (c) => c.notNull())
        .addColumn('care_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('service_hours_per_month', 'decimal(6, 2)', (c) => c.notNull())
        .addColumn('level', 'integer')
        .addColumn('care_need_points', 'integer')
        .addColumn('days_per_week', 'integer')
        .addColumn('valid_to', 'date', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('changed_by', 'text', (c) => c.notNull())
        .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('decision_versions_pk', ['decision_id', 'version'])
        .execute();
      await sql`
        insert into decision_versions (decision_id, version, change_id, kind, effective_from, care_hours_per_month, service_hours_per_month, valid_to, changed_by, changed_at)
        select decision_id, 1, gen_random_uuid(), 'decided', valid_from, care_hours_per_month, service_hours_per_month, valid_to, decided_by, decided_at from decisions`.execute(db);

      // A decision imported from an external case system, by the system's name and its own id. The
      // record is kept as normalised on import with the customer id in place of the identity number.
      await db.schema
        .createTable('decision_imports')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('decision_id', 'uuid', (c) => c.notNull().unique().references('decisions.decision_id'))
        .addColumn('record', 'jsonb', (c) => c.notNull())
        .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('decision_imports_pk', ['source', 'external_id'])
        .execute();

      await db.schema
        .createTable('tasks')
        .addColumn('task_id', 'uuid', (c) => c.primaryKey())
        .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.application_id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('done_by', 'text')
        .addColumn('done_at', 'timestamptz')
        .addColumn('note', 'text')
        .addUniqueConstraint('tasks_application_kind_key', ['application_id', 'kind', 'key'])
        .execute();
      await db.schema.createIndex('tasks_status_kind').on('tasks').columns(['status', 'kind', 'created_at']).execute();

      // One table for every command's Idempotency-Key (ADR 0009), replacing applications.idempotency_key.
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text')
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('response', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'actor', 'key'])
        .execute();
      // Keys given before this migration keep answering retries; their request was not fingerprinted
      // (request_hash null), so any retry with the key gets the application back.
      await sql`
        insert into idempotency_keys (scope, actor, key, request_hash, status, response)
        select 'POST /applications', created_by, idempotency_key, null, 201, jsonb_build_object(
          'applicationId', application_id, 'customerId', customer_id, 'areaId', area_id, 'municipality', municipality,
          'channel', channel, 'status', status, 'onBehalfOf', null,
          'receivedAt', to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        from applications where idempotency_key is not null`.execute(db);
    },
  },
  '0003_platform_idempotency_keys': {
    async up(db) {
      // One Idempotency-Key mechanism for every service (ADR 0016): the platform's table replaces
      // this service's. Keys kept so far are dropped: they were scoped by route pattern and hashed
      // with the params, which the new scope (method and concrete path) cannot be derived from;
      // a command retried across this migration is judged afresh by its own business rule.
      await db.schema.dropTable('idempotency_keys').execute();
      await createIdempotencyTable(db);
    },
  },
  /** Audit rows name the agent that acted on a person's behalf (ADR 0022). */
  '0004_audit_agent': auditAgentMigration,
  /**
   * Identity numbers at rest (identity-vault.ts): the sealed number and its keyed look-up hash. The
   * plain column stays, nullable, only until the service's start seals the rows written before
   * (`sealPlainIdentityNumbers`): a migration holds no keys.
   */
  '0005_identity_numbers_sealed': {
    async up(db) {
      await db.schema.alterTable('customers').addColumn('identity_hash', 'text').execute();
      await db.schema.alterTable('customers').addColumn('identity_sealed', 'text').execute();
      await db.schema.alterTable('customers').alterColumn('identity_number', (c) => c.dropNotNull()).execute();
      await db.schema.createIndex('customers_identity_hash').on('customers').column('identity_hash').unique().execute();
    },
  },
  /** The outbox row keeps the trace of the change that wrote it (ADR 0038). */
  '0006_outbox_trace_context': outboxTraceContextMigration,
  /**
   * Follow-up tasks (ADR 0040): under- and over-delivery alerts from billing, on the customer's
   * application; a provider's low survey score, on no application but the provider and area.
   */
  '0960_follow_up_tasks': {
    async up(db) {
      await db.schema.alterTable('tasks').alterColumn('application_id', (c) => c.dropNotNull()).execute();
      await db.schema.alterTable('tasks').addColumn('provider_id', 'text').execute();
      await db.schema.alterTable('tasks').addColumn('area_id', 'text').execute();
      // A task of no application is one per kind and key (its provider, survey).
      await db.schema.createIndex('tasks_without_application_kind_key').on('tasks').columns(['kind', 'key']).unique().where(sql.ref('application_id'), 'is', null).execute();
    },
  },
};

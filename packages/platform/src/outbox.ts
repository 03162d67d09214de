import { runPeriodically } from './periodic.js';
import { sql, type ColumnType, type Generated, type Kysely, type Migration } from 'kysely';
import { randomUUID } from 'node:crypto';
import { eventCatalog, type EventInput, type EventName, type EventEnvelope } from '@kundval/contracts';
import type { Logger } from './logger.js';
import { SpanKind, currentTraceContext, inSpanFrom } from './tracing.js';

/**
 * The tables every service needs for reliable messaging:
 * - `outbox`: events written in the same transaction as the change they describe, relayed to JetStream after commit;
 * - `inbox`: ids of events a consumer has applied, so a redelivered event changes nothing the second time;
 * - `audit_log`: who changed what, when, before and after.
 */
export const messagingMigration: Migration = {
  async up(db) {
    await db.schema
      .createTable('outbox')
      .addColumn('seq', 'bigserial', (c) => c.primaryKey())
      .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('envelope', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('published_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('outbox_unpublished').on('outbox').column('seq').where(sql.ref('published_at'), 'is', null).execute();
    await db.schema
      .createTable('inbox')
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('event_id', 'uuid', (c) => c.notNull())
      .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('inbox_pk', ['consumer', 'event_id'])
      .execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_role', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('before', 'jsonb')
      .addColumn('after', 'jsonb')
      .addColumn('correlation_id', 'text')
      .execute();
    await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id']).execute();
  },
};

/**
 * A service's database handle or transaction: any schema that includes the messaging tables.
 * Kysely's types are invariant in the schema, so the helpers below accept any and narrow inside.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type AnyServiceDb = Kysely<any>;

/** The messaging tables as Kysely sees them; a service's DB type intersects with this. */
export type MessagingTables = {
  outbox: {
    seq: Generated<number>;
    event_id: string;
    subject: string;
    envelope: ColumnType<EventEnvelope, string, string>;
    created_at: Generated<Date>;
    published_at: Date | null;
    /**
     * The W3C trace context (`traceparent`, `tracestate`) of the change that wrote the event, so the
     * relay's publish continues its trace (ADR 0038); null outside a trace. Added by each service's
     * `outboxTraceContextMigration`.
     */
    trace_context?: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  };
  inbox: { consumer: string; event_id: string; processed_at: Generated<Date> };
  audit_log: {
    id: Generated<number>;
    at: Generated<Date>;
    actor: string;
    actor_role: string;
    action: string;
    entity: string;
    entity_id: string;
    before: ColumnType<unknown, string | null, string | null>;
    after: ColumnType<unknown, string | null, string | null>;
    correlation_id: string | null;
    /** Who carried the change out for `actor` (the journey worker, ADR 0022); null when the actor acted directly. */
    agent: ColumnType<string | null, string | null | undefined, string | null>;
  };
};

/**
 * Audit rows name an agent: the principal that carried a change out on the actor's behalf
 * (ADR 0022). Each service adds this to its migrations after its latest one; rows before it have
 * none, as they were all direct.
 */
export const auditAgentMigration: Migration = {
  async up(db) {
    await db.schema.alterTable('audit_log').addColumn('agent', 'text').execute();
  },
};

/**
 * The outbox row keeps the trace of the change that wrote it (ADR 0038). Each service adds this to
 * its migrations after its latest one; rows before it have none. A database without the column
 * (a bench or a test of the platform alone) still takes events: the column is written only inside a
 * trace and read whole.
 */
export const outboxTraceContextMigration: Migration = {
  async up(db) {
    await db.schema.alterTable('outbox').addColumn('trace_context', 'jsonb').execute();
  },
};

/**
 * Writes an event to the outbox inside the caller's transaction: the event exists exactly when the
 * change it describes was committed. The payload is validated against the catalog here, so a
 * service cannot publish an event that its consumers would have to park.
 */
export async function enqueueEvent<N extends EventName>(
  service: AnyServiceDb,
  name: N,
  payload: EventInput<N>,
  context: { correlationId?: string | null; occurredAt?: Date } = {},
): Promise<string> {
  const { subject, schema } = eventCatalog[name];
  const checked = schema.parse(payload);
  const eventId = randomUUID();
  const envelope: EventEnvelope = {
    eventId,
    subject,
    occurredAt: (context.occurredAt ?? new Date()).toISOString(),
    correlationId: context.correlationId ?? null,
    payload: checked,
  };
  const trx = service as Kysely<MessagingTables>;
  const trace = currentTraceContext();
  await trx
    .insertInto('outbox')
    .values({ event_id: eventId, subject, envelope: JSON.stringify(envelope), published_at: null, ...(trace ? { trace_context: JSON.stringify(trace) } : {}) })
    .execute();
  return eventId;
}

/**
 * The publishing side the relay needs: JetStream publish with a de-duplication id. It is called
 * inside the publish span, whose trace it carries on in the message's headers.
 */
export type EventPublisher = (envelope: EventEnvelope) => Promise<void>;

/**
 * The advisory lock a relay pass holds, one per service schema (ADR 0023). Two int4 keys: a
 * constant naming the purpose and the schema's hash, so services sharing a PostgreSQL server never
 * wait on each other (a hash collision between two schemas would only make their relays take turns).
 */
const RELAY_LOCK = sql<boolean>`pg_try_advisory_xact_lock(hashtext('kundval.outbox.relay'), hashtext(current_schema()))`;

/**
 * Relays committed outbox rows to JetStream, oldest first, with the event id as the message id so
 * that a row published twice (a crash between publish and mark) is dropped by JetStream's
 * de-duplication window. Runs on a short poll and whenever `kick()` says a transaction committed.
 *
 * Several replicas of a service may run a relay each on one database: every batch is claimed,
 * published and marked inside one transaction that holds the schema's relay lock, so one relay at
 * a time publishes, in `seq` order, and a row is marked in the same transaction that published it.
 * A relay that finds the lock taken skips the pass (the holder drains what is there; the poll
 * catches what it missed). Why a lock and not `FOR UPDATE SKIP LOCKED`: see ADR 0023.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly service: AnyServiceDb,
    private readonly publish: EventPublisher,
    private readonly logger: Logger,
    private readonly options: { pollMs?: number; batchSize?: number } = {},
  ) {}

  start(): void {
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.kick();
        schedule();
      }, this.options.pollMs ?? 500);
    };
    this.kick();
    schedule();
  }

  /** Asks for a relay pass now; passes never overlap, and a kick during a pass runs one more. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ err }, 'outbox relay pass failed; will retry'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /**
   * Publishes pending rows until the outbox is empty or another relay holds the lock, and returns
   * how many this relay published (tests and shutdown use it). A batch is published pipelined —
   * every publish sent, then the acks awaited together, in order on the one connection — and
   * marked with one UPDATE: the benchmarks measured three to four times the throughput of awaiting
   * each publish. A crash or a failed publish rolls the batch's transaction back, so its rows stay
   * unpublished and go again in the next pass, which JetStream's de-duplication drops.
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const relayed = await this.relayBatch();
      if (relayed === null || relayed === 0) return total;
      total += relayed;
    }
  }

  /** One batch under the relay lock: null when another relay holds it, else the rows published. */
  private async relayBatch(): Promise<number | null> {
    return (this.service as Kysely<MessagingTables>).transaction().execute(async (trx) => {
      const { rows: [lock] } = await sql<{ got: boolean }>`select ${RELAY_LOCK} as got`.execute(trx);
      if (!lock?.got) return null;
      // Read after the lock is held, so the statement's snapshot sees the marks of the relay that held it last.
      // Whole rows: `trace_context` is there when the service's migrations added it.
      const rows = await trx
        .selectFrom('outbox')
        .selectAll()
        .where('published_at', 'is', null)
        .orderBy('seq')
        .limit(this.options.batchSize ?? 100)
        .execute();
      if (rows.length === 0) return 0;
      // Each publish is a span of the trace that wrote the event, however much later the relay runs.
      await Promise.all(
        rows.map((row) =>
          inSpanFrom(row.trace_context ?? null, `${row.envelope.subject} publish`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': row.envelope.subject, 'messaging.message.id': row.envelope.eventId } }, () =>
            this.publish(row.envelope),
          ),
        ),
      );
      await trx.updateTable('outbox').set({ published_at: new Date() }).where('seq', 'in', rows.map((r) => r.seq)).execute();
      return rows.length;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

/** How long published outbox rows and applied-event ids are kept (ADR 0023). */
export type MessagingRetention = {
  /** Hours a published outbox row is kept: past JetStream's de-duplication window, for an operator's look after an incident. */
  outboxHours: number;
  /**
   * Days an applied event's id is kept in `inbox`: at least as long as the event stream keeps the
   * event, since a consumer reset to the stream's start redelivers every event still in it.
   */
  inboxDays: number;
};

/**
 * Deletes published outbox rows older than the retention, and inbox ids older than theirs. An
 * unpublished row is never deleted, however old: it is an event the relay still owes the bus.
 */
export async function purgeMessaging(db: AnyServiceDb, options: { now: Date; retention: MessagingRetention }): Promise<{ outbox: number; inbox: number }> {
  const trx = db as Kysely<MessagingTables>;
  const outboxCutoff = new Date(options.now.getTime() - options.retention.outboxHours * 3600_000);
  const inboxCutoff = new Date(options.now.getTime() - options.retention.inboxDays * 24 * 3600_000);
  const outbox = await trx.deleteFrom('outbox').where('published_at', 'is not', null).where('published_at', '<', outboxCutoff).executeTakeFirst();
  const inbox = await trx.deleteFrom('inbox').where('processed_at', '<', inboxCutoff).executeTakeFirst();
  return { outbox: Number(outbox.numDeletedRows), inbox: Number(inbox.numDeletedRows) };
}

/**
 * Purges at start and then every `intervalMs` (an hour by default) in the service process, as the
 * idempotency keys are. Every replica may run it: a delete of rows another replica deleted first
 * deletes nothing. A failed pass is logged and tried again at the next interval.
 */
export function startMessagingPurge(
  db: AnyServiceDb,
  options: { retention: MessagingRetention; logger: Logger; intervalMs?: number; clock?: () => Date },
): { stop(): Promise<void> } {
  const clock = options.clock ?? (() => new Date());
  return runPeriodically(
    async () => {
      const purged = await purgeMessaging(db, { now: clock(), retention: options.retention });
      if (purged.outbox > 0 || purged.inbox > 0) options.logger.info({ purged, retention: options.retention }, 'published outbox rows and old inbox ids purged');
    },
    { intervalMs: options.intervalMs ?? 3600_000, logger: options.logger, failure: 'outbox and inbox purge failed; will retry' },
  );
}

/**
 * Who did something, for the audit trail: a verified principal. When it acts on behalf of a person
 * (the journey worker's token with `onBehalfOf`), the person is the actor and the principal the agent.
 */
export type Actor = { sub: string; role: string; onBehalfOf?: { sub: string; role: string } | undefined };

/** What an audit row records: the change, in the terms of its entity. */
export type AuditedChange = { action: string; entity: string; entityId: string; before?: unknown; after?: unknown; correlationId?: string | null };

/** The columns of one audit row as {@link audit} inserts it (`agent` only when there is one). */
export type AuditRow = {
  actor: string;
  actor_role: string;
  agent?: string;
  action: string;
  entity: string;
  entity_id: string;
  /** JSON text, or null. */
  before: string | null;
  /** JSON text, or null. */
  after: string | null;
  correlation_id: string | null;
};

/**
 * The audit row of a change, for a statement that writes it together with the change it records
 * (a CTE: the row is then written exactly when the change is). {@link audit} inserts the same row.
 */
export function auditRow(actor: Actor, change: AuditedChange): AuditRow {
  return {
    actor: actor.onBehalfOf?.sub ?? actor.sub,
    actor_role: actor.onBehalfOf?.role ?? actor.role,
    // Only named when there is one, so a database without the column (no audit agent migration) still takes direct changes.
    ...(actor.onBehalfOf ? { agent: actor.sub } : {}),
    action: change.action,
    entity: change.entity,
    entity_id: change.entityId,
    before: change.before === undefined ? null : JSON.stringify(change.before),
    after: change.after === undefined ? null : JSON.stringify(change.after),
    correlation_id: change.correlationId ?? null,
  };
}

/** Records one change in the audit trail, inside the transaction that makes the change: who, in what role, through which agent, when, what. */
export async function audit(service: AnyServiceDb, actor: Actor, change: AuditedChange): Promise<void> {
  const trx = service as Kysely<MessagingTables>;
  await trx.insertInto('audit_log').values(auditRow(actor, change)).execute();
}

/**
 * Marks an event as applied by `consumer` in the caller's transaction. Returns false when it was
 * applied before: the caller then skips the change, so a redelivered event changes nothing.
 */
export async function markEventProcessed(
  service: AnyServiceDb,
  consumer: string,
  eventId: string,
): Promise<boolean> {
  const trx = service as Kysely<MessagingTables>;
  const result = await trx
    .insertInto('inbox')
    .values({ consumer, event_id: eventId })
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * Marks a batch of events as applied by `consumer` in the caller's transaction, with one INSERT,
 * and returns the ids that were new: the caller applies those, in its order, and skips the rest.
 * An id twice in the batch (a redelivery that arrived beside the first delivery) is new once.
 */
export async function markEventsProcessed(service: AnyServiceDb, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(eventIds)];
  if (unique.length === 0) return new Set();
  const trx = service as Kysely<MessagingTables>;
  const rows = await trx
    .insertInto('inbox')
    .values(unique.map((event_id) => ({ consumer, event_id })))
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
    .returning('event_id')
    .execute();
  return new Set(rows.map((r) => r.event_id));
}

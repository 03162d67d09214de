import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import type { EventEnvelope } from '@kundval/contracts';
import { OutboxRelay, connectEventBus, createLogger, enqueueEvent, messagingMigration, openDatabase, type MessagingTables } from '@kundval/platform';
import { serve, tell, type Message } from '../lib/child.js';
import { PipelinedOutboxRelay } from './pipelined-relay.js';
import { PLAIN_STREAM, drive, now, orderPlacedPayload, type Load, type Produced } from './shared.js';

/**
 * The publishing side, a process of its own as a service is.
 * - `product`: each event is written by `enqueueEvent` in its own transaction on an on-disk PGlite
 *   database or on PostgreSQL (as a service route does), then the service's `OutboxRelay` publishes it to JetStream,
 *   kicked after each commit exactly as `runService` wires it.
 * - `plain`: the same envelope bytes handed straight to `js.publish`, awaiting the ack; with a
 *   PostgreSQL URL (`--floor`), each event is first committed in a transaction of its own
 *   (`BEGIN`, one INSERT of the envelope, `COMMIT` on bare `pg`), the durable-write floor of an
 *   event a service commits before it is published.
 */
const mode = process.argv[2];
const natsUrl = process.argv[3]!;
const relayOptions = JSON.parse(process.argv[4] ?? '{}') as { pollMs?: number; batchSize?: number; pipelined?: boolean };
/** `pglite` (an on-disk database in a temporary folder) or a PostgreSQL URL. */
const databaseArg = process.argv[5] ?? 'pglite';
const logger = createLogger('bench-producer', { level: 'warn' });

if (mode === 'product') {
  const dir = databaseArg === 'pglite' ? await mkdtemp(join(tmpdir(), 'kundval-bench-producer-')) : undefined;
  const database = await openDatabase<MessagingTables>({ url: dir ? `pglite://${dir}` : databaseArg, schema: 'orders', migrations: { '0000_messaging': messagingMigration }, logger });
  const bus = await connectEventBus(natsUrl, 'bench-producer');
  // Counts what the relay has published, so a run can say when its last event left the outbox.
  let published = 0;
  let allPublished: { target: number; resolve: () => void } | undefined;
  const Relay = relayOptions.pipelined ? PipelinedOutboxRelay : OutboxRelay;
  const relay = new Relay(
    database.db,
    async (e) => {
      await bus.publish(e);
      published++;
      if (allPublished && published >= allPublished.target) allPublished.resolve();
    },
    logger,
    relayOptions,
  );
  relay.start();
  serve(
    {
      produce: async (message) => {
        const load = message as Message & Load;
        const emittedAt: Record<string, number> = {};
        const startedAt = now();
        const relayed = new Promise<void>((resolve) => (allPublished = { target: published + load.count, resolve }));
        await drive(load, async () => {
          const at = now();
          const eventId = await database.db.transaction().execute((trx) => enqueueEvent(trx, 'orderPlaced', orderPlacedPayload()));
          emittedAt[eventId] = at;
          relay.kick();
        });
        const writtenAt = now();
        await relayed;
        return { emittedAt, startedAt, writtenAt, publishedAt: now() } satisfies Produced;
      },
    },
    async () => {
      await relay.stop();
      await bus.close();
      await database.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  );
} else if (mode === 'plain') {
  const nc = await connect({ servers: natsUrl, name: 'bench-plain-producer' });
  const js = jetstream(nc);
  const floorUrl = process.argv[5];
  const pool = floorUrl ? new pg.Pool({ connectionString: floorUrl, max: 10 }) : undefined;
  await pool?.query('create schema if not exists floor; create table if not exists floor.events (event_id uuid primary key, envelope jsonb not null)');
  const commit = async (envelope: EventEnvelope, body: string) => {
    const client = await pool!.connect();
    try {
      await client.query('begin');
      await client.query('insert into floor.events (event_id, envelope) values ($1, $2)', [envelope.eventId, body]);
      await client.query('commit');
    } finally {
      client.release();
    }
  };
  serve(
    {
      produce: async (message) => {
        const load = message as Message & Load;
        const emittedAt: Record<string, number> = {};
        const startedAt = now();
        await drive(load, async () => {
          const envelope: EventEnvelope = { eventId: randomUUID(), subject: PLAIN_STREAM.subject, occurredAt: new Date().toISOString(), correlationId: null, payload: orderPlacedPayload() };
          emittedAt[envelope.eventId] = now();
          const body = JSON.stringify(envelope);
          if (pool) await commit(envelope, body);
          await js.publish(PLAIN_STREAM.subject, body);
        });
        const publishedAt = now();
        return { emittedAt, startedAt, writtenAt: publishedAt, publishedAt } satisfies Produced;
      },
    },
    async () => {
      await nc.drain();
      await pool?.end();
    },
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
tell({ type: 'ready' });

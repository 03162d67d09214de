import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EVENT_STREAM, type EventEnvelope } from '@kundval/contracts';
import { applyOrderChange, applyOrderChanges, billingMigrations, type BillingTables } from '@kundval/billing';
import { connectEventBus, createLogger, inboxHandlers, messagingMigration, openDatabase, startConsumer, type MessagingTables } from '@kundval/platform';
import { serve, tell, type Message } from '../lib/child.js';
import { Arrivals, PLAIN_STREAM } from './shared.js';

/**
 * The consuming side, a process of its own as a service is.
 * - `product`: the platform's `startConsumer` (durable, explicit acks, schema check at the edge)
 *   with `inboxHandlers` applying billing's own orders-consumer change (`applyOrderChange`, and for
 *   a batch `applyOrderChanges`, one INSERT per run of placements): mark the event in the inbox, store the order, on billing's own schema and migrations in an on-disk PGlite database or on PostgreSQL;
 *   events that wait together go in one transaction (at most the optional third argument per
 *   transaction; 1 is one transaction per event). An event counts as stored once its transaction
 *   has committed.
 * - `plain`: a durable JetStream consumer on the plain stream that parses the JSON and acks.
 */
const mode = process.argv[2];
const natsUrl = process.argv[3]!;
/** `pglite` (an on-disk database in a temporary folder) or a PostgreSQL URL. */
const databaseArg = process.argv[4] ?? 'pglite';
const maxEvents = process.argv[5] ? Number(process.argv[5]) : undefined;
/** `batch`: billing's batch-aware apply (one INSERT per run of placements), as its consumer runs; `per-event`: `applyOrderChange` on each event of a batch. */
const applyMode = process.argv[6] || 'batch';
const logger = createLogger('bench-consumer', { level: 'warn' });
type Arm = Message & { durable: string; expected: number };

if (mode === 'product') {
  const dir = databaseArg === 'pglite' ? await mkdtemp(join(tmpdir(), 'kundval-bench-consumer-')) : undefined;
  const database = await openDatabase<BillingTables & MessagingTables>({ url: dir ? `pglite://${dir}` : databaseArg, schema: 'billing', migrations: { '0000_messaging': messagingMigration, ...billingMigrations }, logger });
  const db = database.db;
  const bus = await connectEventBus(natsUrl, 'bench-consumer');
  const jsm = await jetstreamManager(bus.nc);
  serve(
    {
      arm: async (message) => {
        const { durable, expected } = message as Arm;
        const arrivals = new Arrivals(expected);
        // Billing's own orders-consumer change (services/billing/src/consumers/orders.consumer.ts).
        const handlers = inboxHandlers(db, durable, applyOrderChange, { ...(maxEvents ? { maxEvents } : {}), ...(applyMode === 'batch' ? { applyBatch: applyOrderChanges } : {}) });
        const consumer = await startConsumer({
          bus,
          durable,
          events: ['orderPlaced'],
          logger,
          handler: async (event) => {
            await handlers.handler(event);
            arrivals.record(event.eventId);
          },
          batch: {
            maxEvents: handlers.batch!.maxEvents,
            handler: async (events) => {
              await handlers.batch!.handler(events);
              for (const event of events) arrivals.record(event.eventId);
            },
          },
        });
        void arrivals.complete.then(async (received) => {
          tell({ type: 'received', ...received });
          await consumer.stop();
          await jsm.consumers.delete(EVENT_STREAM.name, durable);
        });
        return {};
      },
    },
    async () => {
      await bus.close();
      await database.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  );
} else if (mode === 'plain') {
  const nc = await connect({ servers: natsUrl, name: 'bench-plain-consumer' });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  serve(
    {
      arm: async (message) => {
        const { durable, expected } = message as Arm;
        const arrivals = new Arrivals(expected);
        await jsm.consumers.add(PLAIN_STREAM.name, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: PLAIN_STREAM.subject });
        const messages = await (await js.consumers.get(PLAIN_STREAM.name, durable)).consume({ max_messages: 64 });
        void (async () => {
          for await (const msg of messages) {
            const envelope = msg.json<EventEnvelope>();
            msg.ack();
            arrivals.record(envelope.eventId);
          }
        })();
        void arrivals.complete.then(async (received) => {
          tell({ type: 'received', ...received });
          await messages.close();
          await jsm.consumers.delete(PLAIN_STREAM.name, durable);
        });
        return {};
      },
    },
    () => nc.drain(),
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
tell({ type: 'ready' });

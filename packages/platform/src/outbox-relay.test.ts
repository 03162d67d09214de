import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { EVENT_STREAM, PARKED_STREAM } from '@kundval/contracts';
import type { Kysely } from 'kysely';
import { openDatabase, type Database } from './database.js';
import { OutboxRelay, enqueueEvent, messagingMigration, purgeMessaging, startMessagingPurge, type EventPublisher, type MessagingTables } from './outbox.js';
import { DUPLICATE_WINDOW_MS, EVENT_STREAM_MAX_AGE_DAYS, PARKED_STREAM_MAX_AGE_DAYS, connectEventBus, type EventBus } from './nats.js';
import { createLogger } from './logger.js';
import { testDatabaseUrl, testEngines } from './testing.js';
import { BaseServiceConfig, loadConfig } from './config.js';

const logger = createLogger('outbox-relay-test', { level: 'silent' });
const accepted = (orderId: string) => ({ orderId, applicationId: 'a-1', customerId: 'c-1', providerId: 'p-1' });
const migrations = { '0000': messagingMigration };
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

describe.each(testEngines())('the outbox relay under several replicas of a service on %s', (engine) => {
  const N = 500;
  let first: Database<MessagingTables>;
  let second: Database<MessagingTables>;
  let buses: EventBus[] = [];

  beforeAll(async () => {
    const url = await testDatabaseUrl(engine, inject('postgresUrl'), 'outbox-relay');
    first = await openDatabase<MessagingTables>({ url, schema: 'relay_test', migrations });
    // Two handles on one schema, as two replicas of a service have. PGlite is one process's alone,
    // so there the second replica's relay shares the one handle.
    second = engine === 'postgres' ? await openDatabase<MessagingTables>({ url, schema: 'relay_test', migrations }) : first;
    buses = [await connectEventBus(nats.url, 'replica-1'), await connectEventBus(nats.url, 'replica-2')];
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    if (second !== first) await second?.close();
    await first?.close();
  });
  beforeEach(async () => {
    await (await jetstreamManager(buses[0]!.nc)).streams.purge(EVENT_STREAM.name);
  });

  /**
   * Publishes without a message id: JetStream's de-duplication is off, so a row two relays both
   * publish shows up twice in the stream. Counts what this relay published.
   */
  function countingPublisher(bus: EventBus) {
    const counter = { published: 0 };
    const publish: EventPublisher = async (envelope) => {
      await bus.js.publish(envelope.subject, JSON.stringify(envelope));
      counter.published++;
    };
    return { counter, publish };
  }

  it('publishes each of 500 rows exactly once, in order, while two relays race for them', async () => {
    const a = countingPublisher(buses[0]!);
    const b = countingPublisher(buses[1]!);
    const relays = [
      new OutboxRelay(first.db, a.publish, logger, { pollMs: 5, batchSize: 25 }),
      new OutboxRelay(second.db, b.publish, logger, { pollMs: 5, batchSize: 25 }),
    ];
    for (const r of relays) r.start();
    // Rows arrive while both relays poll, each commit kicking both, as replicas kicked by their own routes would.
    for (let t = 0; t < N / 50; t++) {
      const db = t % 2 === 0 ? first.db : second.db;
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < 50; i++) await enqueueEvent(trx, 'orderAccepted', accepted(`o-${t * 50 + i}`));
      });
      for (const r of relays) r.kick();
    }
    await waitFor(async () => (await unpublished(first.db)) === 0);
    for (const r of relays) await r.stop();

    expect(a.counter.published + b.counter.published).toBe(N);
    const jsm = await jetstreamManager(buses[0]!.nc);
    const { state } = await jsm.streams.info(EVENT_STREAM.name);
    expect(state.messages).toBe(N);
    const rows = await first.db.selectFrom('outbox').select(['event_id', 'published_at']).orderBy('seq').execute();
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => r.published_at !== null)).toBe(true);
    // The stream holds the events in the outbox's order: one relay at a time publishes, oldest first.
    const streamed: Array<string | undefined> = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) streamed.push((await jsm.streams.getMessage(EVENT_STREAM.name, { seq }))?.json<{ eventId: string }>().eventId);
    expect(streamed).toEqual(rows.map((r) => r.event_id));
  });

  it('leaves a batch unpublished when its publish fails, and the next pass publishes it', async () => {
    const db = first.db;
    await enqueueEvent(db, 'orderAccepted', accepted('o-fail'));
    const failing = new OutboxRelay(db, async () => Promise.reject(new Error('nats unavailable')), logger);
    await expect(failing.drain()).rejects.toThrow(/nats unavailable/);
    expect(await unpublished(db)).toBe(1);
    const ok = countingPublisher(buses[0]!);
    expect(await new OutboxRelay(second.db, ok.publish, logger).drain()).toBe(1);
    expect(await unpublished(db)).toBe(0);
  });
});

describe.each(testEngines())('the purge of published outbox rows and old inbox ids on %s', (engine) => {
  let database: Database<MessagingTables>;
  const now = new Date('2026-12-07T03:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  beforeAll(async () => {
    database = await openDatabase<MessagingTables>({ url: await testDatabaseUrl(engine, inject('postgresUrl'), 'outbox-purge'), schema: 'purge_test', migrations });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('deletes published rows past the retention and inbox ids past theirs, never an unpublished row', async () => {
    const db = database.db;
    const row = (orderId: string, created: Date, published: Date | null) => ({
      event_id: crypto.randomUUID(),
      subject: 'kundval.orders.order.accepted.v1',
      envelope: JSON.stringify({ orderId }),
      created_at: created,
      published_at: published,
    });
    await db
      .insertInto('outbox')
      .values([
        row('old-published', ago(80 * HOUR), ago(73 * HOUR)),
        row('old-published-2', ago(200 * HOUR), ago(199 * HOUR)),
        row('recent-published', ago(80 * HOUR), ago(71 * HOUR)),
        row('old-unpublished', ago(500 * HOUR), null),
        row('new-unpublished', ago(1 * HOUR), null),
      ] as never)
      .execute();
    await db
      .insertInto('inbox')
      .values([
        { consumer: 'c', event_id: crypto.randomUUID(), processed_at: ago(91 * DAY) },
        { consumer: 'c', event_id: crypto.randomUUID(), processed_at: ago(89 * DAY) },
        { consumer: 'c', event_id: crypto.randomUUID(), processed_at: ago(73 * HOUR) },
      ] as never)
      .execute();

    expect(await purgeMessaging(db, { now, retention: { outboxHours: 72, inboxDays: 90 } })).toEqual({ outbox: 2, inbox: 1 });
    const left = await db.selectFrom('outbox').select('envelope').orderBy('seq').execute();
    expect(left.map((r) => (r.envelope as unknown as { orderId: string }).orderId)).toEqual(['recent-published', 'old-unpublished', 'new-unpublished']);
    expect(await db.selectFrom('inbox').select('event_id').execute()).toHaveLength(2);
    // A second pass finds nothing more to delete.
    expect(await purgeMessaging(db, { now, retention: { outboxHours: 72, inboxDays: 90 } })).toEqual({ outbox: 0, inbox: 0 });
  });

  it('runs in the service process at start and then at every interval', async () => {
    const db = database.db;
    await db.deleteFrom('outbox').execute();
    const eventId = await enqueueEvent(db, 'orderAccepted', accepted('o-purged'));
    await db.updateTable('outbox').set({ published_at: ago(73 * HOUR) }).where('event_id', '=', eventId).execute();
    const purge = startMessagingPurge(db, { retention: { outboxHours: 72, inboxDays: 90 }, intervalMs: 20, clock: () => now, logger });
    try {
      await waitFor(async () => (await db.selectFrom('outbox').select('seq').execute()).length === 0);
      const later = await enqueueEvent(db, 'orderAccepted', accepted('o-later'));
      await db.updateTable('outbox').set({ published_at: ago(100 * HOUR) }).where('event_id', '=', later).execute();
      await waitFor(async () => (await db.selectFrom('outbox').select('seq').execute()).length === 0);
    } finally {
      await purge.stop();
    }
  });
});

describe('the platform streams on a single nats-server', () => {
  it('are created with the configured replicas, the de-duplication window and their maximum ages', async () => {
    // Replicas above 1 need a JetStream cluster; this server is one node, so R1 is what it can take.
    const bus = await connectEventBus(nats.url, 'streams-test', { replicas: 1 });
    try {
      const jsm = await jetstreamManager(bus.nc);
      const events = (await jsm.streams.info(EVENT_STREAM.name)).config;
      const parked = (await jsm.streams.info(PARKED_STREAM.name)).config;
      const nanos = (ms: number) => ms * 1_000_000;
      expect({ replicas: events.num_replicas, maxAge: events.max_age, window: events.duplicate_window }).toEqual({
        replicas: 1,
        maxAge: nanos(EVENT_STREAM_MAX_AGE_DAYS * DAY),
        window: nanos(DUPLICATE_WINDOW_MS),
      });
      expect({ replicas: parked.num_replicas, maxAge: parked.max_age, window: parked.duplicate_window }).toEqual({
        replicas: 1,
        maxAge: nanos(PARKED_STREAM_MAX_AGE_DAYS * DAY),
        window: nanos(DUPLICATE_WINDOW_MS),
      });
    } finally {
      await bus.close();
    }
  });
  it('stops a process that asks a single server to create its streams at R3', async () => {
    // Creating is refused; an update of an existing R1 stream to R3 is accepted and reported as R3
    // by a standalone server, though it has no peer to place a copy on (ADR 0023).
    const probe = await connectEventBus(nats.url, 'streams-probe');
    const jsm = await jetstreamManager(probe.nc);
    try {
      for (const stream of [EVENT_STREAM.name, PARKED_STREAM.name]) await jsm.streams.delete(stream);
      await expect(connectEventBus(nats.url, 'streams-r3', { replicas: 3 })).rejects.toThrow(/replicas > 1 not supported/);
    } finally {
      await probe.close();
    }
  });
});

describe('the settings of the relay, the purge and the streams', () => {
  const env = { PORT: '0', DATABASE_URL: 'pglite://memory', AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };

  it('keeps published outbox rows 72 hours unless set, and refuses a retention under an hour', () => {
    expect(loadConfig(BaseServiceConfig, env).OUTBOX_RETENTION_HOURS).toBe(72);
    expect(loadConfig(BaseServiceConfig, { ...env, OUTBOX_RETENTION_HOURS: '24' }).OUTBOX_RETENTION_HOURS).toBe(24);
    expect(() => loadConfig(BaseServiceConfig, { ...env, OUTBOX_RETENTION_HOURS: '0' })).toThrow(/OUTBOX_RETENTION_HOURS/);
  });

  it('creates the streams with one replica unless set, and takes 1 to 5', () => {
    expect(loadConfig(BaseServiceConfig, env).NATS_STREAM_REPLICAS).toBe(1);
    expect(loadConfig(BaseServiceConfig, { ...env, NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3);
    for (const wrong of ['0', '6', '2.5']) expect(() => loadConfig(BaseServiceConfig, { ...env, NATS_STREAM_REPLICAS: wrong })).toThrow(/NATS_STREAM_REPLICAS/);
  });
});

async function unpublished(db: Kysely<MessagingTables>): Promise<number> {
  const { n } = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('published_at', 'is', null).executeTakeFirstOrThrow();
  return Number(n);
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

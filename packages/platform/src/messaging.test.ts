import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { randomUUID } from 'node:crypto';
import { PARKED_STREAM, eventCatalog, type CatalogEvent } from '@kundval/contracts';
import type { Kysely } from 'kysely';
import { openDatabase, type Database } from './database.js';
import { OutboxRelay, audit, enqueueEvent, markEventProcessed, markEventsProcessed, messagingMigration, type MessagingTables } from './outbox.js';
import { inboxHandlers } from './inbox-consumer.js';
import { UnprocessableEventError, connectEventBus, startConsumer, type EventBus } from './nats.js';
import { createLogger } from './logger.js';

const logger = createLogger('messaging-test', { level: 'silent' });
const accepted = (orderId: string) => ({ orderId, applicationId: 'a-1', customerId: 'c-1', providerId: 'p-1' });

describe('outbox, relay and consumer against a real nats-server and PGlite', () => {
  let nats: NatsServer;
  let bus: EventBus;
  let database: Database<MessagingTables>;
  let db: Kysely<MessagingTables>;

  beforeAll(async () => {
    nats = await startNatsServer();
    bus = await connectEventBus(nats.url, 'messaging-test');
    database = await openDatabase<MessagingTables>({ url: 'pglite://memory', schema: 'messaging_test', migrations: { '0000': messagingMigration } });
    db = database.db;
  });
  afterAll(async () => {
    await bus?.close();
    await database?.close();
    await nats?.stop();
  });

  async function collect(durable: string, handler: (e: CatalogEvent) => Promise<void>, events: Parameters<typeof startConsumer>[0]['events'] = ['orderAccepted']) {
    return startConsumer({ bus, durable, events, logger, handler, maxDeliveries: 3 });
  }

  it('refuses to enqueue an event whose payload breaks the catalog schema, so nothing invalid is ever published', async () => {
    await expect(enqueueEvent(db, 'orderAccepted', { orderId: 'o' } as never)).rejects.toThrow(/applicationId/);
    expect(await db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);
  });

  it('relays committed events in order, marks them published, and a consumer applies each once', async () => {
    const ids = await db.transaction().execute(async (trx) => [await enqueueEvent(trx, 'orderAccepted', accepted('o-1')), await enqueueEvent(trx, 'orderAccepted', accepted('o-2'))]);
    const seen: string[] = [];
    const consumer = await collect('relay-order', async (e) => {
      await db.transaction().execute(async (trx) => {
        if (await markEventProcessed(trx, 'relay-order', e.eventId)) seen.push(e.eventId);
      });
    });
    const relay = new OutboxRelay(db, async (e) => void (await bus.publish(e)), logger);
    expect(await relay.drain()).toBe(2);
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(ids);
    expect((await db.selectFrom('outbox').select('published_at').execute()).every((r) => r.published_at !== null)).toBe(true);

    // Published again (a crash between publish and mark): JetStream drops it, the inbox would too.
    const [row] = await db.selectFrom('outbox').select('envelope').orderBy('seq').limit(1).execute();
    expect(await bus.publish(row!.envelope)).toEqual({ duplicate: true });
    await consumer.stop();
  });

  it('retries a failing handler and parks the event after the last delivery, with the reason', async () => {
    let calls = 0;
    const eventId = await enqueueEvent(db, 'orderAccepted', accepted('o-3'));
    const consumer = await collect('always-fails', async (e) => {
      if (e.eventId === eventId) calls++;
      throw new Error('store unavailable');
    });
    await new OutboxRelay(db, async (e) => void (await bus.publish(e)), logger).drain();
    const parked = await waitForParked((p) => p.consumer === 'always-fails' && p.eventId === eventId);
    expect(calls).toBe(3);
    expect(parked.reason).toMatch(/handler failed 3 times: store unavailable/);
    expect(parked.eventId).toBe(eventId);
    await consumer.stop();
  });

  it('parks an unprocessable event at once, and goes on with the next', async () => {
    const handled: string[] = [];
    const consumer = await collect('unprocessable', async (e) => {
      if (e.name === 'orderAccepted' && e.payload.orderId === 'o-bad') throw new UnprocessableEventError('no journey takes it');
      handled.push(e.name === 'orderAccepted' ? e.payload.orderId : '');
    });
    await enqueueEvent(db, 'orderAccepted', accepted('o-bad'));
    await enqueueEvent(db, 'orderAccepted', accepted('o-good'));
    await new OutboxRelay(db, async (e) => void (await bus.publish(e)), logger).drain();
    const parked = await waitForParked((p) => p.consumer === 'unprocessable');
    expect(parked.reason).toBe('no journey takes it');
    await waitFor(() => handled.includes('o-good'));
    await consumer.stop();
  });

  it('signals partitions concurrently, never two events of one partition at once, each partition in stream order', async () => {
    // Keys no earlier test used: the durable starts at the stream's beginning and sees their events too.
    const keys = ['part-1', 'part-2', 'part-3', 'part-4', 'part-5'];
    const sent = new Map(keys.map((k) => [k, [] as string[]]));
    // Interleaved across partitions, as journeys' events are on the stream, two of a partition back to back each time.
    for (let i = 0; i < 8; i += 2) {
      for (const k of keys) {
        for (const j of [i, i + 1]) sent.get(k)!.push(await enqueueEvent(db, 'orderAccepted', { ...accepted(`o-${k}-${j}`), applicationId: k }));
      }
    }
    const seen = new Map(keys.map((k) => [k, [] as string[]]));
    const activeByKey = new Map<string, number>();
    let active = 0;
    let maxActive = 0;
    let maxActiveInOneKey = 0;
    const consumer = await startConsumer({
      bus,
      durable: 'partitioned',
      events: ['orderAccepted'],
      logger,
      partitioned: { key: (e) => (e.name === 'orderAccepted' ? e.payload.applicationId : e.subject), concurrency: 3 },
      handler: async (e) => {
        if (e.name !== 'orderAccepted' || !keys.includes(e.payload.applicationId)) return;
        const k = e.payload.applicationId;
        active++;
        activeByKey.set(k, (activeByKey.get(k) ?? 0) + 1);
        maxActive = Math.max(maxActive, active);
        maxActiveInOneKey = Math.max(maxActiveInOneKey, activeByKey.get(k)!);
        // A partition's later events take less time, so any two run at once would finish out of order.
        const index = Number(e.payload.orderId.split('-').at(-1));
        await new Promise((r) => setTimeout(r, 5 + 3 * (8 - index)));
        seen.get(k)!.push(e.eventId);
        activeByKey.set(k, activeByKey.get(k)! - 1);
        active--;
      },
    });
    await new OutboxRelay(db, async (e) => void (await bus.publish(e)), logger).drain();
    await waitFor(() => [...seen.values()].every((ids) => ids.length === 8));
    expect(seen).toEqual(sent);
    expect(maxActive).toBe(3);
    expect(maxActiveInOneKey).toBe(1);
    await consumer.stop();
  });

  it('records a batch of event ids with one INSERT and returns only the new ones, a repeated id once', async () => {
    const [a, b, c] = ['5f0e7c1a-0000-4000-8000-000000000001', '5f0e7c1a-0000-4000-8000-000000000002', '5f0e7c1a-0000-4000-8000-000000000003'];
    await markEventProcessed(db, 'batch-marks', a!);
    const fresh = await db.transaction().execute((trx) => markEventsProcessed(trx, 'batch-marks', [a!, b!, c!, b!]));
    expect([...fresh].sort()).toEqual([b, c]);
    const rows = await db.selectFrom('inbox').select('event_id').where('consumer', '=', 'batch-marks').orderBy('event_id').execute();
    expect(rows.map((r) => r.event_id)).toEqual([a, b, c]);
  });

  it("hands a batch-aware apply the batch's new events once each, in stream order, and rolls the batch's inbox marks back with it when it fails", async () => {
    const event = (orderId: string): CatalogEvent => ({ name: 'orderAccepted', eventId: randomUUID(), subject: eventCatalog.orderAccepted.subject, occurredAt: new Date().toISOString(), correlationId: null, payload: accepted(orderId) });
    const [a, b, c] = [event('o-ab-1'), event('o-ab-2'), event('o-ab-3')];
    await markEventProcessed(db, 'batch-apply', a.eventId);
    const calls: string[][] = [];
    let fail = false;
    const handlers = inboxHandlers(db, 'batch-apply', () => Promise.reject(new Error('a batch goes through applyBatch')), {
      applyBatch: async (trx, events) => {
        calls.push(events.map((e) => (e.name === 'orderAccepted' ? e.payload.orderId : e.name)));
        for (const e of events) await audit(trx, { sub: 'consumer', role: 'system' }, { action: 'stored', entity: 'order', entityId: e.eventId });
        if (fail) throw new Error('the batch fails');
      },
    });
    // b is delivered twice in the batch; a was applied before.
    await handlers.batch!.handler([a, b, c, b]);
    expect(calls).toEqual([['o-ab-2', 'o-ab-3']]);
    // All applied already: applyBatch is not called with nothing.
    await handlers.batch!.handler([a, c]);
    expect(calls).toHaveLength(1);
    const d = event('o-ab-4');
    fail = true;
    await expect(handlers.batch!.handler([b, d])).rejects.toThrow('the batch fails');
    const marked = await db.selectFrom('inbox').select('event_id').where('consumer', '=', 'batch-apply').execute();
    expect(marked.map((r) => r.event_id).sort()).toEqual([a.eventId, b.eventId, c.eventId].sort());
    expect(await db.selectFrom('audit_log').select('entity_id').where('entity_id', 'in', [a.eventId, b.eventId, c.eventId, d.eventId]).execute()).toHaveLength(2);
  });

  it('applies waiting events in one transaction each batch, records every event id in the inbox, and parks a failing event alone', async () => {
    const durable = 'batched';
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await enqueueEvent(db, 'orderAccepted', accepted(`o-batch-${i}`)));
    // Published before the consumer starts, so the events wait and arrive together.
    await new OutboxRelay(db, async (e) => void (await bus.publish(e)), logger).drain();
    const batchSizes: number[] = [];
    const handlers = inboxHandlers(db, durable, async (trx, e) => {
      if (e.name !== 'orderAccepted') return;
      if (e.payload.orderId === 'o-batch-17') throw new UnprocessableEventError('order o-batch-17 is unknown');
      await audit(trx, { sub: 'consumer', role: 'system' }, { action: 'stored', entity: 'order', entityId: e.payload.orderId });
    }, { maxEvents: 8 });
    const consumer = await startConsumer({
      bus,
      durable,
      events: ['orderAccepted'],
      logger,
      maxDeliveries: 3,
      handler: handlers.handler,
      batch: { maxEvents: handlers.batch!.maxEvents, handler: async (events) => {
        batchSizes.push(events.length);
        await handlers.batch!.handler(events);
      } },
    });
    const applied = async () => (await db.selectFrom('audit_log').select('entity_id').where('entity_id', 'like', 'o-batch-%').orderBy('id').execute()).map((r) => r.entity_id);
    const parked = await waitForParked((p) => p.consumer === durable);
    await waitFor(async () => (await applied()).length === 29);
    expect(parked).toEqual({ consumer: durable, reason: 'order o-batch-17 is unknown', eventId: ids[17] });
    expect(await applied()).toEqual(Array.from({ length: 30 }, (_, i) => `o-batch-${i}`).filter((o) => o !== 'o-batch-17'));
    const inbox = await db.selectFrom('inbox').select('event_id').where('consumer', '=', durable).where('event_id', 'in', ids).execute();
    expect(inbox.map((r) => r.event_id).sort()).toEqual(ids.filter((_, i) => i !== 17).sort());
    expect(Math.max(...batchSizes)).toBe(8);
    await consumer.stop();
  });

  async function waitForParked(match: (p: { consumer: string; reason: string; eventId: string }) => boolean) {
    const jsm = await jetstreamManager(bus.nc);
    let found: { consumer: string; reason: string; eventId: string } | undefined;
    await waitFor(async () => {
      const info = await jsm.streams.info(PARKED_STREAM.name);
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(PARKED_STREAM.name, { seq }).catch(() => null);
        if (!m) continue;
        const p = { consumer: m.header.get('Kundval-Consumer'), reason: m.header.get('Kundval-Park-Reason'), eventId: m.json<{ eventId: string }>().eventId };
        if (match(p)) found = p;
      }
      return found !== undefined;
    });
    return found!;
  }
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}


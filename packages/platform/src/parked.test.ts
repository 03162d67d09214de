import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { eventCatalog, type CatalogEvent } from '@kundval/contracts';
import { openDatabase, type Database } from './database.js';
import { messagingMigration, type MessagingTables } from './outbox.js';
import { UnprocessableEventError, connectEventBus, startConsumer, type EventBus } from './nats.js';
import { createLogger } from './logger.js';
import { createServiceApp } from './http.js';
import { issueToken } from './auth.js';
import { createIdempotencyTable, type IdempotencyTables } from './idempotency.js';
import { auditedParkedCommand, parkedEventRoutes, type ParkedEvent } from './parked.js';

const logger = createLogger('parked-test', { level: 'silent' });
const auth = { secret: 'test-secret-that-is-long-enough-for-hs256', issuer: 'kundval-test' };
const subject = eventCatalog.orderAccepted.subject;

describe("an operator's view of parked events, over a real nats-server", () => {
  let nats: NatsServer;
  let bus: EventBus;
  let database: Database<MessagingTables & IdempotencyTables>;
  let app: Awaited<ReturnType<typeof createServiceApp>>;
  let operator: { authorization: string };
  let consumer: { stop(): Promise<void> };
  let broken = true;
  const applied: string[] = [];
  const orderId = randomUUID();

  beforeAll(async () => {
    nats = await startNatsServer();
    bus = await connectEventBus(nats.url, 'parked-test');
    database = await openDatabase({ url: 'pglite://memory', schema: 'parked_test', migrations: { '0000': messagingMigration, '0001': { up: createIdempotencyTable } } });
    consumer = await startConsumer({
      bus,
      durable: 'parked-test',
      events: ['orderAccepted'],
      logger,
      handler: async (e: CatalogEvent) => {
        if (broken) throw new UnprocessableEventError('the journey for this order has closed');
        applied.push(e.eventId);
      },
    });
    app = await createServiceApp({ name: 'parked', version: 'test', description: 'test', logger, auth, routes: parkedEventRoutes({ bus, command: auditedParkedCommand(database.db, () => undefined) }), strictIdempotency: true });
    operator = { authorization: `Bearer ${await issueToken(auth, { sub: 'olle-operator', role: 'operator' })}` };
  });
  afterAll(async () => {
    await consumer?.stop();
    await app?.close();
    await bus?.close();
    await database?.close();
    await nats?.stop();
  });

  const list = async () => (await app.inject({ method: 'GET', url: '/parked-events', headers: operator })).json() as ParkedEvent[];
  async function waitForParked(n: number) {
    for (let i = 0; i < 100 && (await list()).length < n; i++) await new Promise((r) => setTimeout(r, 100));
    return list();
  }

  it('lists each parked event with its consumer, reason and payload, identity numbers masked, to operators only', async () => {
    const eventId = randomUUID();
    await bus.publish({ eventId, subject, occurredAt: new Date().toISOString(), correlationId: null, payload: { orderId, applicationId: randomUUID(), customerId: randomUUID(), providerId: 'omsorg-a' } });
    // A poison event: it fails the catalog's schema and carries a personnummer in a field it should not have.
    await bus.js.publish(subject, JSON.stringify({ eventId: randomUUID(), subject, note: 'för 19121212-1212' }), { msgID: randomUUID() });
    const parked = await waitForParked(2);
    expect(parked.map((p) => [p.consumer, p.subject, p.event, p.eventId])).toEqual([
      ['parked-test', subject, 'orderAccepted', eventId],
      ['parked-test', subject, null, null],
    ]);
    expect(parked[0]!.reason).toBe('the journey for this order has closed');
    expect(parked[1]!.payload).toContain('för [identity-number]');
    expect(parked[1]!.payload).not.toContain('19121212');
    const caseHandler = { authorization: `Bearer ${await issueToken(auth, { sub: 'cecilia', role: 'case-handler' })}` };
    expect((await app.inject({ method: 'GET', url: '/parked-events', headers: caseHandler })).statusCode).toBe(403);
  });

  it('keeps an event parked when its re-drive fails again, and answers 409 with the reason', async () => {
    const [first] = await list();
    const res = await app.inject({ method: 'POST', url: `/parked-events/${first!.sequence}/redrive`, headers: operator });
    expect([res.statusCode, res.json().error, res.json().message]).toEqual([409, 'PARKED.REDRIVE_FAILED', 'the journey for this order has closed']);
    expect((await list()).map((p) => p.sequence)).toContain(first!.sequence);
  });

  it('re-drives an event to the consumer that parked it once the cause is fixed, removes it and audits who did it', async () => {
    broken = false;
    const [first] = await list();
    const res = await app.inject({ method: 'POST', url: `/parked-events/${first!.sequence}/redrive`, headers: { ...operator, 'idempotency-key': 'redrive-1' } });
    expect(res.statusCode).toBe(200);
    expect(applied).toEqual([first!.eventId]);
    expect((await list()).map((p) => p.sequence)).not.toContain(first!.sequence);
    // The same key again is the same command: its first answer, nothing applied twice.
    const again = await app.inject({ method: 'POST', url: `/parked-events/${first!.sequence}/redrive`, headers: { ...operator, 'idempotency-key': 'redrive-1' } });
    expect([again.statusCode, again.headers['idempotent-replayed']]).toEqual([200, 'true']);
    expect(applied).toHaveLength(1);
    const rows = await database.db.selectFrom('audit_log').select(['actor', 'actor_role', 'action', 'entity', 'entity_id']).execute();
    expect(rows).toEqual([{ actor: 'olle-operator', actor_role: 'operator', action: 'parked-event.redriven', entity: 'parked-event', entity_id: `parked-test:${first!.sequence}` }]);
  });

  it('discards a poison event with the reason given, audited, and then knows it no more', async () => {
    const [poison] = await list();
    const missing = await app.inject({ method: 'POST', url: `/parked-events/${poison!.sequence}/discard`, headers: operator, payload: {} });
    expect([missing.statusCode, missing.json().issues?.[0]?.field]).toEqual([400, 'body.reason']);
    const res = await app.inject({ method: 'POST', url: `/parked-events/${poison!.sequence}/discard`, headers: operator, payload: { reason: 'a test publisher, never a real event' } });
    expect(res.statusCode).toBe(200);
    expect(await list()).toEqual([]);
    const row = await database.db.selectFrom('audit_log').select(['action', 'after']).where('action', '=', 'parked-event.discarded').executeTakeFirstOrThrow();
    expect(row.after).toEqual({ discardReason: 'a test publisher, never a real event' });
    const gone = await app.inject({ method: 'POST', url: `/parked-events/${poison!.sequence}/redrive`, headers: operator });
    expect([gone.statusCode, gone.json().error]).toEqual([404, 'PARKED.NOT_FOUND']);
  });
});

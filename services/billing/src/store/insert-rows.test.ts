import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { messagingMigration, openDatabase, type Database, type MessagingTables } from '@kundval/platform';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import type { BillingTables } from './schema.js';
import type { BillingDb } from './db.js';
import { billingMigrations } from './migrations.js';
import { insertRows } from './insert-rows.js';
import { enqueueEvents } from '../outbox-bulk.js';

describe.each(testEngines())('rows written by pre-built statements on %s', (engine) => {
  let database: Database<BillingTables & MessagingTables>;
  let db: BillingDb;

  beforeAll(async () => {
    database = await openDatabase<BillingTables & MessagingTables>({ url: await testDatabaseUrl(engine, inject('postgresUrl'), 'insert_rows'), schema: 'billing', migrations: { '0000_messaging': messagingMigration, ...billingMigrations } });
    db = database.db;
  });
  afterAll(() => database?.close());

  const outboxRow = (n: number) => ({ event_id: randomUUID(), subject: `test.insert-rows.${n}`, envelope: JSON.stringify({ n, text: `quote " and backslash \\ ${n}` }), published_at: null });

  it('writes every row once, in chunks, whatever the last chunk holds', async () => {
    await db.deleteFrom('outbox').execute();
    // 7 rows in chunks of 3 (3, 3, 1), then 2 (a prefix of the statement built), then 5 (a longer one built).
    const batches = [Array.from({ length: 7 }, (_, i) => outboxRow(i)), [outboxRow(7), outboxRow(8)], Array.from({ length: 5 }, (_, i) => outboxRow(9 + i))];
    for (const rows of batches) await insertRows(db, 'outbox', ['event_id', 'subject', 'envelope', 'published_at'], rows, 3);
    const stored = await db.selectFrom('outbox').select(['event_id', 'subject', 'envelope', 'published_at']).orderBy('seq').execute();
    expect(stored).toEqual(batches.flat().map((r) => ({ ...r, envelope: JSON.parse(r.envelope) })));
  });

  it('writes nothing for no rows', async () => {
    await db.deleteFrom('outbox').execute();
    await insertRows(db, 'outbox', ['event_id', 'subject', 'envelope', 'published_at'], [], 3);
    expect(await db.selectFrom('outbox').select('event_id').execute()).toEqual([]);
  });

  it("enqueues events with the catalog's envelope, and refuses a payload the catalog does not allow", async () => {
    await db.deleteFrom('outbox').execute();
    const payment = { paymentId: randomUUID(), applicationId: randomUUID(), orderId: randomUUID(), providerId: 'p-1', month: '2026-02', amountOre: 12_345, unpricedMinutes: 0 };
    const occurredAt = new Date('2026-03-01T02:00:00.000Z');
    await enqueueEvents(db, 'providerPaymentCreated', [payment, { ...payment, amountOre: 1 }], { correlationId: 'c-1', occurredAt, chunkSize: 1 });
    const stored = await db.selectFrom('outbox').select(['event_id', 'subject', 'envelope', 'published_at']).orderBy('seq').execute();
    expect(stored.map((r) => r.envelope)).toEqual([
      { eventId: stored[0]!.event_id, subject: 'kundval.billing.provider-payment.created.v1', occurredAt: occurredAt.toISOString(), correlationId: 'c-1', payload: payment },
      { eventId: stored[1]!.event_id, subject: 'kundval.billing.provider-payment.created.v1', occurredAt: occurredAt.toISOString(), correlationId: 'c-1', payload: { ...payment, amountOre: 1 } },
    ]);
    expect(stored.map((r) => [r.subject, r.published_at])).toEqual([
      ['kundval.billing.provider-payment.created.v1', null],
      ['kundval.billing.provider-payment.created.v1', null],
    ]);
    await expect(enqueueEvents(db, 'providerPaymentCreated', [{ ...payment, amountOre: -1 }])).rejects.toThrow();
    expect(await db.selectFrom('outbox').select('event_id').execute()).toHaveLength(2);
  });
});

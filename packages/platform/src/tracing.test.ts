import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import type { Kysely } from 'kysely';
import { openDatabase, type Database } from './database.js';
import { OutboxRelay, enqueueEvent, messagingMigration, outboxTraceContextMigration, type MessagingTables } from './outbox.js';
import { connectEventBus, startConsumer, type EventBus } from './nats.js';
import { createLogger } from './logger.js';
import { startTracing } from './tracing.js';

const accepted = (orderId: string) => ({ orderId, applicationId: 'a-1', customerId: 'c-1', providerId: 'p-1' });
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('the trace of a change, from the command through the outbox and NATS to a consumer (ADR 0038)', () => {
  let nats: NatsServer;
  let bus: EventBus;
  let database: Database<MessagingTables>;
  let db: Kysely<MessagingTables>;
  const logger = createLogger('tracing-test', { level: 'silent' });

  beforeAll(async () => {
    startTracing('tracing-test', {});
    nats = await startNatsServer();
    bus = await connectEventBus(nats.url, 'tracing-test');
    database = await openDatabase<MessagingTables>({ url: 'pglite://memory', schema: 'tracing_test', migrations: { '0000': messagingMigration, '0001': outboxTraceContextMigration } });
    db = database.db;
  });
  afterAll(async () => {
    await bus?.close();
    await database?.close();
    await nats?.stop();
  });

  it('writes the trace id and span id into every log line written inside a span, and none outside', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger('test', { level: 'info' }, sink);
    log.info('outside');
    const ids = trace.getTracer('test').startActiveSpan('a command', (span) => {
      log.info('inside');
      span.end();
      return span.spanContext();
    });
    const [outside, inside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outside).not.toHaveProperty('trace_id');
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
  });

  it("keeps the command's trace with the outbox row, publishes it in the message's traceparent, and runs the consumer's handler in that trace", async () => {
    const command = await trace.getTracer('test').startActiveSpan('POST /orders/:id/accept', async (span) => {
      await db.transaction().execute((trx) => enqueueEvent(trx, 'orderAccepted', accepted('o-traced')));
      span.end();
      return span.spanContext();
    });
    const [row] = await db.selectFrom('outbox').selectAll().where('published_at', 'is', null).execute();
    expect(row?.trace_context?.['traceparent']).toBe(`00-${command.traceId}-${command.spanId}-01`);

    const seen: Array<{ handlerTraceId: string | undefined }> = [];
    const consumer = await startConsumer({
      bus,
      durable: 'traced',
      events: ['orderAccepted'],
      logger,
      handler: async () => {
        seen.push({ handlerTraceId: trace.getActiveSpan()?.spanContext().traceId });
      },
    });
    const headers: string[] = [];
    // The relay runs outside any request: the publish span's parent is the row's stored context.
    expect(await new OutboxRelay(db, async (e) => {
      headers.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
      await bus.publish(e);
    }, logger).drain()).toBe(1);
    expect(headers).toEqual([command.traceId]);
    const message = await (await jetstreamManager(bus.nc)).streams.getMessage('KUNDVAL', { last_by_subj: 'kundval.orders.order.accepted.v1' });
    const [, traceId, publishSpanId] = message?.header.get('traceparent').match(TRACEPARENT) ?? [];
    expect(traceId).toBe(command.traceId);
    expect(publishSpanId).not.toBe(command.spanId);
    await waitFor(() => seen.length === 1);
    expect(seen[0]?.handlerTraceId).toBe(command.traceId);
    await consumer.stop();
  });

  it('writes no trace context for a change made outside any trace, and the relay still publishes it', async () => {
    await db.transaction().execute((trx) => enqueueEvent(trx, 'orderAccepted', accepted('o-untraced')));
    const [row] = await db.selectFrom('outbox').selectAll().where('published_at', 'is', null).execute();
    expect(row?.trace_context).toBeNull();
    expect(await new OutboxRelay(db, async (e) => void (await bus.publish(e)), logger).drain()).toBe(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { EVENT_STREAM, eventCatalog, type CatalogEvent, type EventEnvelope } from '@kundval/contracts';
import { PIN_TAKEOVER_GRACE_MS, PIN_TIMEOUT_MS, PINNED_ACK_WAIT_MS, connectEventBus, startConsumer, type EventBus } from './nats.js';
import { createLogger } from './logger.js';

const logger = createLogger('pinned-consumer-test', { level: 'silent' });

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

const accepted = (applicationId: string, orderId: string): EventEnvelope => ({
  eventId: randomUUID(),
  subject: eventCatalog.orderAccepted.subject,
  occurredAt: new Date().toISOString(),
  correlationId: null,
  payload: { orderId, applicationId, customerId: 'c-1', providerId: 'p-1' },
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a pinned consumer shared by two processes (ADR 0041)', () => {
  it('declares the pinned priority group with a pin timeout longer than an acknowledgement wait and a pull', async () => {
    const bus = await connectEventBus(nats.url, 'pinned-config');
    const consumer = await startConsumer({ bus, durable: 'pinned-config', events: ['orderAccepted'], handler: async () => undefined, logger, pinned: { group: 'g' } });
    try {
      const config = (await (await jetstreamManager(bus.nc)).consumers.info(EVENT_STREAM.name, 'pinned-config')).config;
      expect([config.priority_groups, config.priority_policy, config.priority_timeout, config.ack_wait]).toEqual([['g'], 'pinned_client', nanos(PIN_TIMEOUT_MS), nanos(PINNED_ACK_WAIT_MS)]);
      expect(PIN_TIMEOUT_MS).toBeGreaterThan(PINNED_ACK_WAIT_MS + 5_000);
    } finally {
      await consumer.stop();
      await bus.close();
    }
  });

  it('hands every event to one process while both run, and after that one dies mid-event the other takes over in stream order', async () => {
    const buses: EventBus[] = [await connectEventBus(nats.url, 'bridge-a'), await connectEventBus(nats.url, 'bridge-b')];
    const handled: Array<{ by: number; orderId: string; at: number }> = [];
    let dying: number | undefined;
    // Both processes run the same handler; whichever holds the pin hangs on o-4, as a process would
    // whose signal never returns, and is then killed (its connection closed without a goodbye).
    const consumers = await Promise.all(
      buses.map((bus, by) =>
        startConsumer({
          bus,
          durable: 'pinned-order',
          events: ['orderAccepted'],
          logger,
          pinned: { group: 'bridges' },
          partitioned: { key: (e) => (e.name === 'orderAccepted' ? e.payload.applicationId : e.subject), concurrency: 8 },
          handler: async (event: CatalogEvent) => {
            if (event.name !== 'orderAccepted') return;
            if (event.payload.orderId === 'o-4' && dying === undefined) {
              dying = by;
              return new Promise<void>(() => undefined);
            }
            handled.push({ by, orderId: event.payload.orderId, at: Date.now() });
          },
        }),
      ),
    );
    try {
      const journey = randomUUID();
      // Published back to back, as one journey's events from a relay's batch.
      for (let i = 1; i <= 6; i++) await buses[0]!.publish(accepted(journey, `o-${i}`));
      const holder = await until('the pinned process to reach o-4', () => dying, 15_000);
      expect(handled.map((h) => [h.by, h.orderId])).toEqual([
        [holder, 'o-1'],
        [holder, 'o-2'],
        [holder, 'o-3'],
      ]);

      const killedAt = Date.now();
      await buses[holder]!.nc.close();
      const other = 1 - holder;
      await until('the other process to finish the journey', () => (handled.length === 6 ? true : undefined), PIN_TIMEOUT_MS + PINNED_ACK_WAIT_MS + 15_000);
      expect(handled.map((h) => [h.by, h.orderId])).toEqual([
        [holder, 'o-1'],
        [holder, 'o-2'],
        [holder, 'o-3'],
        [other, 'o-4'],
        [other, 'o-5'],
        [other, 'o-6'],
      ]);
      // Not before the server gave up on the dead holder and the new one waited out its grace.
      expect(handled[3]!.at - killedAt).toBeGreaterThanOrEqual(PIN_TAKEOVER_GRACE_MS);
      console.log(`pinned consumer: the other process took over ${((handled[3]!.at - killedAt) / 1000).toFixed(1)} s after the holder died`);
    } finally {
      await consumers[1 - (dying ?? 0)]!.stop();
      for (const bus of buses) if (!bus.nc.isClosed()) await bus.close();
    }
  }, 90_000);
});

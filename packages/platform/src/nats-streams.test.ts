import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscardPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { EVENT_STREAM, PARKED_STREAM, eventCatalog } from '@kundval/contracts';
import { EVENT_STREAM_MAX_BYTES, MAX_EVENT_BYTES, PARKED_STREAM_MAX_BYTES, connectEventBus, startConsumer } from './nats.js';
import { BaseServiceConfig, loadConfig } from './config.js';
import { createLogger } from './logger.js';

const logger = createLogger('nats-streams-test', { level: 'silent' });

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

describe('the declared stream and consumer configuration (ADR 0026)', () => {
  it('bounds both streams by age and bytes, on file storage, refusing new messages when full', async () => {
    const bus = await connectEventBus(nats.url, 'limits', { replicas: 1 });
    try {
      const jsm = await jetstreamManager(bus.nc);
      const events = (await jsm.streams.info(EVENT_STREAM.name)).config;
      const parked = (await jsm.streams.info(PARKED_STREAM.name)).config;
      expect([events.max_bytes, events.discard, events.storage, events.max_msg_size]).toEqual([EVENT_STREAM_MAX_BYTES, DiscardPolicy.New, StorageType.File, MAX_EVENT_BYTES]);
      expect([parked.max_bytes, parked.discard, parked.storage, parked.max_msg_size]).toEqual([PARKED_STREAM_MAX_BYTES, DiscardPolicy.New, StorageType.File, MAX_EVENT_BYTES]);
    } finally {
      await bus.close();
    }
  });

  it('applies a changed limit at the next start as an update, keeping the events, and a process without settings changes nothing', async () => {
    const first = await connectEventBus(nats.url, 'before', { replicas: 1 });
    await first.js.publish(eventCatalog.orderAccepted.subject, '{}');
    await first.close();

    const changed = await connectEventBus(nats.url, 'after', { replicas: 1, eventStreamMaxBytes: 512 * 1024 ** 2 });
    const jsm = await jetstreamManager(changed.nc);
    const info = await jsm.streams.info(EVENT_STREAM.name);
    expect([info.config.max_bytes, info.state.messages]).toEqual([512 * 1024 ** 2, 1]);
    await changed.close();

    const bystander = await connectEventBus(nats.url, 'bystander');
    try {
      expect((await (await jetstreamManager(bystander.nc)).streams.info(EVENT_STREAM.name)).config.max_bytes).toBe(512 * 1024 ** 2);
    } finally {
      await bystander.close();
    }
  });

  it('lets two replicas of a service start the same durable consumer, replicated as the stream', async () => {
    const buses = [await connectEventBus(nats.url, 'replica-a', { replicas: 1 }), await connectEventBus(nats.url, 'replica-b', { replicas: 1 })];
    const consumers = await Promise.all(buses.map((bus) => startConsumer({ bus, durable: 'shared-test', events: ['orderAccepted'], handler: async () => undefined, logger })));
    try {
      const jsm = await jetstreamManager(buses[0]!.nc);
      const names = [];
      for await (const c of jsm.consumers.list(EVENT_STREAM.name)) names.push(c.name);
      expect(names.filter((n) => n === 'shared-test')).toHaveLength(1);
      expect((await jsm.consumers.info(EVENT_STREAM.name, 'shared-test')).config.num_replicas).toBe(1);
    } finally {
      for (const c of consumers) await c.stop();
      for (const bus of buses) await bus.close();
    }
  });

  it('reads the event stream byte limit from NATS_EVENT_STREAM_MAX_BYTES, 1 GiB unless set, at least 1 MiB', () => {
    const env = { PORT: '0', DATABASE_URL: 'pglite://memory', AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };
    expect(loadConfig(BaseServiceConfig, env).NATS_EVENT_STREAM_MAX_BYTES).toBe(1024 ** 3);
    expect(loadConfig(BaseServiceConfig, { ...env, NATS_EVENT_STREAM_MAX_BYTES: '2147483648' }).NATS_EVENT_STREAM_MAX_BYTES).toBe(2 * 1024 ** 3);
    expect(() => loadConfig(BaseServiceConfig, { ...env, NATS_EVENT_STREAM_MAX_BYTES: '1000' })).toThrow(/NATS_EVENT_STREAM_MAX_BYTES/);
  });
});

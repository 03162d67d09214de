import { connect } from '@nats-io/transport-node';
import { headers, nanos, type NatsConnection } from '@nats-io/nats-core';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import {
  EVENT_STREAM,
  PARKED_STREAM,
  eventCatalog,
  parkedSubject,
  parseEvent,
  type CatalogEvent,
  type EventEnvelope,
  type EventName,
} from '@kundval/contracts';
import type { Logger } from './logger.js';

/** How long JetStream remembers a message id: a re-publish of the same event inside it is dropped. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * How long the event stream keeps an event: a consumer that was down, or is reset to the stream's
 * start, can catch up on three months. Age rather than bytes, so what is lost is predictable (the
 * oldest quarter-old events), never the newest ones under a burst; consumers' inboxes keep applied
 * ids as long (ADR 0023).
 */
export const EVENT_STREAM_MAX_AGE_DAYS = 90;

/** How long a parked event waits for an operator before JetStream drops it. */
export const PARKED_STREAM_MAX_AGE_DAYS = 30;

/** What the platform's streams are created with; the replica count comes from `NATS_STREAM_REPLICAS`. */
export type StreamSettings = { replicas: number };

/**
 * The JetStream configuration of the event and parked streams. Without settings the replica count
 * is left out: a new stream gets JetStream's default (1) and an existing one keeps its own, so a
 * process that does not read `NATS_STREAM_REPLICAS` (a test driver, the bench) never scales down
 * the streams a service scaled up.
 */
export function platformStreams(settings?: StreamSettings) {
  const day = 24 * 3600_000;
  const replicas = settings ? { num_replicas: settings.replicas } : {};
  return [
    { name: EVENT_STREAM.name, subjects: [...EVENT_STREAM.subjects], duplicate_window: nanos(DUPLICATE_WINDOW_MS), max_age: nanos(EVENT_STREAM_MAX_AGE_DAYS * day), ...replicas },
    { name: PARKED_STREAM.name, subjects: [...PARKED_STREAM.subjects], duplicate_window: nanos(DUPLICATE_WINDOW_MS), max_age: nanos(PARKED_STREAM_MAX_AGE_DAYS * day), ...replicas },
  ];
}

export type EventBus = {
  nc: NatsConnection;
  js: JetStreamClient;
  publish(envelope: EventEnvelope): Promise<{ duplicate: boolean }>;
  close(): Promise<void>;
};

/**
 * Connects to NATS and makes sure the platform's streams exist with their settings (creating them
 * is idempotent; an existing stream is updated to them, so raising `NATS_STREAM_REPLICAS` on a
 * cluster scales the streams up at the next start). Every process that passes settings must pass
 * the same ones, or they undo each other's at each start; one that passes none leaves replicas be.
 */
export async function connectEventBus(url: string, name: string, streams?: StreamSettings): Promise<EventBus> {
  const nc = await connect({ servers: url, name, maxReconnectAttempts: -1 });
  try {
    const jsm = await jetstreamManager(nc);
    for (const config of platformStreams(streams)) await ensureStream(jsm, config);
  } catch (err) {
    await nc.close();
    throw err;
  }
  const js = jetstream(nc);
  return {
    nc,
    js,
    async publish(envelope) {
      const ack = await js.publish(envelope.subject, JSON.stringify(envelope), { msgID: envelope.eventId });
      return { duplicate: ack.duplicate };
    },
    close: () => nc.drain(),
  };
}

async function ensureStream(jsm: Awaited<ReturnType<typeof jetstreamManager>>, config: ReturnType<typeof platformStreams>[number]) {
  try {
    await jsm.streams.info(config.name);
    const { name, ...changes } = config;
    await jsm.streams.update(name, changes);
  } catch (err) {
    if (!(err instanceof Error) || !/stream not found/i.test(err.message)) throw err;
    await jsm.streams.add(config);
  }
}

export type EventHandler = (event: CatalogEvent) => Promise<void>;

/**
 * Thrown by a handler for an event that can never be applied (it refers to a journey that has
 * closed, say): the event is parked at once for an operator instead of being retried.
 */
export class UnprocessableEventError extends Error {
  override name = 'UnprocessableEventError';
}

export type ConsumerOptions = {
  bus: EventBus;
  /** Durable consumer name: one per consuming service and purpose; restarts resume where it left off. */
  durable: string;
  /** The catalog events this consumer wants, by name: subjects come from the catalog. */
  events: EventName[];
  handler: EventHandler;
  logger: Logger;
  /** Deliveries before an event whose handler keeps failing is parked. */
  maxDeliveries?: number;
  /**
   * Handles events of different partitions at the same time, up to `concurrency` events in flight,
   * while the events of one partition are handled one after another in stream order (ADR 0030).
   * Without it, one event at a time.
   */
  partitioned?: { key: (event: CatalogEvent) => string; concurrency: number };
  /**
   * Applies the events that are waiting together, up to `maxEvents`, in one call that must be all
   * or nothing (one transaction). When the batch fails, its events go through `handler` one at a
   * time, so a failing or unprocessable event is retried and parked alone (ADR 0030).
   */
  batch?: { maxEvents: number; handler: (events: CatalogEvent[]) => Promise<void> };
};

/** A delivered message and what its body parsed to: an event, or the reason it is poison. */
type Delivery = { msg: JsMsg } & ({ ok: true; event: CatalogEvent } | { ok: false; reason: string });

/**
 * Consumes catalog events from JetStream with explicit acks. A message that fails its schema is a
 * poison event: it is parked on `parked.<subject>` with the reason and acknowledged, never retried.
 * A handler failure is retried with back-off; after `maxDeliveries` the event is parked as well, so
 * one bad event never blocks a stream forever and nothing is silently lost. An event is acknowledged
 * only after its handler (or its batch) has finished.
 */
export async function startConsumer(options: ConsumerOptions): Promise<{ stop(): Promise<void> }> {
  const { bus, durable, handler, logger } = options;
  const maxDeliveries = options.maxDeliveries ?? 10;
  if (options.partitioned && options.batch) throw new Error('a consumer is either partitioned or batched, not both');
  const jsm = await jetstreamManager(bus.nc);
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subjects: options.events.map((n) => eventCatalog[n].subject),
    ack_wait: nanos(30_000),
    max_deliver: -1,
  };
  try {
    await jsm.consumers.info(EVENT_STREAM.name, durable);
    await jsm.consumers.update(EVENT_STREAM.name, durable, { filter_subjects: config.filter_subjects, ack_wait: config.ack_wait });
  } catch {
    await jsm.consumers.add(EVENT_STREAM.name, config);
  }
  const consumer = await bus.js.consumers.get(EVENT_STREAM.name, durable);
  const messages = await consumer.consume({ max_messages: 64 });

  // Nothing a single message does may end the loop: that would silently stop the consumer.
  const guarded = (msg: JsMsg, work: Promise<void>) =>
    work.catch((err: unknown) => {
      logger.error({ err, subject: msg.subject, streamSequence: msg.info.streamSequence }, 'consumer failed on a message; it will be redelivered');
      msg.nak(5_000);
    });

  const loop = options.partitioned
    ? consumePartitioned(options.partitioned)
    : options.batch
      ? consumeBatched(options.batch)
      : (async () => {
          for await (const msg of messages) await guarded(msg, handleOne(read(msg)));
        })();

  async function consumePartitioned(partitioned: NonNullable<ConsumerOptions['partitioned']>) {
    // The last event handled or queued per partition: the next one of that partition waits for it.
    const tails = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    for await (const msg of messages) {
      while (inFlight.size >= partitioned.concurrency) await Promise.race(inFlight);
      const delivery = read(msg);
      // A poison message has no trustworthy key: it is parked on its own, ordered with nothing.
      const key = delivery.ok ? partitioned.key(delivery.event) : undefined;
      const before = key === undefined ? undefined : tails.get(key);
      const task = guarded(msg, (before ?? Promise.resolve()).then(() => handleOne(delivery)));
      inFlight.add(task);
      if (key !== undefined) tails.set(key, task);
      void task.finally(() => {
        inFlight.delete(task);
        if (key !== undefined && tails.get(key) === task) tails.delete(key);
      });
    }
    await Promise.all(inFlight);
  }

  async function consumeBatched(batch: NonNullable<ConsumerOptions['batch']>) {
    // Messages that arrived while the previous batch was applied form the next one: no timer, no waiting for a batch to fill.
    const waiting: Delivery[] = [];
    let wake: (() => void) | undefined;
    let room: (() => void) | undefined;
    let ended = false;
    const worker = (async () => {
      for (;;) {
        if (waiting.length === 0) {
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const taken = waiting.splice(0, batch.maxEvents);
        room?.();
        room = undefined;
        await handleBatch(batch, taken);
      }
    })();
    for await (const msg of messages) {
      waiting.push(read(msg));
      wake?.();
      wake = undefined;
      // Bounded: stop taking messages while a full batch waits.
      while (waiting.length >= batch.maxEvents) await new Promise<void>((resolve) => (room = resolve));
    }
    ended = true;
    wake?.();
    await worker;
  }

  async function handleBatch(batch: NonNullable<ConsumerOptions['batch']>, deliveries: Delivery[]) {
    const events: { msg: JsMsg; event: CatalogEvent }[] = [];
    for (const d of deliveries) {
      if (d.ok) events.push(d);
      else await guarded(d.msg, park(d.msg, d.reason));
    }
    if (events.length === 0) return;
    if (events.length > 1) {
      try {
        await batch.handler(events.map((e) => e.event));
        for (const e of events) e.msg.ack();
        return;
      } catch (err) {
        logger.warn({ err, events: events.length }, 'event batch failed; applying its events one at a time');
      }
    }
    for (const e of events) await guarded(e.msg, handleOne({ msg: e.msg, ok: true, event: e.event }));
  }

  function read(msg: JsMsg): Delivery {
    let json: unknown;
    try {
      json = msg.json();
    } catch {
      return { msg, ok: false, reason: 'not JSON' };
    }
    const parsed = parseEvent(json);
    return parsed.ok ? { msg, ok: true, event: parsed.event } : { msg, ok: false, reason: parsed.reason };
  }

  async function handleOne(delivery: Delivery) {
    const { msg } = delivery;
    if (!delivery.ok) return park(msg, delivery.reason);
    const { event } = delivery;
    try {
      await handler(event);
      msg.ack();
    } catch (err) {
      if (err instanceof UnprocessableEventError) return park(msg, err.message);
      if (msg.info.deliveryCount >= maxDeliveries) {
        logger.error({ err, eventId: event.eventId, subject: msg.subject }, 'event failed too often; parking it');
        return park(msg, `handler failed ${msg.info.deliveryCount} times: ${err instanceof Error ? err.message : String(err)}`);
      }
      const delayMs = Math.min(30_000, 250 * 2 ** msg.info.deliveryCount);
      logger.warn({ err, eventId: event.eventId, subject: msg.subject, delayMs }, 'event handler failed; will retry');
      msg.nak(delayMs);
    }
  }

  async function park(msg: JsMsg, reason: string) {
    const h = headers();
    // Header values are one line of printable ASCII; zod's reasons span lines and use symbols.
    h.set('Kundval-Park-Reason', reason.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 1000));
    h.set('Kundval-Consumer', durable);
    await bus.js.publish(parkedSubject(msg.subject), msg.data, { headers: h, msgID: `${durable}:${msg.info.streamSequence}` });
    logger.error({ subject: msg.subject, streamSequence: msg.info.streamSequence, reason }, 'poison event parked');
    msg.term(reason.slice(0, 200));
  }

  return {
    async stop() {
      await messages.close();
      await loop;
    },
  };
}

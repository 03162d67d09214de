import { connect } from '@nats-io/transport-node';
import { headers, nanos, type NatsConnection } from '@nats-io/nats-core';
import { SpanKind, currentTraceContext, inSpanFrom } from './tracing.js';
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamClient, type JsMsg, type PriorityPolicy } from '@nats-io/jetstream';
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
import { isJetStreamTimeout, retryJetStreamRequest } from './jetstream-retry.js';

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

/** Bytes the event stream may hold by default (`NATS_EVENT_STREAM_MAX_BYTES`); per replica, on every node that holds one. */
export const EVENT_STREAM_MAX_BYTES = 1024 ** 3;
/** Bytes the parked stream may hold: parked events are few, each one an operator's case. */
export const PARKED_STREAM_MAX_BYTES = 64 * 1024 ** 2;
/** The largest event JetStream accepts; the catalog's events are a few kilobytes. */
export const MAX_EVENT_BYTES = 1024 ** 2;

/**
 * What the platform's streams and consumers are created with: the replica count
 * (`NATS_STREAM_REPLICAS`) and the event stream's byte limit (`NATS_EVENT_STREAM_MAX_BYTES`).
 */
export type StreamSettings = { replicas: number; eventStreamMaxBytes?: number };

/**
 * The JetStream configuration of the event and parked streams, declared here and nowhere else
 * (ADR 0026). Both streams are bounded by age and by bytes, and refuse new messages when full
 * (`discard: new`) rather than dropping old ones: a refused publish leaves the event in its
 * service's outbox, to be relayed once an operator has made room, whereas dropping the oldest
 * events would lose ones a lagging consumer has not read. File storage, limits retention (every
 * consumer reads the same events; a work queue would hand each to one).
 */
export function platformStreams(settings: StreamSettings = { replicas: 1 }) {
  const day = 24 * 3600_000;
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_msg_size: MAX_EVENT_BYTES,
    num_replicas: settings.replicas,
  };
  return [
    { ...common, name: EVENT_STREAM.name, subjects: [...EVENT_STREAM.subjects], max_age: nanos(EVENT_STREAM_MAX_AGE_DAYS * day), max_bytes: settings.eventStreamMaxBytes ?? EVENT_STREAM_MAX_BYTES },
    { ...common, name: PARKED_STREAM.name, subjects: [...PARKED_STREAM.subjects], max_age: nanos(PARKED_STREAM_MAX_AGE_DAYS * day), max_bytes: PARKED_STREAM_MAX_BYTES },
  ];
}

/**
 * The durable consumer every consuming service creates, declared once: explicit acks, from the
 * stream's start, redelivered after `ack_wait` until acknowledged or parked, and replicated as the
 * stream is, so a consumer's position survives the loss of a node.
 */
export function platformConsumer(durable: string, filterSubjects: string[], settings?: StreamSettings, pinned?: PinnedGroup) {
  return {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subjects: filterSubjects,
    ack_wait: nanos(pinned ? PINNED_ACK_WAIT_MS : 30_000),
    max_deliver: -1,
    ...(settings ? { num_replicas: settings.replicas } : {}),
    ...(pinned ? { priority_groups: [pinned.group], priority_policy: PINNED_CLIENT, priority_timeout: nanos(PIN_TIMEOUT_MS) } : {}),
  };
}

/**
 * A consumer whose processes take turns instead of sharing its events (ADR 0041): JetStream's
 * `pinned_client` priority policy (nats-server 2.11+) delivers to one pulling client only, the
 * pinned one, while the others' pulls wait; when the pinned client has not pulled for
 * `PIN_TIMEOUT_MS`, the server pins another. Used where the order of events across processes
 * matters (the journey bridges: two events of one journey must reach it in stream order).
 */
export type PinnedGroup = { group: string };

/** nats.js exports its priority policies as a type only. */
const PINNED_CLIENT: PriorityPolicy = 'pinned_client';

/** Acknowledgement wait of a pinned consumer: what its new holder waits at most for events the dead one had taken. */
export const PINNED_ACK_WAIT_MS = 10_000;
/** How long a pull of a pinned consumer's process stays open; the pinned one pulls again at least this often. */
export const PINNED_PULL_EXPIRES_MS = 5_000;
/**
 * Silence after which the server unpins a client and pins another. Longer than an acknowledgement
 * wait plus a pull: the dead holder's last pull is at most one pull's length before its death, and
 * every event delivered to it has been due for redelivery for a while when another is pinned, so
 * the new holder receives those events first (JetStream redelivers before it delivers new ones).
 */
export const PIN_TIMEOUT_MS = PINNED_ACK_WAIT_MS + PINNED_PULL_EXPIRES_MS + 5_000;
/**
 * How long a newly pinned process holds the events it receives before handling the first. The pin
 * also moves when the consumer's leader changes (a NATS node lost), while the previous holder is
 * alive and may be finishing an event of the same journey; it finishes within this time.
 */
export const PIN_TAKEOVER_GRACE_MS = 3_000;

export type EventBus = {
  nc: NatsConnection;
  /** The settings this process applies to streams and consumers; none when it leaves them to the services. */
  settings: StreamSettings | undefined;
  js: JetStreamClient;
  publish(envelope: EventEnvelope): Promise<{ duplicate: boolean }>;
  close(): Promise<void>;
  /** The handler of each durable consumer started on this bus: an operator's re-drive of a parked event runs it (parked.ts). */
  handlers: Map<string, EventHandler>;
  /** Told of each durable consumer started on this bus and of each event it parks (the process's metrics, ADR 0028). */
  observer?: { watch(durable: string): void; parked: { inc(labels: { consumer: string }): void } };
};

/**
 * Connects to NATS and makes sure the platform's streams exist. With settings (the services pass
 * theirs) an existing stream is updated to the declared configuration, so a changed limit or a
 * raised `NATS_STREAM_REPLICAS` is applied at the next start as an update, never a crash; every
 * process that passes settings must pass the same ones. Without settings (the bridge, a test
 * driver, the bench) a missing stream is created with the defaults and an existing one is left
 * as it is, so such a process never scales down what a service scaled up.
 */
export async function connectEventBus(url: string, name: string, streams?: StreamSettings): Promise<EventBus> {
  // A cluster is named by several of its nodes, comma-separated: the client starts from whichever
  // answers, learns the rest from it, and reconnects to another when its node goes away.
  const nc = await connect({ servers: url.split(',').map((s) => s.trim()).filter(Boolean), name, maxReconnectAttempts: -1 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: JETSTREAM_API_TIMEOUT_MS });
    for (const config of platformStreams(streams)) await retryJetStreamRequest(() => ensureStream(jsm, config, streams !== undefined));
  } catch (err) {
    await nc.close();
    throw err;
  }
  const js = jetstream(nc);
  return {
    nc,
    js,
    settings: streams,
    async publish(envelope) {
      // The active trace (the relay's publish span) travels in the message's headers (ADR 0038).
      const trace = currentTraceContext();
      const h = trace ? headers() : undefined;
      for (const [key, value] of Object.entries(trace ?? {})) h?.set(key, value);
      const ack = await js.publish(envelope.subject, JSON.stringify(envelope), { msgID: envelope.eventId, ...(h ? { headers: h } : {}) });
      return { duplicate: ack.duplicate };
    },
    close: () => nc.drain(),
    handlers: new Map(),
  };
}

async function ensureStream(jsm: Awaited<ReturnType<typeof jetstreamManager>>, config: ReturnType<typeof platformStreams>[number], apply: boolean) {
  try {
    await jsm.streams.info(config.name);
  } catch (err) {
    if (!(err instanceof Error) || !/stream not found/i.test(err.message)) throw err;
    try {
      await jsm.streams.add(config);
      return;
    } catch (addErr) {
      // Another process created it between our look and our add: apply ours over it below.
      if (!(addErr instanceof Error) || !/already in use|already exists/i.test(addErr.message)) throw addErr;
    }
  }
  if (!apply) return;
  const { name, ...changes } = config;
  await jsm.streams.update(name, changes);
}

/**
 * How long a stream or consumer request may take. A cluster that has just formed, or lost a node,
 * answers its first R3 creations in seconds while its groups elect leaders; five (the client's
 * default) is too short for six processes asking at once.
 */
const JETSTREAM_API_TIMEOUT_MS = 20_000;

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
  /**
   * One process of those sharing the durable consumer handles its events at a time; the others
   * stand by and one takes over when it dies (`PIN_TIMEOUT_MS`). The group name (≤ 16 characters)
   * is declared on the consumer.
   */
  pinned?: PinnedGroup;
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
  const jsm = await jetstreamManager(bus.nc, { timeout: JETSTREAM_API_TIMEOUT_MS });
  const config = platformConsumer(durable, options.events.map((n) => eventCatalog[n].subject), bus.settings, options.pinned);
  // Two replicas of a service share the durable: whichever starts second finds it and applies the
  // same declared configuration as an update.
  await retryJetStreamRequest(async () => {
    let exists = true;
    try {
      await jsm.consumers.info(EVENT_STREAM.name, durable);
    } catch {
      exists = false;
    }
    if (!exists) {
      try {
        await jsm.consumers.add(EVENT_STREAM.name, config);
      } catch (err) {
        // A timeout is retried whole; anything else means the other replica created it first.
        if (isJetStreamTimeout(err)) throw err;
        exists = true;
      }
    }
    if (exists) {
      const { durable_name: _name, ack_policy: _ack, deliver_policy: _deliver, ...changes } = config;
      await jsm.consumers.update(EVENT_STREAM.name, durable, changes);
    }
  });
  bus.observer?.watch(durable);
  bus.handlers.set(durable, handler);
  // Fetched with the management client's longer timeout, and again after a timeout: a cluster that
  // has just formed may still be electing the consumer's leader (a CI run lost a replica to it).
  const consumer = await retryJetStreamRequest(() => jsm.jetstream().consumers.get(EVENT_STREAM.name, durable));
  const messages = await consumer.consume({ max_messages: 64, ...(options.pinned ? { group: options.pinned.group, expires: PINNED_PULL_EXPIRES_MS } : {}) });
  const admitted = options.pinned ? admitOnTakeover(messages) : messages;

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
          for await (const msg of admitted) await guarded(msg, handleOne(read(msg)));
        })();

  async function consumePartitioned(partitioned: NonNullable<ConsumerOptions['partitioned']>) {
    // The last event handled or queued per partition: the next one of that partition waits for it.
    const tails = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    for await (const msg of admitted) {
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
    for await (const msg of admitted) {
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

  /**
   * The messages of a pinned consumer. When this process has just been pinned (a message carries a
   * pin id it has not seen), what arrives in the next `PIN_TAKEOVER_GRACE_MS` is held and then let
   * through in stream order: a previous holder that lives finishes what it had begun meanwhile, and
   * the events a dead one had taken come back as redeliveries, which JetStream does not send in
   * stream order (seen: 4, 6, 5), before the events after them.
   */
  async function* admitOnTakeover(source: AsyncIterable<JsMsg>): AsyncGenerator<JsMsg> {
    const iterator = source[Symbol.asyncIterator]();
    let waiting: Promise<IteratorResult<JsMsg>> | undefined;
    const next = () => (waiting ??= iterator.next());
    let pin: string | undefined;
    for (;;) {
      const first = await next();
      waiting = undefined;
      if (first.done) return;
      const current = first.value.headers?.get('Nats-Pin-Id');
      if (!current || current === pin) {
        yield first.value;
        continue;
      }
      pin = current;
      logger.info({ consumer: durable }, "this process now handles the consumer's events; holding them while a previous holder finishes");
      const held = [first.value];
      const until = Date.now() + PIN_TAKEOVER_GRACE_MS;
      let ended = false;
      for (let left = PIN_TAKEOVER_GRACE_MS; left > 0; left = until - Date.now()) {
        let timer: NodeJS.Timeout | undefined;
        const got = await Promise.race([next(), new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), left)))]);
        clearTimeout(timer);
        if (got === 'grace over') break;
        waiting = undefined;
        if (got.done) {
          ended = true;
          break;
        }
        held.push(got.value);
      }
      held.sort((a, b) => a.info.streamSequence - b.info.streamSequence);
      yield* held;
      if (ended) return;
    }
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
      // A span of the trace that published the event, from its headers (ADR 0038).
      await inSpanFrom(msg.headers, `${msg.subject} process`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'messaging.consumer.group.name': durable, 'messaging.message.id': event.eventId } }, () => handler(event));
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
    bus.observer?.parked.inc({ consumer: durable });
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

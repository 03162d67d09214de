import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { jetstreamManager } from '@nats-io/jetstream';
import { PARKED_STREAM, EVENT_STREAM } from '@kundval/contracts';
import type { Kysely } from 'kysely';
import type { EventBus } from './nats.js';
import type { AnyServiceDb, MessagingTables } from './outbox.js';

/**
 * One process's metrics, in the Prometheus text format (prom-client). Every service and the worker
 * make one at start-up; the HTTP app counts its requests into it and serves it at `/metrics`
 * (ADR 0028). The label `service` is set on every series, so one dashboard can hold them all.
 */
export type Metrics = {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Reads of a gauge's source (database, NATS, Temporal) that failed at a scrape; the gauge keeps its last value. */
  collectFailures: Counter<'metric'>;
  /** More exposition text served after the registry's (the Temporal SDK's own exporter, in the worker). */
  appendix?: () => Promise<string>;
};

/** Latency buckets in seconds: a page or command answers in milliseconds; a billing run's import in seconds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(service: string, options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // Memory, CPU, event-loop lag, handles: a process's own health, on by default (tests turn it off).
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'kundval_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern (never the concrete path: ids stay out of labels) and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'kundval_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being sent, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers: [registry],
    }),
    collectFailures: new Counter({
      name: 'kundval_metrics_collect_failures_total',
      help: "Scrapes at which a gauge could not read its source (the database, NATS or Temporal was away); the gauge kept its last value",
      labelNames: ['metric'],
      registers: [registry],
    }),
  };
}

/**
 * Runs a gauge's read at a scrape, so that a source that is away (the database, NATS, Temporal)
 * costs that gauge its fresh value, not the whole /metrics answer: a scrape during an outage is
 * when the other figures matter most.
 */
export async function guardCollect(metrics: Metrics, metric: string, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch {
    metrics.collectFailures.inc({ metric });
  }
}

/**
 * Counts every answer by route pattern and status, and serves `/metrics` without a token: a
 * scraper has none, and the figures name no person (ADR 0028; production keeps `/metrics` inside
 * the cluster's network, never at the public edge). A path no route serves is counted as `unmatched`,
 * so scanning cannot grow the label set.
 */
export const httpMetrics = fp<{ metrics: Metrics }>(
  async (app: FastifyInstance, { metrics }) => {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      const labels = { method: req.method, route, status: String(reply.statusCode) };
      // Each gets its own copy: prom-client keeps the object it is given as the series' labels.
      metrics.httpRequests.inc({ ...labels });
      metrics.httpDuration.observe({ ...labels }, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
      const text = await metrics.registry.metrics();
      const more = metrics.appendix ? await metrics.appendix().catch(() => '') : '';
      return reply.type(metrics.registry.contentType).send(more ? `${text}\n${more}` : text);
    });
  },
  { name: 'kundval-metrics' },
);

/**
 * The outbox's backlog: events committed but not yet on JetStream, and the age of the oldest. A
 * backlog that grows or an age past seconds means the relay is stuck (NATS down, a poison row).
 */
export function registerOutboxMetrics(metrics: Metrics, service: AnyServiceDb): void {
  const db = service as Kysely<MessagingTables>;
  const read = async () => {
    const row = await db
      .selectFrom('outbox')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('published_at', 'is', null)
      .executeTakeFirst();
    const oldest = row?.oldest ? new Date(row.oldest as unknown as string).getTime() : null;
    return { backlog: Number(row?.n ?? 0), ageSeconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  };
  // Both gauges read one query per scrape: the backlog's collect reads it, the age's takes its result.
  let last: Promise<{ backlog: number; ageSeconds: number }> = Promise.resolve({ backlog: 0, ageSeconds: 0 });
  new Gauge({
    name: 'kundval_outbox_backlog',
    help: 'Events in the outbox not yet published to JetStream',
    registers: [metrics.registry],
    async collect() {
      last = read();
      await guardCollect(metrics, 'kundval_outbox_backlog', async () => this.set((await last).backlog));
    },
  });
  new Gauge({
    name: 'kundval_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished outbox event (0 when none)',
    registers: [metrics.registry],
    async collect() {
      await guardCollect(metrics, 'kundval_outbox_oldest_age_seconds', async () => this.set((await last).ageSeconds));
    },
  });
}

/**
 * Per durable consumer of this process: events not yet delivered or not yet acknowledged (its lag),
 * and events it parked (counted when parked; the parked stream's own size per subject is
 * `kundval_parked_events`, read from JetStream).
 */
export type ConsumerMetrics = {
  parked: Counter<'consumer'>;
  watch(durable: string): void;
};

export function registerConsumerMetrics(metrics: Metrics, bus: EventBus): ConsumerMetrics {
  const durables = new Set<string>();
  const parked = new Counter({
    name: 'kundval_events_parked_total',
    help: 'Events a consumer parked for an operator (poison or failed too often), by consumer',
    labelNames: ['consumer'],
    registers: [metrics.registry],
  });
  new Gauge({
    name: 'kundval_consumer_pending',
    help: "Events of the event stream a consumer has not yet acknowledged (not delivered + awaiting ack): the consumer's lag",
    labelNames: ['consumer'],
    registers: [metrics.registry],
    async collect() {
      await guardCollect(metrics, 'kundval_consumer_pending', async () => {
        const jsm = await jetstreamManager(bus.nc);
        for (const durable of durables) {
          const info = await jsm.consumers.info(EVENT_STREAM.name, durable);
          this.set({ consumer: durable }, info.num_pending + info.num_ack_pending);
        }
      });
    },
  });
  new Gauge({
    name: 'kundval_parked_events',
    help: 'Events waiting in the parked stream, by subject (every consumer of the platform)',
    labelNames: ['subject'],
    registers: [metrics.registry],
    async collect() {
      await guardCollect(metrics, 'kundval_parked_events', async () => {
        const jsm = await jetstreamManager(bus.nc);
        const info = await jsm.streams.info(PARKED_STREAM.name, { subjects_filter: '>' });
        this.reset();
        for (const [subject, n] of Object.entries(info.state.subjects ?? {})) this.set({ subject }, n);
      });
    },
  });
  return { parked, watch: (durable) => void durables.add(durable) };
}

import type { FastifyInstance } from 'fastify';
import type { Migration } from 'kysely';
import { tokenSettingsFrom, type BaseServiceConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { startTracing } from './tracing.js';
import { openDatabase, type Database } from './database.js';
import { OutboxRelay, messagingMigration, startMessagingPurge, type MessagingTables } from './outbox.js';
import { EVENT_STREAM_MAX_AGE_DAYS, connectEventBus, type EventBus } from './nats.js';
import { createServiceApp, type FastifyPluginAsyncZod } from './http.js';
import { edgeLimitsFrom } from './edge.js';
import { startIdempotencyPurge } from './idempotency.js';
import { auditedParkedCommand, parkedEventRoutes } from './parked.js';
import { createMetrics, registerConsumerMetrics, registerOutboxMetrics, type Metrics } from './metrics.js';
import { databaseCheck, migrationsCheck, natsCheck } from './ready.js';

/** What a running service hands to its routes and consumers. */
export type ServiceRuntime<DB> = {
  config: BaseServiceConfig;
  logger: Logger;
  database: Database<DB & MessagingTables>;
  bus: EventBus;
  relay: OutboxRelay;
  /** The process's metrics registry: a service adds its own gauges and counters to it (ADR 0028). */
  metrics: Metrics;
};

export type ServiceSpec<DB> = {
  name: string;
  version: string;
  description: string;
  schema: string;
  migrations: Record<string, Migration>;
  config: BaseServiceConfig;
  routes: (runtime: ServiceRuntime<DB>) => FastifyPluginAsyncZod;
  consumers?: (runtime: ServiceRuntime<DB>) => Promise<Array<{ stop(): Promise<void> }>>;
};

/**
 * Starts a service process's parts in order — database and migrations, NATS and streams, the outbox
 * relay, the purges of expired idempotency keys and of published outbox rows, consumers, HTTP — and returns one `close()` that stops them in reverse: stop taking
 * requests, stop consuming, flush the outbox, close connections.
 */
export async function runService<DB>(spec: ServiceSpec<DB>): Promise<{ app: FastifyInstance; runtime: ServiceRuntime<DB>; close(): Promise<void> }> {
  // Before anything that makes spans; exported over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (ADR 0038).
  const tracing = startTracing(spec.name);
  const logger = createLogger(spec.name, { level: spec.config.LOG_LEVEL });
  const metrics = createMetrics(spec.name);
  const migrations = { '0000_messaging': messagingMigration, ...spec.migrations };
  const database = await openDatabase<DB & MessagingTables>({
    url: spec.config.DATABASE_URL,
    schema: spec.schema,
    migrations,
    logger,
  });
  const bus = await connectEventBus(spec.config.NATS_URL, spec.name, { replicas: spec.config.NATS_STREAM_REPLICAS, eventStreamMaxBytes: spec.config.NATS_EVENT_STREAM_MAX_BYTES });
  const relay = new OutboxRelay(database.db, async (e) => void (await bus.publish(e)), logger);
  relay.start();
  // Every service's migrations create the key table (createIdempotencyTable); expired keys go hourly.
  const purge = startIdempotencyPurge(database.db, { retentionDays: spec.config.IDEMPOTENCY_RETENTION_DAYS, logger });
  // Published outbox rows go after OUTBOX_RETENTION_HOURS; inbox ids live as long as the stream keeps their events.
  const messagingPurge = startMessagingPurge(database.db, { retention: { outboxHours: spec.config.OUTBOX_RETENTION_HOURS, inboxDays: EVENT_STREAM_MAX_AGE_DAYS }, logger });
  registerOutboxMetrics(metrics, database.db);
  bus.observer = registerConsumerMetrics(metrics, bus);
  const runtime: ServiceRuntime<DB> = { config: spec.config, logger, database, bus, relay, metrics };
  const consumers = spec.consumers ? await spec.consumers(runtime) : [];
  const app = await createServiceApp({
    name: spec.name,
    version: spec.version,
    description: spec.description,
    logger,
    auth: tokenSettingsFrom(spec.config, spec.name),
    routes: async (scope) => {
      await scope.register(spec.routes(runtime));
      // Every service's consumers' parked events, to re-drive or discard (ADR 0027).
      await scope.register(parkedEventRoutes({ bus, command: auditedParkedCommand(database.db, () => relay.kick()) }));
    },
    limits: edgeLimitsFrom(spec.config),
    metrics,
    readiness: [databaseCheck(database.db), migrationsCheck(database.db, spec.schema, migrations), natsCheck(bus.nc)],
    consoleUrl: spec.config.CONSOLE_URL,
  });
  await app.listen({ host: spec.config.HOST, port: spec.config.PORT });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      for (const c of consumers) await c.stop();
      await purge.stop();
      await messagingPurge.stop();
      await relay.stop();
      await relay.drain().catch((err: unknown) => logger.warn({ err }, 'outbox not fully drained at shutdown; it will be relayed on next start'));
      await bus.close();
      await database.close();
      await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'spans not all exported at shutdown'));
    })());
  return { app, runtime, close };
}

/** Wires SIGINT/SIGTERM to a graceful close, for a service's server.ts. */
export function closeOnSignals(close: () => Promise<void>, logger: Logger): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

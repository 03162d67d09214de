import { Client, Connection } from '@temporalio/client';
import {
  closeOnSignals,
  connectEventBus,
  createLogger,
  createMetrics,
  createServiceApp,
  edgeLimitsFrom,
  loadConfig,
  tokenSettingsFrom,
  loggedParkedCommand,
  natsCheck,
  parkedEventRoutes,
  registerConsumerMetrics,
  startTracing,
  temporalCheck,
} from '@kundval/platform';
import { journeyClientInterceptors } from './tracing.js';
import { registerJourneyMetrics } from './observability.js';
import { WorkflowsConfig } from './config.js';
import { startJourneyBridge } from './bridge/journey-bridge.js';
import { journeyRoutes } from './routes/journeys.js';
import { scaledTiming } from './contracts.js';
import { ensureBillingSchedule } from './schedules.js';

/**
 * The workflows service process: the bridge from NATS events to journey signals, and the
 * operators' view over HTTP. The Temporal worker runs as its own process (worker.ts), so that it can
 * be scaled, restarted or killed without stopping event intake.
 */
const config = loadConfig(WorkflowsConfig);
const tracing = startTracing('workflows');
const logger = createLogger('workflows', { level: config.LOG_LEVEL });
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
// The bridge's signals and the routes' requests carry the caller's trace into the journey (ADR 0038).
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: journeyClientInterceptors() });
await ensureBillingSchedule(client, config.MUNICIPALITY, logger);
const bus = await connectEventBus(config.NATS_URL, 'workflows');
const metrics = createMetrics('workflows');
bus.observer = registerConsumerMetrics(metrics, bus);
registerJourneyMetrics(metrics, client);
const bridge = await startJourneyBridge({ bus, client, logger, timing: scaledTiming(config.JOURNEY_TIME_SCALE, { choiceDeadlineMs: config.CHOICE_DEADLINE_MS, expiryNoticeMs: config.EXPIRY_NOTICE_DAYS * 86_400_000, commandRetryMs: config.COMMAND_RETRY_MS }), concurrency: config.BRIDGE_CONCURRENCY, maxDeliveries: config.BRIDGE_MAX_DELIVERIES, pinned: config.BRIDGE_PINNED });
const app = await createServiceApp({
  name: 'workflows',
  version: '0.1.0',
  description: "Customer journeys: the operators' view of every journey, with links to the Temporal Web UI.",
  logger,
  auth: tokenSettingsFrom(config, 'workflows'),
  routes: async (scope) => {
    await scope.register(journeyRoutes({ client, namespace: config.TEMPORAL_NAMESPACE, temporalUiUrl: config.TEMPORAL_UI_URL }));
    // The bridge's parked events (a signal for a journey that has closed, say), to re-drive or discard (ADR 0027).
    await scope.register(parkedEventRoutes({ bus, command: loggedParkedCommand() }));
  },
  limits: edgeLimitsFrom(config),
  metrics,
  readiness: [natsCheck(bus.nc), temporalCheck(() => connection.healthService.check({}))],
  consoleUrl: config.CONSOLE_URL,
});
await app.listen({ host: config.HOST, port: config.PORT });

closeOnSignals(async () => {
  await app.close();
  await bridge.stop();
  await bus.close();
  await connection.close();
  await tracing.shutdown();
}, logger);

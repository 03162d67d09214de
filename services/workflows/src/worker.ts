import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createServer } from 'node:net';
import { createLogger, createMetrics, createServiceApp, edgeLimitsFrom, loadConfig, machineTokens, serviceAudience, startTracing, temporalCheck, tokenSettingsFrom, type ClientCredentials, type TokenSource } from '@kundval/platform';
import { withJourneyTracing } from './tracing.js';
import { activityFailureInterceptor } from './observability.js';
import { WorkflowsConfig } from './config.js';
import { TASK_QUEUE } from './contracts.js';
import { WORKER_SUBJECT, createServiceClient } from './activities/service-client.js';
import { createOrdersActivities } from './activities/orders.activities.js';
import { createBillingActivities } from './activities/billing.activities.js';
import { createDecisionsActivities } from './activities/decisions.activities.js';
import { journeyWorkerInterceptors } from './activities/on-behalf-of.js';
import { WORKFLOW_STACK_TRACES_ENV } from './stack-traces.js';

/** The journey worker process: runs the journey workflows and their activities. */
const config = loadConfig(WorkflowsConfig);
const tracing = startTracing('worker');
const logger = createLogger('worker', { level: config.LOG_LEVEL });
// The SDK's own runtime metrics (task slots, poll latencies, workflow and activity task outcomes) go
// to a Prometheus exporter on a loopback port of their own, which the worker's /metrics serves with its own.
const sdkMetricsAddress = `127.0.0.1:${await freeLoopbackPort()}`;
Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress, useSecondsForDurations: true } } } });
const metrics = createMetrics('worker');
metrics.appendix = async () => (await fetch(`http://${sdkMetricsAddress}/metrics`)).text();

/** The worker's private key, a JWK as the local platform writes it (`<data>/keys/`). */
type ClientKey = NonNullable<ClientCredentials['privateKey']>;

/** The worker's tokens for one service: from the identity provider by its own client (ADR 0032), or minted in development. */
function tokensFor(service: 'decisions' | 'orders' | 'billing'): TokenSource {
  if (config.AUTH_TOKEN_URL) {
    // Only what the journey's commands need at each service: to write, and to read what a command answered.
    const asked = { tokenUrl: config.AUTH_TOKEN_URL, clientId: config.AUTH_CLIENT_ID, audience: serviceAudience(service), scopes: [`${service}:read`, `${service}:write`] };
    // Its own key (private_key_jwt) where it has one: the provider then holds nothing that could act as the worker.
    if (config.AUTH_CLIENT_KEY_FILE) return machineTokens({ ...asked, privateKey: JSON.parse(readFileSync(config.AUTH_CLIENT_KEY_FILE, 'utf8')) as ClientKey });
    if (!config.AUTH_CLIENT_SECRET) throw new Error('Invalid configuration: AUTH_TOKEN_URL is set without AUTH_CLIENT_KEY_FILE (the worker\'s private key) or AUTH_CLIENT_SECRET');
    return machineTokens({ ...asked, clientSecret: config.AUTH_CLIENT_SECRET });
  }
  if (!config.AUTH_SECRET) throw new Error('Invalid configuration: set AUTH_TOKEN_URL and AUTH_CLIENT_SECRET (the identity provider) or, in development, AUTH_SECRET');
  return machineTokens({ secret: config.AUTH_SECRET, issuer: config.AUTH_ISSUER, subject: WORKER_SUBJECT });
}
// Read by the SDK (as patched, patches/@temporalio+worker+*.patch) in each workflow thread, which takes its environment from here.
process.env[WORKFLOW_STACK_TRACES_ENV] = config.WORKER_WORKFLOW_STACK_TRACES ? 'on' : 'off';
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: TASK_QUEUE,
  workflowsPath: fileURLToPath(new URL('./workflows/index.js', import.meta.url)),
  activities: {
    ...createOrdersActivities(createServiceClient(config.ORDERS_URL, tokensFor('orders'))),
    ...createBillingActivities(createServiceClient(config.BILLING_URL, tokensFor('billing'))),
    ...createDecisionsActivities(createServiceClient(config.DECISIONS_URL, tokensFor('decisions'))),
  },
  // Carries the person a command is for from the journey's updates to the command's token (ADR 0022),
  // and the journey's trace through the workflow and its activities (ADR 0038).
  ...withJourneyTracing(tracing, { ...journeyWorkerInterceptors, activity: [...(journeyWorkerInterceptors.activity ?? []), activityFailureInterceptor(metrics)] }),
  maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
  // No sticky queue by default (ADR 0035): a task never waits in a dead worker's queue.
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  workflowThreadPoolSize: config.WORKER_WORKFLOW_THREADS,
});
// /health, /ready (Temporal answers) and /metrics of the worker process, on WORKER_PORT (ADR 0028).
const app = await createServiceApp({
  name: 'worker',
  version: '0.1.0',
  description: 'The journey worker: health, readiness and metrics only.',
  logger,
  // The worker's own routes are all open (health, readiness, metrics); its token settings are the services' (ADR 0032).
  auth: tokenSettingsFrom(config, 'worker'),
  routes: async () => undefined,
  limits: edgeLimitsFrom(config),
  metrics,
  readiness: [temporalCheck(() => connection.healthService.check({}))],
  consoleUrl: config.CONSOLE_URL,
});
await app.listen({ host: config.HOST, port: config.WORKER_PORT });
logger.info({ taskQueue: TASK_QUEUE, address: config.TEMPORAL_ADDRESS, port: config.WORKER_PORT }, 'worker started');
await worker.run();
await app.close();
await connection.close();
logger.info('worker stopped');
await tracing.shutdown();

/** A port nothing listens on now, for the SDK's exporter (which takes an address, not port 0). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

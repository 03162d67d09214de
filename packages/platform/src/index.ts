/**
 * Plumbing shared by every Kundval service: configuration, logging with identity numbers redacted,
 * the database with migrations (PGlite or PostgreSQL), the outbox and inbox, JetStream publishing
 * and consuming with poison-event parking, signed-token authentication, the HTTP app factory and
 * the one Idempotency-Key mechanism every command runs through.
 *
 * @packageDocumentation
 */
export {
  loadConfig,
  BaseServiceConfig,
  EdgeConfig,
  KundvalEnv,
  DEVELOPMENT_ISSUER,
  AuthConfig,
  tokenSettingsFrom,
  sharedProductionProblems,
  refuseDevelopmentSettingsInProduction,
} from './config.js';
export type { SettingProblem } from './config.js';
export { createLogger, scrubIdentityNumbers } from './logger.js';
export type { Logger } from './logger.js';
export { AppError, notFound, forbidden, conflict, invalid, unprocessable, isUniqueViolation, refusalAnswer } from './errors.js';
export type { FieldIssue } from './errors.js';
export { openDatabase, dbNow } from './database.js';
export type { Database, DatabaseOptions } from './database.js';
export {
  messagingMigration,
  auditAgentMigration,
  outboxTraceContextMigration,
  enqueueEvent,
  OutboxRelay,
  audit,
  auditRow,
  markEventProcessed,
  markEventsProcessed,
  purgeMessaging,
  startMessagingPurge,
} from './outbox.js';
export type { MessagingTables, MessagingRetention, EventPublisher, Actor, AnyServiceDb, AuditRow, AuditedChange } from './outbox.js';
export {
  connectEventBus,
  startConsumer,
  UnprocessableEventError,
  platformStreams,
  platformConsumer,
  DUPLICATE_WINDOW_MS,
  EVENT_STREAM_MAX_BYTES,
  PARKED_STREAM_MAX_BYTES,
  MAX_EVENT_BYTES,
  EVENT_STREAM_MAX_AGE_DAYS,
  PARKED_STREAM_MAX_AGE_DAYS,
  PINNED_ACK_WAIT_MS,
  PIN_TIMEOUT_MS,
  PIN_TAKEOVER_GRACE_MS,
} from './nats.js';
export type { EventBus, EventHandler, ConsumerOptions, StreamSettings, PinnedGroup } from './nats.js';
export { retryJetStreamRequest, isJetStreamTimeout, isStreamNotFound, JETSTREAM_RETRY_DEFAULTS } from './jetstream-retry.js';
export type { JetStreamRetryOptions } from './jetstream-retry.js';
export { inboxHandlers, INBOX_BATCH_EVENTS } from './inbox-consumer.js';
export { issueToken, verifyToken, tokenVerifier, serviceAudience, routeScope, assertScope, machineTokens, clientAssertion, DEVELOPMENT_AUDIENCE } from './auth.js';
export type { TokenSettings, DevelopmentTokenSettings, IdentityProviderSettings, TokenSource, ClientCredentials } from './auth.js';
export { createServiceApp, ErrorBody, assertProviderScope, assertCustomerScope } from './http.js';
export { scopeCondition, inScope, type ScopeColumns } from './scope.js';
export type { ServiceAppOptions, FastifyPluginAsyncZod } from './http.js';
export { EDGE_DEFAULTS, MAX_URL_LENGTH, edgeLimitsFrom, EdgeRefusal } from './edge.js';
export type { EdgeLimits } from './edge.js';
export {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotencyHeaders,
  commandRunner,
  keyedOperationId,
  createIdempotencyTable,
  purgeIdempotencyKeys,
  startIdempotencyPurge,
  requestHash,
  canonicalJson,
  isStoredStatus,
} from './idempotency.js';
export type { CommandAnswer, RunCommand, RunOptions, IdempotencyTables, IdempotencyScope } from './idempotency.js';
export { createMetrics, httpMetrics, registerOutboxMetrics, registerConsumerMetrics, guardCollect } from './metrics.js';
export type { Metrics, ConsumerMetrics } from './metrics.js';
export { readiness, readyRoute, ReadyBody, databaseCheck, migrationsCheck, natsCheck, temporalCheck } from './ready.js';
export type { ReadinessCheck } from './ready.js';
export { parkedEventRoutes, loggedParkedCommand, auditedParkedCommand, ParkedEvent, PARK_REASON_HEADER, PARK_CONSUMER_HEADER } from './parked.js';
export type { ParkedEventDeps, ParkedCommandOutcome } from './parked.js';
export { runService, closeOnSignals } from './service.js';
export { startTracing, withTraceHeaders, currentTraceContext, activeTraceIds } from './tracing.js';
export type { Tracing } from './tracing.js';
export type { ServiceRuntime, ServiceSpec } from './service.js';

/**
 * `@kundval/infra` starts the real components Kundval runs against, for development, tests and
 * demos: the Temporal dev server, nats-server with JetStream and a throwaway PostgreSQL; keeps them
 * running (a supervisor restarts a crashed process with backoff); and injects faults (an HTTP proxy
 * that loses a command's answer after the service has carried it out).
 *
 * The binaries are pinned and installed by `bash scripts/ensure-tools.sh` into the git-ignored
 * `.tools/bin` (Temporal CLI v1.5.1, nats-server v2.12.15; PostgreSQL from Debian's package).
 * `startClusterPlatform` runs the production topology instead (ADR 0025): the Temporal server on
 * PostgreSQL, three NATS nodes, two replicas of every service and two workers; its tools come from
 * `bash scripts/ensure-tools.sh cluster`.
 * Every server listens on 127.0.0.1 only, on free ports unless told otherwise, and is stopped
 * (its whole process group) when `stop()` is called or when this process exits.
 *
 * @example
 * ```ts
 * import { startNatsServer } from '@kundval/infra';
 * const nats = await startNatsServer();
 * // ... connect to nats.url ...
 * await nats.stop();
 * ```
 *
 * @module
 */
export { startNatsServer } from './nats.js';
export type { NatsServer, NatsServerOptions } from './nats.js';
export { freePort } from './ports.js';
export { startPostgres } from './postgres.js';
export type { PostgresOptions, PostgresServer } from './postgres.js';
export { startTemporalDevServer } from './temporal.js';
export type { SearchAttributeType, TemporalDevServer, TemporalDevServerOptions } from './temporal.js';
export { findPostgresBinDir, findRepoRoot, resolveTool } from './tools.js';
export type { ClusterToolName, ToolName } from './tools.js';
export { startLocalPlatform } from './local-platform.js';
export type { CommandTarget, ComponentControl, ComponentName, LocalIdentity, LocalPlatform, LocalPlatformOptions, ServiceName } from './local-platform.js';
export { startIdentityProvider, signInThroughConsole, enrolThroughDirectory, idpAudience, CONSOLE_CLIENT_ID } from './idp/identity-provider.js';
export type { IdentityProvider, IdentityProviderOptions, IdpClient, IdpPerson } from './idp/identity-provider.js';
export { backoffDelay, DEFAULT_BACKOFF, describeSupervisorEvent, Supervisor } from './supervisor.js';
export type { BackoffPolicy, Incarnation, SupervisorEvent, SupervisorOptions } from './supervisor.js';
export { startFaultProxy, COMMAND_TARGETS } from './fault-proxy.js';
export type { FaultKind, FaultProxy, FaultProxyOptions, FaultRule, FaultRuleHandle, InjectedFault } from './fault-proxy.js';
export { seededRandom } from './random.js';
export { startClusterPlatform, CLUSTER_NAMESPACE, CLUSTER_STREAM_REPLICAS } from './cluster/cluster-platform.js';
export type { ClusterPlatform, ClusterPlatformOptions } from './cluster/cluster-platform.js';
export { JETSTREAM_SYNC_INTERVAL, planNatsCluster, startNatsClusterNode, waitForJetStreamCluster, natsClusterUrl } from './cluster/nats-cluster.js';
export type { NatsClusterNode } from './cluster/nats-cluster.js';
export { startFrontDoor } from './cluster/front-door.js';
export type { FrontDoor } from './cluster/front-door.js';
export type { ExitInfo } from './process.js';

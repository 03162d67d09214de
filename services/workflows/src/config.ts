import { z } from 'zod';
import { AuthConfig, EdgeConfig, KundvalEnv, refuseDevelopmentSettingsInProduction, sharedProductionProblems } from '@kundval/platform';

/**
 * The workflows service's environment (the bridge, server.ts, and the worker, worker.ts): where
 * Temporal, NATS and the other services are. It has no database; production refuses the development
 * issuer and a weak secret as the services do (ADR 0022).
 */
export const WorkflowsConfig = z
  .object({
    KUNDVAL_ENV: KundvalEnv,
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4104),
    TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
    NATS_URL: z.string().default('nats://127.0.0.1:4222'),
    DECISIONS_URL: z.url(),
    ORDERS_URL: z.url(),
    BILLING_URL: z.url(),
    ...AuthConfig.shape,
    /** The identity provider's token endpoint, where the worker asks for its tokens (client credentials, ADR 0032). */
    AUTH_TOKEN_URL: z.url().optional(),
    /** The worker's own client at the identity provider, and how it authenticates: its private key (a JWK file, `private_key_jwt`), or a secret. */
    AUTH_CLIENT_ID: z.string().min(1).default('kundval-worker'),
    AUTH_CLIENT_KEY_FILE: z.string().min(1).optional(),
    AUTH_CLIENT_SECRET: z.string().min(1).optional(),
    MUNICIPALITY: z.string().regex(/^[a-z0-9-]+$/).default('nacka'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How long a customer has to choose a provider (ms) before the default provider is assigned. */
    CHOICE_DEADLINE_MS: z.coerce.number().int().positive().default(14 * 24 * 3600_000),
    /**
     * Calendar days before a decision's last day that the case handler is told it ends. Never scaled: it
     * counts back from a date in the calendar, which tests cannot shorten.
     */
    EXPIRY_NOTICE_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    /** Divides every other journey duration (reminders, escalations, a day): 1 in production, large in tests. */
    JOURNEY_TIME_SCALE: z.coerce.number().positive().default(1),
    /**
     * How long a journey retries a command that fails in a way retrying may cure (network, 5xx, 404/409)
     * before it stops and asks a person; never scaled by JOURNEY_TIME_SCALE. Six hours by default.
     */
    COMMAND_RETRY_MS: z.coerce.number().int().positive().default(6 * 3600_000),
    /** The worker process's own HTTP port: /health, /ready and /metrics (the Temporal SDK's runtime metrics included). */
    WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(4105),
    /** Concurrent workflow and activity tasks of one worker process. */
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(100),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().positive().default(40),
    /**
     * Journeys a worker keeps in memory between workflow tasks (Temporal's sticky cache). 0, the
     * default, turns sticky execution off: every task replays the journey's history. A worker killed
     * while tasks wait in its sticky queue leaves them to time out there, and the SDK (TypeScript
     * 1.24.0) can record commands after such a timeout that its own later replay refuses, so the
     * journey can no longer be read or resumed (ADR 0035). Raise it only with an SDK that has the fix.
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().default(0),
    /**
     * Threads that run workflow code in one worker process (the SDK's `workflowThreadPoolSize`), 1 by
     * default as the SDK's with the reused V8 context. More did not help here: the SDK gives a new
     * workflow to the thread with the fewest resident ones, and without a sticky cache none stays
     * resident, so a profile of two threads found one doing all the work (bench/README.md section 12).
     */
    WORKER_WORKFLOW_THREADS: z.coerce.number().int().positive().default(1),
    /**
     * Whether the worker keeps a stack for every promise workflow code makes, so the stack-trace query
     * (the Temporal UI's "Stack Trace" tab) can say where a running journey waits. Off by default: without
     * a sticky cache every workflow task replays the whole history, and the SDK's hook that keeps those
     * stacks was half of a replay's CPU (ADR 0052). Turn it on to look into a journey that seems stuck.
     */
    WORKER_WORKFLOW_STACK_TRACES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    /** Journey signals the bridge has in flight at once, across journeys; each journey's events stay in order (ADR 0030). 1 is one event at a time. */
    BRIDGE_CONCURRENCY: z.coerce.number().int().positive().default(32),
    /** Deliveries of an event the bridge cannot signal yet (its journey not started, Temporal away) before it is parked for an operator. */
    BRIDGE_MAX_DELIVERIES: z.coerce.number().int().min(2).default(10),
    /**
     * Whether the bridges take turns as a pinned priority group (ADR 0041), which keeps one journey's
     * events in order when two or more bridges run. A topology with one bridge (`npm start`) turns it
     * off: a restarted bridge then resumes at once instead of waiting out the dead one's pin (about 20 s).
     */
    BRIDGE_PINNED: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    // The same limits at its edge as every service's (ADR 0024).
    ...EdgeConfig.shape,
  })
  .superRefine(refuseDevelopmentSettingsInProduction(sharedProductionProblems));
export type WorkflowsConfig = z.infer<typeof WorkflowsConfig>;

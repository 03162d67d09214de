import { z } from 'zod';
import { serviceAudience, type TokenSettings } from './auth.js';

/**
 * Parses the process environment with a service's zod schema. A misconfigured service stops at
 * start-up with every wrong variable named, rather than failing later on first use.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * `production` makes every process refuse the settings that only make sense on a developer's
 * machine (ADR 0022); unset is `development`, which accepts them as before.
 */
export const KundvalEnv = z.enum(['development', 'production']).default('development');
export type KundvalEnv = z.infer<typeof KundvalEnv>;

/** The development issuer `npm start` and the tests sign with. */
export const DEVELOPMENT_ISSUER = 'kundval-dev';

/** One setting production refuses, and why: the variable is named so an operator can fix it. */
export type SettingProblem = { setting: string; reason: string };

/**
 * How a process verifies (and the worker obtains) tokens (ADR 0032): the identity provider's issuer
 * and published keys, with this service's audience; or, in development only, a shared HS256 secret.
 * The worker's client credentials are its own identity at the provider.
 */
export const AuthConfig = z.object({
  /** The development secret (HS256): `npm start` makes one per data folder; production refuses any. */
  AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
  AUTH_ISSUER: z.string().default(DEVELOPMENT_ISSUER),
  /** The identity provider's JWKS (its `jwks_uri`): set, tokens are verified by its keys and the secret is not read. */
  AUTH_JWKS_URL: z.url().optional(),
  /** This service's audience at the identity provider; `urn:kundval:<service>` by default. */
  AUTH_AUDIENCE: z.string().min(1).optional(),
});
export type AuthConfig = z.infer<typeof AuthConfig>;

/** The token settings a process's auth configuration gives, for the service named: the identity provider's when it is configured. */
export function tokenSettingsFrom(config: AuthConfig, service: string): TokenSettings {
  if (config.AUTH_JWKS_URL) return { issuer: config.AUTH_ISSUER, jwksUri: config.AUTH_JWKS_URL, audience: config.AUTH_AUDIENCE ?? serviceAudience(service) };
  if (config.AUTH_SECRET) return { secret: config.AUTH_SECRET, issuer: config.AUTH_ISSUER };
  throw new Error('Invalid configuration: set AUTH_JWKS_URL (the identity provider) or, in development, AUTH_SECRET');
}

/** What production refuses of the settings every process shares: the issuer, the shared secret, no identity provider and, where there is one, the database. */
export function sharedProductionProblems(config: AuthConfig & { DATABASE_URL?: string }): SettingProblem[] {
  const problems: SettingProblem[] = [];
  if (!config.AUTH_ISSUER || config.AUTH_ISSUER === DEVELOPMENT_ISSUER) {
    problems.push({ setting: 'AUTH_ISSUER', reason: `is the development issuer (${DEVELOPMENT_ISSUER}); set the municipality's identity provider` });
  }
  if (config.AUTH_SECRET !== undefined) {
    problems.push({ setting: 'AUTH_SECRET', reason: "is a shared signing secret: whoever holds it can mint any role; unset it and verify the identity provider's tokens (AUTH_JWKS_URL)" });
  }
  if (!config.AUTH_JWKS_URL) {
    problems.push({ setting: 'AUTH_JWKS_URL', reason: "is unset; production verifies tokens by the identity provider's published keys (its jwks_uri)" });
  }
  if (config.DATABASE_URL !== undefined && !/^postgres(ql)?:\/\//.test(config.DATABASE_URL)) {
    problems.push({ setting: 'DATABASE_URL', reason: 'is embedded PGlite; production needs PostgreSQL (postgres://…)' });
  }
  return problems;
}

/**
 * A refinement for a service's config schema: with `KUNDVAL_ENV=production`, every problem
 * `problemsOf` finds becomes an issue on its setting, so `loadConfig` stops the process with all
 * of them named in one error.
 */
export function refuseDevelopmentSettingsInProduction<C>(problemsOf: (config: C) => SettingProblem[]) {
  return (config: C & { KUNDVAL_ENV: KundvalEnv }, ctx: z.RefinementCtx): void => {
    if (config.KUNDVAL_ENV !== 'production') return;
    for (const p of problemsOf(config)) ctx.addIssue({ code: 'custom', path: [p.setting], message: `KUNDVAL_ENV=production refuses ${p.setting}: it ${p.reason}` });
  };
}

/**
 * The limits at a service's edge (ADR 0024), read by `edgeLimitsFrom`. A process whose config does
 * not extend `BaseServiceConfig` (the workflows bridge) can take the same keys with `.extend(EdgeConfig.shape)`.
 */
export const EdgeConfig = z.object({
  /** Requests a minute per client, by token subject or else address (ADR 0024): ten a second, far above a person's pace. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Requests a minute for the `system` role (the journey worker, one subject for every journey); it retries a 429. */
  RATE_LIMIT_SYSTEM_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  /** The largest JSON body in bytes; routes that take files (CSV, bank files) declare their own. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  /** Strict-Transport-Security max-age; 0 (the default) sends none. Set it only where TLS terminates in front of the service. */
  HSTS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).default(0),
  /** The operators' console, named by the service's root `/` (ADR 0027); unset names none. */
  CONSOLE_URL: z.url().optional(),
});
export type EdgeConfig = z.infer<typeof EdgeConfig>;

/** The environment every service reads: where its database, NATS and the token keys are. */
export const BaseServiceConfig = z.object({
  KUNDVAL_ENV: KundvalEnv,
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535),
  DATABASE_URL: z.string().min(1).describe('postgres://… for PostgreSQL, pglite://<dir> for embedded PGlite, pglite://memory for a throwaway one'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222').describe('one server, or the nodes of a cluster separated by commas'),
  ...AuthConfig.shape,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MUNICIPALITY: z.string().default('nacka'),
  /** Days an Idempotency-Key and its answer are kept: longer than any journey retries a command (ADR 0016). */
  IDEMPOTENCY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * Hours a published outbox row is kept before the purge deletes it (ADR 0023). At least one hour,
   * so it always outlives JetStream's 10-minute de-duplication window; unpublished rows are never purged.
   */
  OUTBOX_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 3650).default(72),
  /** Replicas of the event and parked streams: 1 on a single nats-server, 3 (or 5) on a JetStream cluster (ADR 0023). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /**
   * Bytes the event stream may hold, on each node that keeps a replica (ADR 0026). When it is full,
   * publishing is refused and events wait in the outboxes: raise it, or shorten the stream's age.
   */
  NATS_EVENT_STREAM_MAX_BYTES: z.coerce.number().int().min(1024 ** 2).default(1024 ** 3),
  ...EdgeConfig.shape,
});
export type BaseServiceConfig = z.infer<typeof BaseServiceConfig>;

import { z } from 'zod';

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

/** The environment every service reads: where its database, NATS and the token keys are. */
export const BaseServiceConfig = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535),
  DATABASE_URL: z.string().min(1).describe('postgres://… for PostgreSQL, pglite://<dir> for embedded PGlite, pglite://memory for a throwaway one'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters'),
  AUTH_ISSUER: z.string().default('kundval-dev'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MUNICIPALITY: z.string().default('nacka'),
  /** Days an Idempotency-Key and its answer are kept: longer than any journey retries a command (ADR 0016). */
  IDEMPOTENCY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
});
export type BaseServiceConfig = z.infer<typeof BaseServiceConfig>;

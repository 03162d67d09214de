import { z } from 'zod';
import { DEVELOPMENT_ISSUER, KundvalEnv } from '@kundval/platform';

/**
 * The console's environment: where the services and the Temporal Web UI are. `AUTH_SECRET` is
 * given only on a developer's machine, where it lets the sign-in page issue a development token
 * (ADR 0027); production leaves it out, and people sign in with the identity provider's token.
 */
export const ConsoleConfig = z
  .object({
    KUNDVAL_ENV: KundvalEnv,
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4100),
    DECISIONS_URL: z.url(),
    ORDERS_URL: z.url(),
    BILLING_URL: z.url(),
    WORKFLOWS_URL: z.url(),
    TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
    AUTH_SECRET: z.string().min(32).optional(),
    AUTH_ISSUER: z.string().default(DEVELOPMENT_ISSUER),
    /** Journeys on one page of Find (one page of Temporal's visibility each). */
    FIND_PAGE_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Mark the session cookie Secure: on behind TLS (production), off on http://localhost. */
    COOKIE_SECURE: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .superRefine((config, ctx) => {
    if (config.KUNDVAL_ENV === 'production' && config.AUTH_SECRET !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_SECRET'], message: 'KUNDVAL_ENV=production refuses AUTH_SECRET in the console: it would let anyone who reaches it sign in as an operator' });
    }
  });
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

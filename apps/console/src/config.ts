import { z } from 'zod';
import { DEVELOPMENT_ISSUER, KundvalEnv } from '@kundval/platform';

/**
 * The console's environment: where the services and the Temporal Web UI are. `AUTH_SECRET` is
 * given only on a developer's machine, where it lets the sign-in page issue a development token
 * (ADR 0027) unless `OIDC_ISSUER` names an identity provider; production needs the provider, and
 * people sign in through it (ADR 0037).
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
    /** The identity provider people sign in with (authorization code + PKCE, ADR 0037); the development sign-in is off when set. */
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).default('kundval-console'),
    /** The console's own address as the browser sees it: the base of the callback registered at the provider. */
    PUBLIC_URL: z.url().optional(),
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
    if (config.KUNDVAL_ENV === 'production' && config.OIDC_ISSUER === undefined) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: "KUNDVAL_ENV=production refuses OIDC_ISSUER: it is unset; people sign in with the municipality's identity provider" });
    }
    if (config.KUNDVAL_ENV === 'production' && config.OIDC_ISSUER?.startsWith('http:')) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'KUNDVAL_ENV=production refuses OIDC_ISSUER: it is plain http; codes and tokens travel over TLS only' });
    }
  });
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

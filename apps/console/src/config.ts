import { z } from 'zod';
import { DEVELOPMENT_ISSUER, KundvalEnv } from '@kundval/platform';
import { sealingKeys } from './sealing.js';

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
    /**
     * Requests a minute from one address to /signin/start and /signin/callback together (a sign-in
     * is one of each): each start writes a sign-in to the session store and each callback asks the
     * provider, so a script may not fill the one or flood the other. Counted per console process.
     */
    SIGN_IN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Mark the session cookie Secure: on behind TLS (production), off on http://localhost. */
    /**
     * NATS, where the sessions are kept so that every console replica shares them and they survive a
     * restart (ADR 0043): one server, or a cluster's nodes separated by commas. Unset, sessions live
     * in this process's memory (a developer's console); production refuses that.
     */
    NATS_URL: z.string().min(1).optional(),
    /** Replicas of the session bucket, as the platform's streams have them: 1 on one nats-server, 3 on a JetStream cluster. */
    NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
    /**
     * The keys that seal what the session store holds (ADR 0043): base64url, 32 bytes each (A256GCM),
     * comma-separated; the first seals, every one opens, so a key is rotated by putting the new one
     * first and dropping the old one a session's lifetime (8 h) later. Unset outside production, a
     * key is made at start and sessions do not outlive the process; production refuses that.
     */
    SESSION_SEALING_KEYS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const keys = v.split(',').map((k) => k.trim()).filter(Boolean);
        try {
          sealingKeys(keys);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
          return z.NEVER;
        }
        return keys;
      }),
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
    if (config.KUNDVAL_ENV === 'production' && config.SESSION_SEALING_KEYS === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SEALING_KEYS'], message: "KUNDVAL_ENV=production refuses SESSION_SEALING_KEYS: it is unset; people's tokens are sealed with a configured key before they reach the session store" });
    }
    if (config.KUNDVAL_ENV === 'production' && config.NATS_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['NATS_URL'], message: "KUNDVAL_ENV=production refuses NATS_URL: it is unset; sessions would live in one console's memory, lost at a restart and unknown to the other replicas" });
    }
  });
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { loadConfig } from './config.js';

/**
 * The rules every service's configuration shares about production (ADR 0022), as the tests of one
 * service's schema: development settings pass while KUNDVAL_ENV is unset; in production the
 * development issuer, a short or guessable secret and PGlite are refused, each named; a production
 * configuration with the identity provider, a random secret and PostgreSQL starts. `production`
 * adds the settings a service needs beyond the shared ones in production.
 */
export function describeProductionSettings(service: string, schema: z.ZodType, settings: { port: string; production?: Record<string, string> }): void {
  const development = { PORT: settings.port, DATABASE_URL: `pglite://.data/${service}`, AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };
  const production = {
    KUNDVAL_ENV: 'production',
    PORT: settings.port,
    DATABASE_URL: 'postgres://kundval@db.internal:5432/kundval',
    AUTH_SECRET: randomBytes(48).toString('base64url'),
    AUTH_ISSUER: 'https://idp.nacka.se',
    ...settings.production,
  };
  const problems = (env: Record<string, string>) => {
    const parsed = schema.safeParse(env);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  describe(`the ${service} service configuration`, () => {
    it('accepts the development settings when KUNDVAL_ENV is unset, as before', () => {
      expect(problems(development)).toEqual([]);
      expect(loadConfig(schema, development)).toMatchObject({ KUNDVAL_ENV: 'development' });
    });

    it('refuses in production the development issuer, a short secret and PGlite, each named in one error', () => {
      expect(problems({ ...development, KUNDVAL_ENV: 'production' })).toEqual([
        "AUTH_ISSUER: KUNDVAL_ENV=production refuses AUTH_ISSUER: it is the development issuer (kundval-dev); set the municipality's identity provider",
        'AUTH_SECRET: KUNDVAL_ENV=production refuses AUTH_SECRET: it is 39 characters; production needs at least 64',
        'DATABASE_URL: KUNDVAL_ENV=production refuses DATABASE_URL: it is embedded PGlite; production needs PostgreSQL (postgres://…)',
      ]);
      expect(() => loadConfig(schema, { ...development, KUNDVAL_ENV: 'production' })).toThrow(/^Invalid configuration:\n✖ KUNDVAL_ENV=production refuses AUTH_ISSUER[\s\S]*→ at AUTH_ISSUER[\s\S]*→ at AUTH_SECRET[\s\S]*→ at DATABASE_URL$/);
    });

    it('refuses in production a long secret that is well known or guessable', () => {
      expect(problems({ ...production, AUTH_SECRET: 'x'.repeat(64) })).toEqual([
        'AUTH_SECRET: KUNDVAL_ENV=production refuses AUTH_SECRET: it is a well-known or guessable value; use a random secret shared only with the identity provider',
      ]);
      expect(problems({ ...production, AUTH_SECRET: `change-me-${randomBytes(48).toString('base64url')}` })).toHaveLength(1);
    });

    it('starts in production with the identity provider, a random secret and PostgreSQL', () => {
      expect(problems(production)).toEqual([]);
      expect(loadConfig(schema, production)).toMatchObject({ KUNDVAL_ENV: 'production', AUTH_ISSUER: 'https://idp.nacka.se' });
    });
  });
}

import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { loadConfig } from './config.js';

/**
 * The rules every service's configuration shares about production (ADR 0022), as the tests of one
 * service's schema: development settings pass while KUNDVAL_ENV is unset; in production the
 * development issuer, any shared secret, a missing identity provider and PGlite are refused, each
 * named; a production configuration with the identity provider's keys and PostgreSQL starts (ADR 0032). `production`
 * adds the settings a service needs beyond the shared ones in production.
 */
export function describeProductionSettings(
  service: string,
  schema: z.ZodType,
  settings: { port: string; production?: Record<string, string>; /** The service's own refusals of its development defaults, after the shared ones. */ alsoRefused?: string[] },
): void {
  const development = { PORT: settings.port, DATABASE_URL: `pglite://.data/${service}`, AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };
  const production = {
    KUNDVAL_ENV: 'production',
    PORT: settings.port,
    DATABASE_URL: 'postgres://kundval@db.internal:5432/kundval',
    AUTH_ISSUER: 'https://idp.nacka.se',
    AUTH_JWKS_URL: 'https://idp.nacka.se/jwks',
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

    it('refuses in production the development issuer, the shared secret, no identity provider and PGlite, each named in one error', () => {
      expect(problems({ ...development, KUNDVAL_ENV: 'production' })).toEqual([
        "AUTH_ISSUER: KUNDVAL_ENV=production refuses AUTH_ISSUER: it is the development issuer (kundval-dev); set the municipality's identity provider",
        "AUTH_SECRET: KUNDVAL_ENV=production refuses AUTH_SECRET: it is a shared signing secret: whoever holds it can mint any role; unset it and verify the identity provider's tokens (AUTH_JWKS_URL)",
        "AUTH_JWKS_URL: KUNDVAL_ENV=production refuses AUTH_JWKS_URL: it is unset; production verifies tokens by the identity provider's published keys (its jwks_uri)",
        'DATABASE_URL: KUNDVAL_ENV=production refuses DATABASE_URL: it is embedded PGlite; production needs PostgreSQL (postgres://…)',
        ...(settings.alsoRefused ?? []),
      ]);
      expect(() => loadConfig(schema, { ...development, KUNDVAL_ENV: 'production' })).toThrow(/^Invalid configuration:\n✖ KUNDVAL_ENV=production refuses AUTH_ISSUER[\s\S]*→ at AUTH_ISSUER[\s\S]*→ at AUTH_SECRET[\s\S]*→ at AUTH_JWKS_URL[\s\S]*→ at DATABASE_URL[\s\S]*$/);
    });

    it('refuses in production a shared secret even beside the identity provider: a secret can mint any role', () => {
      expect(problems({ ...production, AUTH_SECRET: 'k'.repeat(20) + 'Q9x!vL2#pR7@wZ4$mT1%nB8^cY6&hJ3*' })).toEqual([
        "AUTH_SECRET: KUNDVAL_ENV=production refuses AUTH_SECRET: it is a shared signing secret: whoever holds it can mint any role; unset it and verify the identity provider's tokens (AUTH_JWKS_URL)",
      ]);
    });

    it("starts in production with the identity provider's keys and PostgreSQL", () => {
      expect(problems(production)).toEqual([]);
      expect(loadConfig(schema, production)).toMatchObject({ KUNDVAL_ENV: 'production', AUTH_ISSUER: 'https://idp.nacka.se' });
    });
  });
}

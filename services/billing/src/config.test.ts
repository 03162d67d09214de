import { describe, expect, it } from 'vitest';
import { loadConfig } from '@kundval/platform';
import { BillingConfig } from './config.js';

const development = { PORT: '4103', DATABASE_URL: 'pglite://.data/billing', AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };
const production = {
  KUNDVAL_ENV: 'production',
  PORT: '4103',
  DATABASE_URL: 'postgresql://kundval@db.internal:5432/kundval',
  AUTH_ISSUER: 'https://idp.nacka.se',
  AUTH_JWKS_URL: 'https://idp.nacka.se/jwks',
  DEMO_UNIT_RATE_TABLES: 'false',
  MUNICIPALITY_BANKGIRO: '50501055',
  FINANCE_PAYER_IBAN: 'SE3550000000054910000003',
};
const problems = (env: Record<string, string>) => {
  const parsed = BillingConfig.safeParse(env);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the billing service configuration', () => {
  it('accepts the development settings and the demo values when KUNDVAL_ENV is unset, as before', () => {
    const config = loadConfig(BillingConfig, development);
    expect(config).toMatchObject({ KUNDVAL_ENV: 'development', DEMO_UNIT_RATE_TABLES: true, MUNICIPALITY_BANKGIRO: '56781234', FINANCE_PAYER_IBAN: 'SE4550000000058398257466' });
  });

  it('refuses in production every development setting and demo value, each named in one error', () => {
    expect(problems({ ...development, KUNDVAL_ENV: 'production' })).toEqual([
      "AUTH_ISSUER: KUNDVAL_ENV=production refuses AUTH_ISSUER: it is the development issuer (kundval-dev); set the municipality's identity provider",
      "AUTH_SECRET: KUNDVAL_ENV=production refuses AUTH_SECRET: it is a shared signing secret: whoever holds it can mint any role; unset it and verify the identity provider's tokens (AUTH_JWKS_URL)",
      "AUTH_JWKS_URL: KUNDVAL_ENV=production refuses AUTH_JWKS_URL: it is unset; production verifies tokens by the identity provider's published keys (its jwks_uri)",
      'DATABASE_URL: KUNDVAL_ENV=production refuses DATABASE_URL: it is embedded PGlite; production needs PostgreSQL (postgres://…)',
      "DEMO_UNIT_RATE_TABLES: KUNDVAL_ENV=production refuses DEMO_UNIT_RATE_TABLES: it seeds the demo rate tables; set false and PUT /unit-rate-tables the municipality's decided amounts",
      "MUNICIPALITY_BANKGIRO: KUNDVAL_ENV=production refuses MUNICIPALITY_BANKGIRO: it is the demo Bankgiro number (56781234); set the municipality's own",
      "FINANCE_PAYER_IBAN: KUNDVAL_ENV=production refuses FINANCE_PAYER_IBAN: it is the demo payer account; set the municipality's own IBAN",
    ]);
  });

  it('refuses in production the demo values set explicitly, not only left to their defaults', () => {
    expect(problems({ ...production, DEMO_UNIT_RATE_TABLES: 'true', MUNICIPALITY_BANKGIRO: '56781234', FINANCE_PAYER_IBAN: 'SE4550000000058398257466' }).map((p) => p.split(':')[0])).toEqual([
      'DEMO_UNIT_RATE_TABLES',
      'MUNICIPALITY_BANKGIRO',
      'FINANCE_PAYER_IBAN',
    ]);
  });

  it('starts in production with the identity provider, its own database, rate tables and accounts', () => {
    expect(problems(production)).toEqual([]);
    expect(loadConfig(BillingConfig, production)).toMatchObject({ KUNDVAL_ENV: 'production', DEMO_UNIT_RATE_TABLES: false, FINANCE_PAYER_IBAN: 'SE3550000000054910000003' });
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeProductionSettings } from '@kundval/platform/testing';
import { DecisionsConfig } from './config.js';

const ownKeys = { IDENTITY_KEYS: `k2026:${randomBytes(32).toString('base64')}`, IDENTITY_LOOKUP_KEY: randomBytes(32).toString('base64') };

describeProductionSettings('decisions', DecisionsConfig, {
  port: '4101',
  production: ownKeys,
  alsoRefused: [
    "IDENTITY_KEYS: KUNDVAL_ENV=production refuses IDENTITY_KEYS: it holds the development key; set the municipality's own",
    "IDENTITY_LOOKUP_KEY: KUNDVAL_ENV=production refuses IDENTITY_LOOKUP_KEY: it is the development key; set the municipality's own",
  ],
});

describe('the identity keys setting', () => {
  const base = { PORT: '4101', DATABASE_URL: 'pglite://memory', AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };
  it('refuses a key that is not 32 bytes, and a kid given twice, naming the fault', () => {
    const issues = (env: Record<string, string>) => DecisionsConfig.safeParse({ ...base, ...env }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ IDENTITY_KEYS: `k1:${randomBytes(16).toString('base64')}` })).toEqual(['IDENTITY_KEYS: IDENTITY_KEYS: the key k1 is 16 bytes; AES-256 needs 32']);
    const key = randomBytes(32).toString('base64');
    expect(issues({ IDENTITY_KEYS: `k1:${key},k1:${key}` })).toEqual(['IDENTITY_KEYS: IDENTITY_KEYS: a kid appears twice']);
  });
});

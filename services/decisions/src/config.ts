import { z } from 'zod';
import { BaseServiceConfig, refuseDevelopmentSettingsInProduction, sharedProductionProblems, type SettingProblem } from '@kundval/platform';
import { DEVELOPMENT_IDENTITY_KEYS, parseIdentityKeys, parseLookupKeys } from './store/identity-vault.js';

/**
 * The decisions service's settings: the shared ones, and the keys that seal identity numbers at rest
 * (identity-vault.ts). Production refuses the development settings and keys (ADR 0022).
 */
const DecisionsSettings = BaseServiceConfig.extend({
  /** Key-encryption keys, `kid:base64(32 bytes)` comma-separated, the first one sealing; older ones still open (rotation). */
  IDENTITY_KEYS: z
    .string()
    .default(DEVELOPMENT_IDENTITY_KEYS.keys)
    .superRefine((value, ctx) => {
      try {
        parseIdentityKeys(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /**
   * The HMAC keys of the identity numbers' look-up hash: `kid:base64(32+ bytes)` comma-separated, the
   * first one hashing new rows, the others still found until the re-hash job moved their rows; or one
   * bare base64 key (the form before keys had ids). Rotation: docs/security.md.
   */
  IDENTITY_LOOKUP_KEY: z
    .string()
    .default(DEVELOPMENT_IDENTITY_KEYS.lookupKey)
    .superRefine((value, ctx) => {
      try {
        parseLookupKeys(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
});

export function decisionsProductionProblems(config: z.infer<typeof DecisionsSettings>): SettingProblem[] {
  const problems = sharedProductionProblems(config);
  if (config.IDENTITY_KEYS.split(',').some((entry) => DEVELOPMENT_IDENTITY_KEYS.keys.split(',').includes(entry.trim()))) {
    problems.push({ setting: 'IDENTITY_KEYS', reason: "holds the development key; set the municipality's own" });
  }
  if (config.IDENTITY_LOOKUP_KEY.split(',').some((entry) => entry.trim() === DEVELOPMENT_IDENTITY_KEYS.lookupKey || entry.trim().endsWith(`:${DEVELOPMENT_IDENTITY_KEYS.lookupKey}`))) {
    problems.push({ setting: 'IDENTITY_LOOKUP_KEY', reason: "is the development key; set the municipality's own" });
  }
  return problems;
}

export const DecisionsConfig = DecisionsSettings.superRefine(refuseDevelopmentSettingsInProduction(decisionsProductionProblems));
export type DecisionsConfig = z.infer<typeof DecisionsConfig>;

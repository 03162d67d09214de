import { z } from 'zod';
import { loadConfig } from '@kundval/platform';
import type { DeviationRule } from './granted-delivered.js';

const Share = z.coerce.number().min(0).max(10);

/**
 * When granted-against-delivered raises a case-handler alert (ADR 0036): delivered below
 * FOLLOW_UP_MIN_SHARE of what was ordered, or above FOLLOW_UP_MAX_SHARE, FOLLOW_UP_MONTHS months
 * running. The defaults are a starting point for a municipality's own follow-up routine.
 */
export const FollowUpConfig = z
  .object({
    FOLLOW_UP_MIN_SHARE: Share.default(0.8),
    FOLLOW_UP_MAX_SHARE: Share.default(1.1),
    FOLLOW_UP_MONTHS: z.coerce.number().int().min(1).max(12).default(2),
  })
  .refine((c) => c.FOLLOW_UP_MIN_SHARE <= c.FOLLOW_UP_MAX_SHARE, { path: ['FOLLOW_UP_MAX_SHARE'], message: 'must be at least FOLLOW_UP_MIN_SHARE' });

export function loadDeviationRule(env: Record<string, string | undefined> = process.env): DeviationRule {
  const c = loadConfig(FollowUpConfig, env);
  return { minShare: c.FOLLOW_UP_MIN_SHARE, maxShare: c.FOLLOW_UP_MAX_SHARE, months: c.FOLLOW_UP_MONTHS };
}

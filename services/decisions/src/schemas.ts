import { z } from 'zod';
import { carriesIdentityNumber } from './http/field-issues.js';

/** Schemas shared by the route groups: decision terms and the decision as the API shows it. */

export const IsoDate = z.iso.date();

export const Outcome = z.enum(['granted', 'partly-granted', 'denied']);

export const Hours = z.number().min(0).max(744).multipleOf(0.25, 'hours are given in quarter hours');

/** The fields of a decision's terms; which of them an area takes is checked against its definition. */
export const TermsFields = {
  careHoursPerMonth: Hours.optional().describe('Areas paid by the minute (home care): hours of personal care per month'),
  serviceHoursPerMonth: Hours.optional().describe('Areas paid by the minute (home care): hours of service (cleaning, shopping) per month'),
  level: z.number().int().min(1).max(99).optional().describe("Areas with levels: 1-based position in the area's level list (day activities 1–3)"),
  careNeedPoints: z.number().int().min(0).max(99).optional().describe('Areas graded by care-need points (nursing home 3–24): the level follows from them'),
  daysPerWeek: z.number().int().min(1).max(7).optional().describe('Areas paid per attendance day (day activities)'),
};

/** Free text that is stored and shown: never an identity number (they stay in `customers`). */
export const FreeText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((text) => !carriesIdentityNumber(text), 'must not contain an identity number: they are kept only in the customer register');

const Version = z.object({
  version: z.number().int(),
  changeId: z.uuid(),
  kind: z.enum(['decided', 'change', 'renewal']),
  effectiveFrom: z.string(),
  careHoursPerMonth: z.number(),
  serviceHoursPerMonth: z.number(),
  level: z.number().nullable(),
  careNeedPoints: z.number().nullable(),
  daysPerWeek: z.number().nullable(),
  validTo: z.string(),
  reason: z.string().nullable(),
  changedAt: z.string(),
});

export const Decision = z.object({
  decisionId: z.uuid(),
  applicationId: z.uuid(),
  customerId: z.uuid(),
  areaId: z.string(),
  outcome: Outcome,
  careHoursPerMonth: z.number(),
  serviceHoursPerMonth: z.number(),
  level: z.number().nullable(),
  careNeedPoints: z.number().nullable(),
  daysPerWeek: z.number().nullable(),
  validFrom: z.string(),
  validTo: z.string(),
  decidedOn: z.string(),
  decidingMunicipality: z.string().nullable(),
  deniedPart: z.string().nullable(),
  denialReason: z.string().nullable(),
  appealInformation: z.string().nullable(),
  /** The current version: what the decision grants now, in effect from `effectiveFrom`. */
  version: z.number().int(),
  effectiveFrom: z.string(),
  ended: z.object({ endDate: z.string(), reason: z.enum(['expired', 'moved', 'deceased', 'withdrawn', 'replaced']) }).nullable(),
  history: z.array(Version),
});

export const DecisionParams = z.object({ decisionId: z.uuid() });

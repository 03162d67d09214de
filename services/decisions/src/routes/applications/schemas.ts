import { z } from 'zod';

/**
 * IBIC life areas (Socialstyrelsen's "Individens behov i centrum"): the ICF activity chapters d1–d9
 * plus sense of security and carer support (DOMAIN.md §7).
 */
export const IbicLifeArea = z.enum([
  'learning',
  'general-tasks',
  'communication',
  'mobility',
  'self-care',
  'domestic-life',
  'relationships',
  'major-life-areas',
  'community-life',
  'sense-of-security',
  'carer-support',
]);

const IsoDate = z.iso.date();

export const ApplicationBody = z.object({
  identityNumber: z.string().min(10).max(13).describe('Personnummer or samordningsnummer, 10 or 12 digits, with or without - or +'),
  areaId: z.string().min(1).max(50),
  channel: z.enum(['citizen', 'relative', 'discharge-planner', 'case-handler']),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
});

export const Application = z.object({
  applicationId: z.uuid(),
  customerId: z.uuid(),
  areaId: z.string(),
  municipality: z.string(),
  channel: z.string(),
  status: z.enum(['received', 'assessed', 'decided']),
  receivedAt: z.string(),
});

export const AssessmentBody = z.object({
  lifeAreas: z.array(z.object({ area: IbicLifeArea, need: z.string().min(1).max(2000) })).min(1),
  instruments: z.array(z.object({ instrument: z.enum(['katz-adl', 'berger', 'other']), score: z.number().int().min(0).max(100) })).default([]),
  assessedOn: IsoDate,
});

export const Assessment = z.object({ assessmentId: z.uuid(), applicationId: z.uuid(), assessedOn: z.string() });

const Hours = z.number().min(0).max(744).multipleOf(0.25, 'hours are given in quarter hours');

export const DecisionBody = z
  .object({
    outcome: z.enum(['granted', 'partly-granted', 'denied']),
    careHoursPerMonth: Hours,
    serviceHoursPerMonth: Hours,
    validFrom: IsoDate,
    validTo: IsoDate,
    denialReason: z.string().min(1).max(2000).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.validTo <= d.validFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'validTo must be after validFrom' });
    if (d.outcome === 'denied' && !d.denialReason) ctx.addIssue({ code: 'custom', path: ['denialReason'], message: 'a denial states its reason' });
    if (d.outcome === 'denied' && d.careHoursPerMonth + d.serviceHoursPerMonth > 0)
      ctx.addIssue({ code: 'custom', path: ['careHoursPerMonth'], message: 'a denial grants no hours' });
    if (d.outcome !== 'denied' && d.careHoursPerMonth + d.serviceHoursPerMonth === 0)
      ctx.addIssue({ code: 'custom', path: ['careHoursPerMonth'], message: 'a grant gives hours of care or service' });
  });

export const Decision = z.object({
  decisionId: z.uuid(),
  applicationId: z.uuid(),
  customerId: z.uuid(),
  areaId: z.string(),
  outcome: z.enum(['granted', 'partly-granted', 'denied']),
  careHoursPerMonth: z.number(),
  serviceHoursPerMonth: z.number(),
  validFrom: z.string(),
  validTo: z.string(),
  denialReason: z.string().nullable(),
  appealInformation: z.string().nullable(),
});

export const IdParams = z.object({ applicationId: z.uuid() });

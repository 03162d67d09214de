import { z } from 'zod';
import { outcomeIssues } from '../../decision-terms.js';
import { FreeText, IsoDate, Outcome, TermsFields } from '../../schemas.js';

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

const Channel = z.enum(['citizen', 'relative', 'discharge-planner', 'case-handler']);

/** Who applied for the customer: free text (a name, "daughter", "discharge planner, Danderyd hospital"). */
const OnBehalfOf = z.object({ name: FreeText(200), relation: FreeText(200) });

export const ApplicationBody = z
  .object({
    identityNumber: z.string().min(10).max(13).describe('Personnummer or samordningsnummer, 10 or 12 digits, with or without - or +'),
    areaId: z.string().min(1).max(50),
    channel: Channel,
    onBehalfOf: OnBehalfOf.optional().describe('Who applied for the customer, when not the customer; never an identity number'),
    receivedAt: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.channel === 'citizen' && a.onBehalfOf) ctx.addIssue({ code: 'custom', path: ['onBehalfOf'], message: 'a citizen applying for themselves applies for nobody else' });
  });

export const Application = z.object({
  applicationId: z.uuid(),
  customerId: z.uuid(),
  areaId: z.string(),
  municipality: z.string(),
  channel: z.string(),
  onBehalfOf: OnBehalfOf.nullable(),
  status: z.enum(['received', 'assessed', 'decided']),
  receivedAt: z.string(),
});

export const AssessmentBody = z.object({
  lifeAreas: z.array(z.object({ area: IbicLifeArea, need: z.string().min(1).max(2000) })).min(1),
  instruments: z.array(z.object({ instrument: z.enum(['katz-adl', 'berger', 'other']), score: z.number().int().min(0).max(100) })).default([]),
  assessedOn: IsoDate,
});

export const Assessment = z.object({ assessmentId: z.uuid(), applicationId: z.uuid(), assessedOn: z.string() });

/**
 * A decision on an application. Which terms apply depends on the voucher area (hours, level,
 * care-need points, days per week): the route checks them against the area's definition.
 */
export const DecisionBody = z
  .object({
    outcome: Outcome,
    ...TermsFields,
    validFrom: IsoDate,
    validTo: IsoDate,
    deniedPart: FreeText(2000).optional().describe('A partial grant: what was applied for and not granted'),
    denialReason: FreeText(2000).optional().describe('A denial, whole or partial: why'),
  })
  .superRefine((d, ctx) => {
    if (d.validTo <= d.validFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'validTo must be after validFrom' });
    for (const issue of outcomeIssues(d)) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.reason });
  });

export const IdParams = z.object({ applicationId: z.uuid() });

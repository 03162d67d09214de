import { z } from 'zod';

/**
 * What the workflows service answers about journeys (`GET /journeys/:applicationId` and
 * `GET /journeys`), as zod schemas: the service serialises its answers with them and the operators'
 * console parses them with the same ones, so the two cannot drift apart. The journey's own types
 * (the `journeyState` query's, in the workflow sandbox) are in `@kundval/workflows`' contracts.
 */

/** A command the journey could not carry out and waits on a person for (ADR 0017): retry, skip or end it. */
export const Attention = z.object({
  attentionId: z.string(),
  command: z.string().describe('The command the journey could not carry out, e.g. placeOrder'),
  code: z.string().describe("The service's error code, UNEXPECTED_ANSWER, NETWORK or HTTP_<status>"),
  reason: z.string().describe("The service's reason"),
  failure: z.enum(['refused', 'unexpected-answer', 'retries-exhausted']),
  status: z.number().nullable(),
  since: z.string(),
  open: z.boolean(),
  resolution: z
    .object({ action: z.enum(['retry', 'skip', 'end']), by: z.object({ subject: z.string(), role: z.string() }), at: z.string(), reason: z.string().nullable() })
    .nullable(),
});

export type Attention = z.infer<typeof Attention>;

/** Where a journey stands: the `journeyState` query's answer. */
export const JourneyState = z.object({
  applicationId: z.string(),
  customerId: z.string(),
  areaId: z.string(),
  stage: z.string(),
  decisionId: z.string().nullable(),
  providerId: z.string().nullable(),
  chosenBy: z.string().nullable(),
  orderId: z.string().nullable(),
  denialReason: z.string().nullable(),
  nextDeadline: z.string().nullable(),
  pendingMonths: z.array(z.string()),
  settledMonths: z.array(
    z.object({ month: z.string(), feeOre: z.number(), appliedCap: z.string(), ocrReference: z.string(), paymentOre: z.number(), unpricedMinutes: z.number() }),
  ),
  escalations: z
    .array(z.object({ kind: z.string(), key: z.string(), raisedAt: z.string(), to: z.string(), message: z.string(), open: z.boolean() }))
    .optional(),
  ended: z.object({ reason: z.string(), endDate: z.string() }).nullable().optional(),
  runs: z.number().optional(),
  orders: z
    .array(z.object({ orderId: z.string(), providerId: z.string(), validFrom: z.string(), endDate: z.string().nullable() }))
    .optional()
    .describe('Every order of the journey in the order placed; several in force at once where the area allows several providers'),
  attention: Attention.nullable().optional().describe('The command the journey waits on a person for: retry, skip or end it (POST …/attention/retry|skip|end)'),
  attentions: z.array(Attention).optional(),
});
export type JourneyState = z.infer<typeof JourneyState>;

/** A journey's state as `GET workflows /journeys/:applicationId` answers it: with its link into the Temporal Web UI. */
export const JourneyStateView = JourneyState.extend({ temporalUiUrl: z.string() });
export type JourneyStateView = z.infer<typeof JourneyStateView>;

/** One journey in `GET workflows /journeys`: its search attributes as Temporal's visibility keeps them. */
export const JourneySummary = z.object({
  workflowId: z.string(),
  status: z.string(),
  stage: z.string().nullable(),
  area: z.string().nullable(),
  provider: z.string().nullable(),
  customer: z.string().nullable(),
  municipality: z.string().nullable().describe('The municipality whose decision the journey carries out (KundvalMunicipality)'),
  attention: z.string().nullable().describe("The kind of the journey's latest open escalation (KundvalAttention), or none"),
  startTime: z.string(),
  temporalUiUrl: z.string(),
});
export type JourneySummary = z.infer<typeof JourneySummary>;

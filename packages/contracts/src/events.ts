import { z } from 'zod';

/**
 * The event catalog: every NATS subject the platform publishes, with its zod schema and version.
 * Subjects follow `kundval.<context>.<entity>.<past-tense-verb>.v<major>`; a breaking change is a
 * new major with a new entry, the old one kept until no consumer needs it. Subject strings appear
 * nowhere else in the code: publishers and consumers are typed from this object.
 *
 * Events carry the pseudonymous `customerId`, never a personal identity number (DOMAIN.md §1).
 */

const Id = z.string().min(1).max(100);
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM');
const IsoDate = z.iso.date();

export const ApplicationReceived = z.object({
  applicationId: Id,
  customerId: Id,
  areaId: Id,
  municipality: Id,
  channel: z.enum(['citizen', 'relative', 'discharge-planner', 'case-handler']),
  receivedAt: z.iso.datetime({ offset: true }),
});
export type ApplicationReceived = z.infer<typeof ApplicationReceived>;

export const AssessmentRecorded = z.object({
  applicationId: Id,
  customerId: Id,
  assessmentId: Id,
  lifeAreas: z.array(z.string()),
});
export type AssessmentRecorded = z.infer<typeof AssessmentRecorded>;

export const DecisionMade = z.object({
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  areaId: Id,
  municipality: Id,
  outcome: z.enum(['granted', 'partly-granted', 'denied']),
  careHoursPerMonth: z.number().nonnegative(),
  serviceHoursPerMonth: z.number().nonnegative(),
  validFrom: IsoDate,
  validTo: IsoDate,
  denialReason: z.string().nullable(),
});
export type DecisionMade = z.infer<typeof DecisionMade>;

export const ProviderChosen = z.object({
  choiceId: Id,
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  providerId: Id,
  providerKind: z.enum(['municipal', 'private']),
  chosenBy: z.enum(['customer', 'default']),
});
export type ProviderChosen = z.infer<typeof ProviderChosen>;

export const OrderPlaced = z.object({
  orderId: Id,
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  providerId: Id,
  providerKind: z.enum(['municipal', 'private']),
  areaId: Id,
  municipality: Id,
  careHoursPerMonth: z.number().nonnegative(),
  serviceHoursPerMonth: z.number().nonnegative(),
  validFrom: IsoDate,
  validTo: IsoDate,
});
export type OrderPlaced = z.infer<typeof OrderPlaced>;

export const OrderAccepted = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
});
export type OrderAccepted = z.infer<typeof OrderAccepted>;

export const CarePlanAgreed = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  carePlanId: Id,
  agreedOn: IsoDate,
});
export type CarePlanAgreed = z.infer<typeof CarePlanAgreed>;

export const MonthApproved = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  month: Month,
  approvedVisits: z.number().int().nonnegative(),
  disputedVisits: z.number().int().nonnegative(),
});
export type MonthApproved = z.infer<typeof MonthApproved>;

export const FeeCharged = z.object({
  invoiceId: Id,
  applicationId: Id,
  customerId: Id,
  month: Month,
  feeOre: z.number().int().nonnegative(),
  appliedCap: z.enum(['tariff', 'maxtaxa', 'fee-room']),
  ocrReference: z.string(),
});
export type FeeCharged = z.infer<typeof FeeCharged>;

export const ProviderPaymentCreated = z.object({
  paymentId: Id,
  applicationId: Id,
  orderId: Id,
  providerId: Id,
  month: Month,
  amountOre: z.number().int().nonnegative(),
  unpricedMinutes: z.number().int().nonnegative(),
});
export type ProviderPaymentCreated = z.infer<typeof ProviderPaymentCreated>;

/** Every event the platform publishes: its NATS subject and its payload schema. */
export const eventCatalog = {
  applicationReceived: { subject: 'kundval.decisions.application.received.v1', schema: ApplicationReceived },
  assessmentRecorded: { subject: 'kundval.decisions.assessment.recorded.v1', schema: AssessmentRecorded },
  decisionMade: { subject: 'kundval.decisions.decision.made.v1', schema: DecisionMade },
  providerChosen: { subject: 'kundval.orders.provider.chosen.v1', schema: ProviderChosen },
  orderPlaced: { subject: 'kundval.orders.order.placed.v1', schema: OrderPlaced },
  orderAccepted: { subject: 'kundval.orders.order.accepted.v1', schema: OrderAccepted },
  carePlanAgreed: { subject: 'kundval.orders.care-plan.agreed.v1', schema: CarePlanAgreed },
  monthApproved: { subject: 'kundval.billing.month.approved.v1', schema: MonthApproved },
  feeCharged: { subject: 'kundval.billing.fee.charged.v1', schema: FeeCharged },
  providerPaymentCreated: { subject: 'kundval.billing.provider-payment.created.v1', schema: ProviderPaymentCreated },
} as const;

export type EventCatalog = typeof eventCatalog;
export type EventName = keyof EventCatalog;
export type EventPayload<N extends EventName> = z.infer<EventCatalog[N]['schema']>;

/** The JetStream stream that holds every platform event, and the one that holds parked (poison) events. */
export const EVENT_STREAM = { name: 'KUNDVAL', subjects: ['kundval.>'] } as const;
export const PARKED_STREAM = { name: 'KUNDVAL_PARKED', subjects: ['parked.kundval.>'] } as const;

/** The subject a poison event is parked under: the original subject behind a `parked.` prefix. */
export function parkedSubject(subject: string): string {
  return `parked.${subject}`;
}

/** The envelope every event travels in; `eventId` is also the JetStream de-duplication id. */
export const EventEnvelope = z.object({
  eventId: z.uuid(),
  subject: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().max(200).nullable(),
  payload: z.unknown(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** A validated event: its catalog name, envelope fields and typed payload. */
export type CatalogEvent = {
  [N in EventName]: { name: N; eventId: string; subject: string; occurredAt: string; correlationId: string | null; payload: EventPayload<N> };
}[EventName];

const bySubject = new Map<string, EventName>(
  (Object.keys(eventCatalog) as EventName[]).map((name) => [eventCatalog[name].subject, name]),
);

/** The catalog name of a subject, or undefined for a subject the catalog does not know. */
export function eventNameOf(subject: string): EventName | undefined {
  return bySubject.get(subject);
}

export type ParseEventResult = { ok: true; event: CatalogEvent } | { ok: false; reason: string };

/**
 * Parses raw bytes' JSON into a catalog event. Every consumer calls this at the edge: payloads are
 * bytes, so schema checks are the application's job. A failure is a value so the caller can park it.
 */
export function parseEvent(json: unknown): ParseEventResult {
  const envelope = EventEnvelope.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `envelope: ${z.prettifyError(envelope.error)}` };
  const name = eventNameOf(envelope.data.subject);
  if (!name) return { ok: false, reason: `unknown subject ${envelope.data.subject}` };
  const payload = eventCatalog[name].schema.safeParse(envelope.data.payload);
  if (!payload.success) return { ok: false, reason: `payload: ${z.prettifyError(payload.error)}` };
  return { ok: true, event: { ...envelope.data, name, payload: payload.data } as CatalogEvent };
}

import { z } from 'zod';
import { scrubIdentityNumbers } from './personal-data.js';

/**
 * The event catalog: every NATS subject the platform publishes, with its zod schema and version.
 * Subjects follow `kundval.<context>.<entity>.<past-tense-verb>.v<major>`; a breaking change is a
 * new major with a new entry, the old one kept until no consumer needs it. Subject strings appear
 * nowhere else in the code: publishers and consumers are typed from this object.
 *
 * Events carry the pseudonymous `customerId`, never a personal identity number (DOMAIN.md §1).
 */

const Id = z.string().min(1).max(100);
const Month = z.string().regex(/^(19|2\d)\d{2}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM, year 1900–2999');
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
  /** The voucher level where the area has levels (nursing home 1–8, day activities 1–3); null otherwise. */
  level: z.number().int().positive().nullable().default(null),
  /** A decision made by another municipality that places the customer here (pays the voucher); null for our own. */
  decidingMunicipality: Id.nullable().default(null),
  /** Attendance days a week, where the area is paid per attendance day (day activities); null otherwise. */
  daysPerWeek: z.number().int().min(1).max(7).nullable().default(null),
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
  /** First and last day the order is in force (a switch starts a new order mid-decision). */
  validFrom: IsoDate,
  validTo: IsoDate,
  /** The decision's voucher level where the area has levels; null otherwise. */
  level: z.number().int().positive().nullable().default(null),
  /** Another municipality whose decision placed the customer here and who pays the voucher back; null for our own decisions. */
  decidingMunicipality: Id.nullable().default(null),
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
  /** A month in which nothing was delivered, closed by the case handler: settled at zero, not approved by the customer. */
  nothingDelivered: z.boolean().default(false),
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

/**
 * v2 of `feeCharged`: the amount is signed. A fee charged too high is credited to the customer — an
 * invoice with a negative `feeOre` (a credit note, `cause` says why) — and a credit still open is set
 * off against the customer's next fee invoice (`setOffOre`), so `toPayOre` is what the customer pays
 * by the OCR reference (ADR 0039). v1 keeps being published for invoices of 0 or more, so its
 * consumers go on as before.
 */
export const FeeChargedV2 = z.object({
  invoiceId: Id,
  applicationId: Id,
  customerId: Id,
  month: Month,
  feeOre: z.number().int(),
  appliedCap: z.enum(['tariff', 'maxtaxa', 'fee-room']),
  /** Null when there is nothing to pay: a credit note, or an invoice wholly set off. */
  ocrReference: z.string().nullable(),
  /** What open credits of the customer's settled of this invoice. */
  setOffOre: z.number().int().nonnegative(),
  toPayOre: z.number().int().nonnegative(),
  /** For a credit note, why the fee is now lower; null for a charge. */
  cause: z.enum(['fee-room-lowered', 'fewer-deliveries', 'tariff-lowered']).nullable(),
});
export type FeeChargedV2 = z.infer<typeof FeeChargedV2>;

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

/**
 * A credit against a provider: an order's month is now worth less than was paid (a lowered level, a
 * shortened placement), so the difference is owed back. `amountOre` is negative, as in billing's
 * ledger; it is set against the provider's next payment batch (or invoiced back). A new event rather
 * than a signed `providerPaymentCreated`, whose v1 consumers rely on a non-negative amount.
 */
export const ProviderCreditCreated = z.object({
  paymentId: Id,
  applicationId: Id,
  orderId: Id,
  providerId: Id,
  month: Month,
  amountOre: z.number().int().negative(),
  /** Why the month is worth less, as the payment's basis: `decision-change:<YYYY-MM-DD>`. */
  cause: z.string().min(1).max(100),
});
export type ProviderCreditCreated = z.infer<typeof ProviderCreditCreated>;

export const DecisionChanged = z.object({
  changeId: Id,
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  /** The first day the new hours apply (omprövning). */
  effectiveFrom: IsoDate,
  careHoursPerMonth: z.number().nonnegative(),
  serviceHoursPerMonth: z.number().nonnegative(),
  /** The validity end after the change: an extension (renewal) moves it later. */
  validTo: IsoDate,
  level: z.number().int().positive().nullable(),
});
export type DecisionChanged = z.infer<typeof DecisionChanged>;

export const DecisionEnded = z.object({
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  reason: z.enum(['expired', 'moved', 'deceased', 'withdrawn', 'replaced']),
  /** The last day of service. */
  endDate: IsoDate,
});
export type DecisionEnded = z.infer<typeof DecisionEnded>;

export const ProviderSwitched = z.object({
  switchId: Id,
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  fromProviderId: Id,
  toProviderId: Id,
  toProviderKind: z.enum(['municipal', 'private']),
  /** The first day the new provider delivers; the old order ends the day before. */
  effectiveFrom: IsoDate,
});
export type ProviderSwitched = z.infer<typeof ProviderSwitched>;

export const OrderEnded = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  /** The last day the order is in force. */
  endDate: IsoDate,
  /** `moved-out`: the resident left the home (the day before the move-out day is the last one paid). `left`: the customer stopped using one of several providers. */
  reason: z.enum(['switched', 'decision-ended', 'decision-changed', 'moved-out', 'left']),
});
export type OrderEnded = z.infer<typeof OrderEnded>;

export const OrderChanged = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  /** The first day the new terms apply: the decision's change (omprövning) or renewal, or the order's first day if later. */
  effectiveFrom: IsoDate,
  /** The order's last day after the change: a renewal moves it later. */
  validTo: IsoDate,
  careHoursPerMonth: z.number().nonnegative(),
  serviceHoursPerMonth: z.number().nonnegative(),
  /** The voucher level from `effectiveFrom` where the area has levels; null otherwise. */
  level: z.number().int().positive().nullable(),
});
export type OrderChanged = z.infer<typeof OrderChanged>;

export const OrderRefused = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  /** A provider may refuse only outside its declared capacity or service area. */
  reason: z.enum(['over-capacity', 'outside-service-area']),
  /** The provider's own words, identity numbers masked (also when a publisher forgot to). */
  explanation: z.string().overwrite(scrubIdentityNumbers),
});
export type OrderRefused = z.infer<typeof OrderRefused>;

export const PlaceQueued = z.object({
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  providerId: Id,
  queuedAt: z.iso.datetime({ offset: true }),
});
export type PlaceQueued = z.infer<typeof PlaceQueued>;

export const PlaceOffered = z.object({
  offerId: Id,
  applicationId: Id,
  decisionId: Id,
  customerId: Id,
  providerId: Id,
  /** The offer lapses if not answered by then. */
  answerBy: IsoDate,
});
export type PlaceOffered = z.infer<typeof PlaceOffered>;

export const OfferAnswered = z.object({
  offerId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  accepted: z.boolean(),
  /** Accepting another home than the first choice while staying in that home's queue. */
  stayInQueueFor: Id.nullable(),
});
export type OfferAnswered = z.infer<typeof OfferAnswered>;

export const DeliveryPeriodRecorded = z.object({
  /** Occupancy (nursing home: move-in, hospital stay, move-out) or attendance, as billing records it. */
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  kind: z.enum(['moved-in', 'hospital-stay', 'moved-out', 'attendance']),
  from: IsoDate,
  to: IsoDate.nullable(),
});
export type DeliveryPeriodRecorded = z.infer<typeof DeliveryPeriodRecorded>;

/**
 * Sessions of an area paid per session, as billing recorded them from one report (API or file). A new
 * subject rather than a new `kind` of `deliveryPeriodRecorded`: a session is a dated unit with the
 * provider's own id, not a period, and consumers of v1 must not meet a kind they do not know.
 */
export const SessionsReported = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  areaId: z.string().min(1),
  /** The sessions newly recorded by this report; a re-sent one is not announced again. */
  sessions: z.array(z.object({ sessionId: Id, externalId: z.string().min(1), date: IsoDate })).min(1).max(5000),
});
export type SessionsReported = z.infer<typeof SessionsReported>;

export const DisputeResolved = z.object({
  orderId: Id,
  applicationId: Id,
  customerId: Id,
  providerId: Id,
  month: Month,
  /** Visits the case handler found delivered (now approved) and those rejected (never paid). */
  approvedVisits: z.number().int().nonnegative(),
  rejectedVisits: z.number().int().nonnegative(),
});
export type DisputeResolved = z.infer<typeof DisputeResolved>;

/**
 * The yearly customer survey of an area ("Vad tycker kunden?") published by orders (ADR 0040): each
 * provider's mean score (1–5, one decimal) over its number of answers, now shown in the choice
 * listing; a provider whose score is below `followUpBelow` gets a case handler's follow-up task.
 */
export const SurveyPublished = z.object({
  surveyId: Id,
  areaId: z.string().min(1),
  year: z.number().int().min(2000).max(2100),
  followUpBelow: z.number().min(1).max(5),
  results: z.array(z.object({ providerId: z.string().min(1), score: z.number().min(1).max(5), answers: z.number().int().positive() })).max(1000),
  belowThreshold: z.array(z.string().min(1)).max(1000),
});
export type SurveyPublished = z.infer<typeof SurveyPublished>;

/**
 * Billing's granted-vs-delivered alert (ADR 0036): an order's delivery stayed below or above the
 * configured share of what was ordered for the configured months running. Decisions makes it a case
 * handler's task on the customer's application (ADR 0040).
 */
export const FollowUpAlertRaised = z.object({
  alertId: Id,
  applicationId: Id,
  orderId: Id,
  customerId: Id,
  providerId: z.string().min(1),
  areaId: z.string().min(1),
  kind: z.enum(['under-delivery', 'over-delivery']),
  /** The run's first month: the alert's cause. */
  firstMonth: Month,
  month: Month,
  /** Delivered ÷ ordered for each month of the run, oldest first. */
  shares: z.array(z.number().nonnegative()).min(1).max(24),
});
export type FollowUpAlertRaised = z.infer<typeof FollowUpAlertRaised>;

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
  feeChargedV2: { subject: 'kundval.billing.fee.charged.v2', schema: FeeChargedV2 },
  providerPaymentCreated: { subject: 'kundval.billing.provider-payment.created.v1', schema: ProviderPaymentCreated },
  providerCreditCreated: { subject: 'kundval.billing.provider-credit.created.v1', schema: ProviderCreditCreated },
  decisionChanged: { subject: 'kundval.decisions.decision.changed.v1', schema: DecisionChanged },
  decisionEnded: { subject: 'kundval.decisions.decision.ended.v1', schema: DecisionEnded },
  providerSwitched: { subject: 'kundval.orders.provider.switched.v1', schema: ProviderSwitched },
  orderEnded: { subject: 'kundval.orders.order.ended.v1', schema: OrderEnded },
  orderChanged: { subject: 'kundval.orders.order.changed.v1', schema: OrderChanged },
  orderRefused: { subject: 'kundval.orders.order.refused.v1', schema: OrderRefused },
  placeQueued: { subject: 'kundval.orders.place.queued.v1', schema: PlaceQueued },
  placeOffered: { subject: 'kundval.orders.place.offered.v1', schema: PlaceOffered },
  offerAnswered: { subject: 'kundval.orders.offer.answered.v1', schema: OfferAnswered },
  deliveryPeriodRecorded: { subject: 'kundval.billing.delivery-period.recorded.v1', schema: DeliveryPeriodRecorded },
  disputeResolved: { subject: 'kundval.billing.dispute.resolved.v1', schema: DisputeResolved },
  sessionsReported: { subject: 'kundval.billing.sessions.reported.v1', schema: SessionsReported },
  surveyPublished: { subject: 'kundval.orders.survey.published.v1', schema: SurveyPublished },
  followUpAlertRaised: { subject: 'kundval.billing.follow-up-alert.raised.v1', schema: FollowUpAlertRaised },
} as const;

export type EventCatalog = typeof eventCatalog;
export type EventName = keyof EventCatalog;
export type EventPayload<N extends EventName> = z.infer<EventCatalog[N]['schema']>;
/** What a publisher supplies: fields with a default in the schema may be left out. */
export type EventInput<N extends EventName> = z.input<EventCatalog[N]['schema']>;

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

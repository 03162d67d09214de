import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OnBehalfOf } from '@kundval/contracts';
import type { AreaPolicy } from './area-policy.js';
import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * What a client of the journeys needs: the task queue, the workflow id of a journey, its input, the
 * signal that carries service events into it and the query that reads where it stands. Safe to
 * import from workflow code and from clients alike.
 */
export const TASK_QUEUE = 'kundval-journeys';

/** A journey's workflow id is its business key: one journey per application. */
export const journeyWorkflowId = (applicationId: string) => `journey-${applicationId}`;

/** Durations the journey waits, as milliseconds; configuration, so tests can shorten them. */
export type JourneyTiming = {
  /** How long the customer has to choose before the default provider is assigned. */
  choiceDeadlineMs: number;
  /** After an order is placed: remind the provider, then escalate to the case handler. */
  acceptanceReminderMs?: number;
  acceptanceEscalationMs?: number;
  /** After the care-plan deadline: escalate when still not agreed (the reminder is at the deadline). */
  carePlanEscalationMs?: number;
  /** After a month ends: remind about its approval, then escalate to the case handler. */
  approvalReminderMs?: number;
  approvalEscalationMs?: number;
  /** Before a decision expires: tell the case handler so it can be renewed. */
  expiryNoticeMs?: number;
  /** In a queue for a place: escalate when waiting this long. */
  queueEscalationMs?: number;
  /** One calendar day, in the journey's time: scaled down with everything else in tests. */
  dayMs?: number;
  /**
   * How long a command that fails in a way retrying may cure (network, 5xx, 404/409 while a copy
   * catches up) is retried before the journey stops and asks a person (an attention). Not scaled with
   * the journey's time: it measures how long the services may take to catch up, not calendar days.
   * Journeys started before it existed have none and use `DEFAULT_COMMAND_RETRY_MS`.
   */
  commandRetryMs?: number;
};

/** Six hours: long enough for a service outage or a lagging consumer to end, short enough that a stuck journey is seen the same day. */
export const DEFAULT_COMMAND_RETRY_MS = 6 * 3600_000;

const DAY = 24 * 3600_000;
export const DEFAULT_TIMING: Required<JourneyTiming> = {
  choiceDeadlineMs: 14 * DAY,
  acceptanceReminderMs: 2 * DAY,
  acceptanceEscalationMs: 5 * DAY,
  carePlanEscalationMs: 7 * DAY,
  approvalReminderMs: 5 * DAY,
  approvalEscalationMs: 10 * DAY,
  expiryNoticeMs: 30 * DAY,
  queueEscalationMs: 90 * DAY,
  dayMs: DAY,
  commandRetryMs: DEFAULT_COMMAND_RETRY_MS,
};

/** The production timing divided by `scale` (tests run the journey's days in seconds); the command retry bound is not scaled. */
export function scaledTiming(scale: number, overrides: Partial<JourneyTiming> = {}): Required<JourneyTiming> {
  const scaled = Object.fromEntries(Object.entries(DEFAULT_TIMING).map(([k, v]) => [k, Math.max(1, Math.round(v / scale))]));
  return { ...(scaled as Required<JourneyTiming>), commandRetryMs: DEFAULT_COMMAND_RETRY_MS, ...overrides };
}

export type JourneyInput = {
  applicationId: string;
  customerId: string;
  areaId: string;
  municipality: string;
  timing: JourneyTiming;
};

/** Input of the voucher journey (every area, the whole life); `carried` is set by continue-as-new. */
export type VoucherJourneyInput = {
  applicationId: string;
  customerId: string;
  municipality: string;
  policy: AreaPolicy;
  /** `commandRetryMs` is missing from the input of journeys started before it existed. */
  timing: Required<Omit<JourneyTiming, 'commandRetryMs'>> & Pick<JourneyTiming, 'commandRetryMs'>;
  carried?: unknown;
};

/** A service event as the journey receives it: the catalog event reduced to what the journey needs. */
/** `correlationId` is the one the HTTP request that caused the event carried, for tracing a change end to end. */
export type JourneyEvent = { eventId: string; correlationId?: string | null } & (
  | { kind: 'applicationReceived' }
  | { kind: 'assessmentRecorded'; assessmentId: string }
  | {
      kind: 'decisionMade';
      decisionId: string;
      outcome: 'granted' | 'partly-granted' | 'denied';
      careHoursPerMonth: number;
      serviceHoursPerMonth: number;
      validFrom: string;
      validTo: string;
      denialReason: string | null;
    }
  | { kind: 'providerChosen'; providerId: string; chosenBy: 'customer' | 'default' }
  | { kind: 'orderAccepted'; orderId: string }
  | { kind: 'carePlanAgreed'; orderId: string; agreedOn: string }
  | { kind: 'monthApproved'; orderId: string; month: string; approvedVisits: number; disputedVisits: number }
  | { kind: 'decisionChanged'; effectiveFrom: string; careHoursPerMonth: number; serviceHoursPerMonth: number; validTo: string; level: number | null }
  | { kind: 'decisionEnded'; reason: 'expired' | 'moved' | 'deceased' | 'withdrawn' | 'replaced'; endDate: string }
  | { kind: 'providerSwitched'; toProviderId: string; effectiveFrom: string; fromProviderId?: string }
  | { kind: 'orderEnded'; orderId: string; endDate: string; reason: 'switched' | 'decision-ended' | 'decision-changed' | 'moved-out' | 'left' }
  | { kind: 'orderRefused'; orderId: string; reason: string; explanation: string }
  /** An order amended by orders from a changed decision (ADR 0029): its first day, last day and level from then on. */
  | { kind: 'orderChanged'; orderId: string; effectiveFrom: string; validTo: string; level: number | null }
  | { kind: 'placeQueued'; providerId: string }
  | { kind: 'placeOffered'; providerId: string; answerBy: string }
  | { kind: 'deliveryPeriodRecorded'; orderId: string; period: 'moved-in' | 'hospital-stay' | 'moved-out' | 'attendance'; from: string; to: string | null }
  | { kind: 'disputeResolved'; orderId: string; month: string; approvedVisits: number; rejectedVisits: number }
);

export type JourneyStage =
  | 'application-received'
  | 'assessed'
  | 'decided'
  | 'awaiting-choice'
  | 'queued'
  | 'awaiting-acceptance'
  | 'awaiting-care-plan'
  | 'awaiting-move-in'
  | 'in-service'
  | 'ending'
  | 'completed'
  | 'denied';

export type MonthSettlement = { month: string; feeOre: number; appliedCap: string; ocrReference: string; paymentOre: number; unpricedMinutes: number };

/**
 * How the activities' client fails a command (the `type` of its `ApplicationFailure`, whose
 * `details` are `[code, reason, status]`). `refused` and `unexpectedAnswer` are never retried; the
 * others are retried within the journey's `commandRetryMs`.
 */
export const CommandFailureType = {
  /** 400, 401, 403, 422 (and other 4xx): the service refuses the command; the same command again gets the same answer. */
  refused: 'CommandRefused',
  /** A 2xx whose body does not match the command's answer schema. */
  unexpectedAnswer: 'UnexpectedAnswer',
  /** 404, 409: the service's copy may not have caught up yet. */
  notYetValid: 'NotYetValid',
  /** Network errors, timeouts, 408, 429, 5xx. */
  unavailable: 'ServiceUnavailable',
} as const;
export type CommandFailureType = (typeof CommandFailureType)[keyof typeof CommandFailureType];

/** Who resolved an attention, from their verified token: nothing is done on anyone's behalf without a name. */
export type AttentionActor = { subject: string; role: 'operator' | 'case-handler' };

/**
 * A command the journey could not carry out, waiting for a person: refused by the service, answered
 * with something the worker cannot read, or still failing when its retry bound passed. While one is
 * open the journey issues no other command; a case-handler task (`command-failed`) points to it.
 */
export type Attention = {
  attentionId: string;
  /** The activity, e.g. `placeOrder`. */
  command: string;
  /** The service's stable error code (`ORDERS.NO_DEFAULT_PROVIDER`), `UNEXPECTED_ANSWER`, `NETWORK` or `HTTP_<status>`. */
  code: string;
  /** The service's reason, as it gave it. */
  reason: string;
  /** `refused` (not retried), `unexpected-answer` (not retried) or `retries-exhausted` (retried for `commandRetryMs`). */
  failure: 'refused' | 'unexpected-answer' | 'retries-exhausted';
  /** The HTTP status, when the service answered. */
  status: number | null;
  since: string;
  open: boolean;
  resolution: { action: 'retry' | 'skip' | 'end'; by: AttentionActor; at: string; reason: string | null } | null;
};

/** Something a person must act on, raised by a missed deadline or a dispute; cleared when done. */
export type Escalation = { kind: string; key: string; raisedAt: string; to: 'provider' | 'case-handler'; message: string; open: boolean };

export type JourneyState = {
  applicationId: string;
  customerId: string;
  areaId: string;
  stage: JourneyStage;
  decisionId: string | null;
  providerId: string | null;
  chosenBy: 'customer' | 'default' | null;
  orderId: string | null;
  denialReason: string | null;
  /** The next moment the journey acts on its own if nothing arrives (ISO instant), or null. */
  nextDeadline: string | null;
  /** Months the journey still waits for, in order, and those settled. */
  pendingMonths: string[];
  settledMonths: MonthSettlement[];
  /** Reminders and escalations raised so far (voucher journeys only). */
  escalations?: Escalation[];
  /** Why and when service ended (voucher journeys only). */
  ended?: { reason: string; endDate: string } | null;
  /** How many times this journey has continued as new (voucher journeys only). */
  runs?: number;
  /** Every order of the journey, in the order placed: several at once where the area allows several providers. */
  orders?: Array<{ orderId: string; providerId: string; validFrom: string; endDate: string | null }>;
  /** The command the journey waits on a person for, or null (voucher journeys only). */
  attention?: Attention | null;
  /** Every attention raised so far, resolved ones with who resolved them and how (voucher journeys only). */
  attentions?: Attention[];
};

export const journeyEventSignal = defineSignal<[JourneyEvent]>('journeyEvent');
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');

/**
 * The person a journey's command is carried out for (ADR 0022): ids and role only, since it is kept
 * in the journey's history; the worker's token carries it to the service, which audits the person as
 * the actor and the worker as the agent.
 */
export type { OnBehalfOf };

/** The Temporal header that carries `OnBehalfOf` from the journey to the activity that runs the person's command. */
export const ON_BEHALF_OF_HEADER = 'kundval-on-behalf-of';

/**
 * The customer's choice, waited for by the caller: validated before it reaches the journey's history.
 * `onBehalfOf`: the verified caller, whom the choice's command names (read by the journey's interceptor, `workflows/on-behalf-of.ts`).
 */
/**
 * What a person says with a choice, as they can to orders' choice route: the provider, and optionally
 * their district or postcode (a provider's service area), the nursing-home queue to stay in while
 * moving in elsewhere (`stayInQueueFor`), and the first day of a provider added beside others
 * (`effectiveFrom`; earlier than today only for a case handler recording an arrangement already agreed).
 * Each is in the journey's history only when said, so a choice without them is recorded as before.
 */
export type ChoiceRequest = { providerId: string; district?: string; stayInQueueFor?: string; effectiveFrom?: string };
/** A choice's outcome: recorded (who chose), or, at a nursing home without a free place, the customer queued there. */
export type ChoiceOutcome = { providerId: string; chosenBy: string } | { providerId: string; queueEntryId: string; position: number | null };

export const chooseProviderUpdate = defineUpdate<ChoiceOutcome, [ChoiceRequest & { onBehalfOf?: OnBehalfOf }]>('chooseProvider');
/** The customer's approval of a month, waited for by the caller; `onBehalfOf` as for the choice. */
export const approveMonthUpdate = defineUpdate<
  { orderId: string; month: string; approvedVisits: number },
  [{ orderId: string; month: string; disputedVisitIds: string[]; onBehalfOf?: OnBehalfOf }]
>('approveMonth');

/** How a person resolves the journey's open attention; `attentionId`, when given, must be the open one. */
export type ResolveAttention = { attentionId?: string; by: AttentionActor; reason?: string };

/** Try the failed command again, the same command with the same Idempotency-Key, after its cause was fixed. */
export const retryCommandUpdate = defineUpdate<Attention, [ResolveAttention]>('retryCommand');
/** Go on without the command's effect (the rule per command is in docs/adr/0017-journey-failure-policy.md); a reason is required. */
export const skipCommandUpdate = defineUpdate<Attention, [ResolveAttention]>('skipCommand');
/** End the journey here, issuing no further command; a reason is required. */
export const endJourneyUpdate = defineUpdate<Attention, [ResolveAttention]>('endJourney');

/**
 * What a person asks of the journey (ADR 0033): choose a provider, approve a month, resolve an
 * attention. Sent as a signal, not an update: an update accepted in the workflow task after a worker
 * was killed holding one records a history that the SDK's own replay later refuses (sdk-core's v1
 * history chunker; temporalio/sdk-python#1591), so such a journey could no longer be read or resumed.
 * A signal's place in history is fixed, so replay always meets it where it happened. The journey
 * validates the request as the update's validator did and records its outcome under `requestId`,
 * which the caller reads through `personRequestQuery`; a request id seen before changes nothing.
 * `onBehalfOf` is the verified caller (ADR 0022); for `retry`, `command` is the attention's command,
 * which then runs on the person's behalf.
 */
export type PersonRequest =
  | ({ requestId: string; kind: 'chooseProvider'; onBehalfOf?: OnBehalfOf } & ChoiceRequest)
  | { requestId: string; kind: 'approveMonth'; orderId: string; month: string; disputedVisitIds: string[]; onBehalfOf?: OnBehalfOf }
  | ({ requestId: string; kind: 'retry' | 'skip' | 'end'; command?: string } & ResolveAttention);

/** Where a person's request stands: taken and running (`pending`), done with its answer, or refused with a code and the reason. */
export type RequestOutcome = {
  requestId: string;
  kind: PersonRequest['kind'];
  status: 'pending' | 'done' | 'refused';
  answer?: unknown;
  code?: string;
  reason?: string;
};

export const personRequestSignal = defineSignal<[PersonRequest]>('personRequest');
/**
 * A journey started since ADR 0051 also writes each request's final outcome (`done` or `refused`) to
 * its memo under {@link requestOutcomeMemoKey}, its latest {@link REQUEST_OUTCOMES_KEPT_IN_MEMO}, and
 * says so under this key: the route reads the memo from Temporal (no worker, no replay) and queries
 * only a journey without it.
 */
export const REQUEST_OUTCOMES_IN_MEMO = 'personRequestOutcomes';
export const REQUEST_OUTCOMES_KEPT_IN_MEMO = 10;
export const requestOutcomeMemoKey = (requestId: string) => `personRequest:${requestId}`;
/** The outcome of a person's request by its id; null while the journey has not taken it (or forgot it: it keeps the latest 100). */
export const personRequestQuery = defineQuery<RequestOutcome | null, [string]>('personRequest');

/** Search attributes on every journey, so the Temporal Web UI and the operators' view can filter them. */
export const searchAttributes = {
  area: defineSearchAttributeKey('KundvalArea', 'KEYWORD'),
  stage: defineSearchAttributeKey('KundvalStage', 'KEYWORD'),
  provider: defineSearchAttributeKey('KundvalProvider', 'KEYWORD'),
  customer: defineSearchAttributeKey('KundvalCustomer', 'KEYWORD'),
  municipality: defineSearchAttributeKey('KundvalMunicipality', 'KEYWORD'),
  attention: defineSearchAttributeKey('KundvalAttention', 'KEYWORD'),
} as const;

/** The search attributes as the dev server's `--search-attribute` flags declare them. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword'> = {
  KundvalArea: 'Keyword',
  KundvalStage: 'Keyword',
  KundvalProvider: 'Keyword',
  KundvalCustomer: 'Keyword',
  KundvalMunicipality: 'Keyword',
  KundvalAttention: 'Keyword',
};

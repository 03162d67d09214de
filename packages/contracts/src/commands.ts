import { z } from 'zod';

/**
 * The commands the journey worker sends to the services over HTTP: each request body and each
 * answer as a zod schema. The worker parses every answer with its schema, so a service that answers
 * something else is seen at once (a failed command with its own type) rather than as a wrong value
 * deep inside a journey.
 *
 * Answers list the fields the worker reads, as plain objects: a service may add fields without
 * breaking the worker (unknown keys are dropped), but may not drop or retype one of these.
 */

const Id = z.string().min(1).max(100);
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM');
const IsoDate = z.iso.date();

/** An order's amendment as the journey made it: its first day, last day and level. */
export const Amendment = z.object({ effectiveFrom: IsoDate, validTo: IsoDate, level: z.number().int().positive().nullable() });
export type Amendment = z.infer<typeof Amendment>;

// ── orders ────────────────────────────────────────────────────────────────────────────────────────

/**
 * `POST orders /decisions/:decisionId/choice`: the customer's choice, recorded on their behalf, with
 * everything a person can say with it: the district or postcode a provider's service area is checked
 * against, the nursing-home queue to stay in while moving in elsewhere, and the first day of a
 * provider added beside others (earlier than today only for a case handler recording an arrangement
 * already agreed; orders' rule).
 */
export const RecordChoiceRequest = z.object({
  providerId: Id,
  district: z.string().trim().min(2).max(60).optional(),
  stayInQueueFor: Id.optional(),
  effectiveFrom: IsoDate.optional(),
});
export type RecordChoiceRequest = z.infer<typeof RecordChoiceRequest>;

/** The answer of `…/choice` and `POST orders /decisions/:decisionId/default-choice` (no body). */
export const ChoiceAnswer = z.object({ choiceId: Id, decisionId: Id, providerId: Id, chosenBy: z.enum(['customer', 'default']) });
export type ChoiceAnswer = z.infer<typeof ChoiceAnswer>;

/** `…/choice` answered 202: a nursing home without a free place queued the customer instead of recording the choice. */
export const QueuedAnswer = z.object({ queueEntryId: Id, decisionId: Id, providerId: Id, position: z.number().int().positive().nullable() });
export type QueuedAnswer = z.infer<typeof QueuedAnswer>;

/** Every answer of `…/choice`: the choice recorded, or the customer queued. */
export const RecordChoiceAnswer = z.union([ChoiceAnswer, QueuedAnswer]);
export type RecordChoiceAnswer = z.infer<typeof RecordChoiceAnswer>;

/** `POST orders /orders`: places the order with the choice in force from `effectiveFrom`. */
export const PlaceOrderRequest = z.object({ decisionId: Id, effectiveFrom: IsoDate.optional(), providerId: Id.optional() });
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const OrderEndReason = z.enum(['switched', 'decision-ended', 'decision-changed', 'moved-out']);
export type OrderEndReason = z.infer<typeof OrderEndReason>;

/** `POST orders /orders/:orderId/end`. */
export const EndOrderRequest = z.object({ endDate: IsoDate, reason: OrderEndReason });
export type EndOrderRequest = z.infer<typeof EndOrderRequest>;

/** `POST orders /orders/:orderId/changes`: the decision's changed terms from `effectiveFrom`. */
export const ChangeOrderRequest = z.object({
  effectiveFrom: IsoDate,
  validTo: IsoDate,
  careHoursPerMonth: z.number().nonnegative(),
  serviceHoursPerMonth: z.number().nonnegative(),
  level: z.number().int().positive().nullable(),
});
export type ChangeOrderRequest = z.infer<typeof ChangeOrderRequest>;

/** The answer of every order command (place, end, change). */
export const OrderAnswer = z.object({
  orderId: Id,
  decisionId: Id,
  providerId: Id,
  status: z.enum(['placed', 'accepted', 'refused']),
  validFrom: IsoDate,
  validTo: IsoDate,
  endDate: IsoDate.nullable(),
});
export type OrderAnswer = z.infer<typeof OrderAnswer>;

/** `POST orders /orders/:orderId/reminders`. */
export const RemindProviderRequest = z.object({ about: z.enum(['acceptance', 'care-plan', 'approval']), key: z.string().min(1).max(100) });
export type RemindProviderRequest = z.infer<typeof RemindProviderRequest>;

export const ReminderAnswer = z.object({ reminderId: Id, orderId: Id, about: z.enum(['acceptance', 'care-plan', 'approval']), key: z.string() });
export type ReminderAnswer = z.infer<typeof ReminderAnswer>;

// ── billing ───────────────────────────────────────────────────────────────────────────────────────

/** `POST billing /fees`: the customer's fee for a month, less what earlier invoices charged. */
export const ChargeFeeRequest = z.object({ customerId: Id, applicationId: Id, month: Month, basis: z.string().min(1).max(200).optional() });
export type ChargeFeeRequest = z.infer<typeof ChargeFeeRequest>;

export const FeeInvoiceAnswer = z.object({
  invoiceId: Id,
  feeOre: z.number().int(),
  appliedCap: z.enum(['tariff', 'maxtaxa', 'fee-room']),
  /** Null when the invoice charges nothing. */
  ocrReference: z.string().nullable(),
});
export type FeeInvoiceAnswer = z.infer<typeof FeeInvoiceAnswer>;

/** Why a payment is made; `decision-change:<date>` pays what a changed level adds to a month already paid. */
export const PaymentBasis = z.union([z.enum(['approval', 'dispute-resolution', 'occupancy', 'attendance']), z.templateLiteral(['decision-change:', z.string()])]);
export type PaymentBasis = z.infer<typeof PaymentBasis>;

/** `POST billing /provider-payments`: what is now payable for an order's month, less what earlier payments paid. */
export const PayProviderRequest = z.object({ orderId: Id, month: Month, basis: PaymentBasis.optional(), expectedAmendment: Amendment.optional() });
export type PayProviderRequest = z.infer<typeof PayProviderRequest>;

export const ProviderPaymentAnswer = z.object({ paymentId: Id, orderId: Id, month: Month, amountOre: z.number().int(), unpricedMinutes: z.number().int().nonnegative() });
export type ProviderPaymentAnswer = z.infer<typeof ProviderPaymentAnswer>;

/** `POST billing /orders/:orderId/months/:month/approval`: the customer's approval, recorded on their behalf. */
export const ApproveMonthRequest = z.object({ disputedVisitIds: z.array(Id) });
export type ApproveMonthRequest = z.infer<typeof ApproveMonthRequest>;

export const MonthApprovalAnswer = z.object({ orderId: Id, month: Month, approvedVisits: z.number().int().nonnegative(), disputedVisits: z.number().int().nonnegative() });
export type MonthApprovalAnswer = z.infer<typeof MonthApprovalAnswer>;

/** `POST billing /billing-runs`: the month's billing for the whole municipality. */
export const RunBillingMonthRequest = z.object({ month: Month });
export type RunBillingMonthRequest = z.infer<typeof RunBillingMonthRequest>;

/** The run as billing reports it; the billing-run workflow only needs to know it is there. */
export const BillingRunAnswer = z.looseObject({ month: Month });
export type BillingRunAnswer = z.infer<typeof BillingRunAnswer>;

// ── decisions ─────────────────────────────────────────────────────────────────────────────────────

/** The kinds of case-handler task the journey raises; `command-failed` is a command the journey could not carry out. */
export const TaskKind = z.enum([
  'acceptance-overdue',
  'care-plan-overdue',
  'approval-overdue',
  'dispute',
  'order-refused',
  'decision-expiring',
  'queue-waiting',
  'moved-out',
  'payment-correction',
  'command-failed',
  // Raised by the decisions service from billing's delivery alerts and orders' survey results (ADR 0040), never by the journey.
  'under-delivery',
  'over-delivery',
  'survey-follow-up',
]);
export type TaskKind = z.infer<typeof TaskKind>;

/** `POST decisions /tasks`: one task per application, kind and key. */
export const CreateTaskRequest = z.object({ applicationId: Id, kind: TaskKind, key: z.string().min(1).max(200), message: z.string().min(1).max(2000) });
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;

export const TaskAnswer = z.object({ taskId: Id, applicationId: Id, kind: TaskKind, key: z.string(), status: z.enum(['open', 'done']) });
export type TaskAnswer = z.infer<typeof TaskAnswer>;

/**
 * `POST decisions /tasks/close` (system only): the journey closes the open task of an escalation
 * whose cause is gone, or, without `kind` and `key`, every open task of a journey that ended.
 */
export const CloseTasksRequest = z.object({
  applicationId: Id,
  kind: TaskKind.optional(),
  key: z.string().min(1).max(200).optional(),
  reason: z.string().min(1).max(500),
});
export type CloseTasksRequest = z.infer<typeof CloseTasksRequest>;

export const CloseTasksAnswer = z.object({ closed: z.array(TaskAnswer) });
export type CloseTasksAnswer = z.infer<typeof CloseTasksAnswer>;

/** The answer of `POST decisions /decisions/:decisionId/expire` (no body). */
export const DecisionAnswer = z.object({ decisionId: Id, applicationId: Id, validTo: IsoDate });
export type DecisionAnswer = z.infer<typeof DecisionAnswer>;

// ── refusals ──────────────────────────────────────────────────────────────────────────────────────

/** A service's error body (`@kundval/platform`'s error handler): a stable code and the reason. */
export const ServiceErrorBody = z.looseObject({
  error: z.string(),
  message: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
});
export type ServiceErrorBody = z.infer<typeof ServiceErrorBody>;

/**
 * The voucher journey's rules, without Temporal (ADR 0020): what an event changes, which commands
 * are due and in what order, what a command's answer (or a person's retry, skip or end) changes, and
 * when the journey must wake on its own. No I/O, no clock, no Temporal import: the shell
 * (`voucher-journey.workflow.ts`) gives the time with every call and runs every command.
 *
 * The pass that issues commands (`dueCommands`) is a generator: it yields one command as plain data,
 * the shell runs it and resumes the pass with the outcome and the time after it, and the pass records
 * the outcome (`recordOutcome` and the rules beside each command) before deciding what is due next.
 * One pass is one pass of the loop the journey has always run, so the shell issues the same
 * activities, search-attribute updates and patch questions, in the same order, as the recorded
 * histories hold. Search attributes and patches reach the shell synchronously through `Host`, at the
 * very point the rules meet them, because replay compares their order with the activities'.
 */
import type { Amendment, FeeInvoice, ProviderPayment } from '../activities/billing.activities.js';
import type { TaskKind } from '../activities/decisions.activities.js';
import type { Choice, Order, OrderChange } from '../activities/orders.activities.js';
import type { AreaPolicy } from '../area-policy.js';
import type { Attention, Escalation, JourneyEvent, JourneyStage, JourneyState, MonthSettlement, VoucherJourneyInput } from '../contracts.js';
import { addDays, lastDayOfMonth, monthOf, monthsCovered, startOfDayMs } from '@kundval/domain/calendar';

/** Settled months per run before the journey continues as new, keeping each run's history short. */
export const MONTHS_PER_RUN = 6;
/** Event ids remembered for de-duplication; older ids belong to events long applied. */
export const SEEN_EVENT_IDS_KEPT = 500;

/**
 * Patch ids (docs/workflow-versioning.md): a journey whose history predates a patch replays the old
 * behaviour; new executions record the marker and take the new path.
 */
export const MOVE_OUT_ENDS_SERVICE = 'move-out-ends-service';
export const DECISION_CHANGE_AMENDS_ORDERS = 'decision-change-amends-orders';
/** A failed command becomes an attention a person resolves (retry, skip, end) instead of failing the journey. */
export const COMMAND_FAILURE_POLICY = 'command-failure-policy';
/** The journey closes the case-handler task of an escalation whose cause is gone, and of every escalation when it completes. */
export const TASKS_FOLLOW_THEIR_CAUSE = 'tasks-follow-their-cause';
/**
 * A home paid per day of stay is paid for a month only once the resident has moved in: before, billing
 * refuses (409 BILLING.NOT_MOVED_IN) and the retried payment held up the whole journey (its care plan
 * and move-in were not taken in while the payment retried). A month before the move-in is paid, at
 * the days it holds, once the move-in is known.
 */
export const OCCUPANCY_WAITS_FOR_MOVE_IN = 'occupancy-waits-for-move-in';
/**
 * A customer's choice being recorded through the journey when the choice deadline passes wins over
 * the default provider: before, the default was assigned meanwhile and the customer's choice, made
 * in time but delayed by retries, was refused 409 ORDERS.ALREADY_CHOSEN (found by npm run chaos).
 */
export const CHOICE_IN_FLIGHT_DEFERS_DEFAULT = 'choice-in-flight-defers-default';
/**
 * A month the journey corrects for a changed decision has the customer's fee settled again too
 * (basis `decision-change-<date>:<orderId>`): billing now credits a fee charged too high (ADR 0039),
 * so a month made worth less — by the change, or by a fee basis recorded since it was charged — is
 * credited to the customer as well as to the provider, and never left to the case handler.
 */
export const FEE_FOLLOWS_DECISION_CHANGE = 'fee-follows-decision-change';
/**
 * A changed decision reaches orders only as events (ADR 0029): orders' consumer amends the orders in
 * force when it copies `decisionChanged`, and the journey follows its `orderChanged` instead of sending
 * `POST /orders/:id/changes` and retrying its 409 until the copy had caught up. Journeys recorded
 * before still send the command for the changes they received before the patch.
 */
export const AMEND_IN_ORDERS_CONSUMER = 'amend-in-orders-consumer';
/** ADR 0051: a person's request's final outcome also goes to the journey's memo, for the route to read without a replay (the shell's, asked once at the start of each run). */
export const REQUEST_OUTCOMES_IN_MEMO_PATCH = 'request-outcomes-in-memo';

export type Timing = VoucherJourneyInput['timing'];

type Decision = {
  decisionId: string;
  outcome: 'granted' | 'partly-granted' | 'denied';
  validFrom: string;
  validTo: string;
  denialReason: string | null;
};

export type OrderState = {
  orderId: string;
  providerId: string;
  validFrom: string;
  /** Last day in force: the decision's end, or the day before a switch. */
  endDate: string | null;
  acceptedAt: number | null;
  placedAt: number;
  carePlanAgreed: boolean;
  movedIn: boolean;
  remindedAcceptance: boolean;
  escalatedAcceptance: boolean;
  escalatedCarePlan: boolean;
  remindedCarePlan: boolean;
  /** The amendment made to the order last (a changed decision): billing must hold it before it prices a month. */
  lastAmendment?: Amendment;
  /** The day the resident moved out of the home (occupancy areas): the day before is the last one paid. */
  movedOutOn?: string | null;
};

/** Per order and month: approved, disputed and settled. */
export type OrderMonth = {
  orderId: string;
  month: string;
  approved: boolean;
  disputed: number;
  disputeResolved: boolean;
  settled: boolean;
  reminded: boolean;
  escalated: boolean;
  disputeEscalated: boolean;
  /** Its payment was skipped at an attention: not paid or charged here, and no longer holding up the end of the journey. */
  skipped?: boolean;
};

export type Settlement = MonthSettlement & { orderId: string; basis: string };

/** Everything the journey knows; carried whole into the next run by continue-as-new. */
export type Carried = {
  stage: JourneyStage;
  assessed: boolean;
  decision: Decision | null;
  choice: { providerId: string; chosenBy: 'customer' | 'default' } | null;
  choiceDeadlineAt: number | null;
  queuedFor: string | null;
  queuedAt: number | null;
  queueEscalated: boolean;
  pendingSwitch: { toProviderId: string; effectiveFrom: string; fromProviderId?: string } | null;
  /** Providers chosen in addition to the first, each still to be ordered (areas with several providers at once). */
  addedProviders?: string[];
  /** Decision changes (their first day) not yet carried into the orders in force (journeys before AMEND_IN_ORDERS_CONSUMER). */
  pendingChanges?: OrderChange[];
  /** Orders amends the orders itself and the journey follows its `orderChanged` (AMEND_IN_ORDERS_CONSUMER, from the first change after it). */
  ordersAmendOnChange?: boolean;
  /** Amendments orders made (`orderChanged`) that the journey has not yet followed: billing's expectation and months to correct. */
  pendingAmendments?: Array<Amendment & { orderId: string }>;
  /** A resident moved out of their only home: service is over, the case handler ends the decision. */
  movedOut?: { orderId: string; on: string } | null;
  orders: OrderState[];
  orderMonths: OrderMonth[];
  settlements: Settlement[];
  escalations: Escalation[];
  expiryNoticeSent: boolean;
  expiryRequested: boolean;
  ended: { reason: string; endDate: string } | null;
  seen: string[];
  runs: number;
  settledThisRun: number;
  /** How many times a refused order voided the choice: part of the choice commands' business key. */
  choiceRound?: number;
  /** The default provider's assignment was skipped at an attention: only the customer's own choice moves the journey on. */
  defaultSkipped?: boolean;
  /** Commands the journey could not carry out, each waiting for or resolved by a person. */
  attentions?: Attention[];
};

export function initialState(): Carried {
  return {
    stage: 'application-received',
    assessed: false,
    decision: null,
    choice: null,
    choiceDeadlineAt: null,
    queuedFor: null,
    queuedAt: null,
    queueEscalated: false,
    pendingSwitch: null,
    orders: [],
    orderMonths: [],
    settlements: [],
    escalations: [],
    expiryNoticeSent: false,
    expiryRequested: false,
    ended: null,
    seen: [],
    runs: 0,
    settledThisRun: 0,
  };
}

/** A search attribute the journey keeps, by its name in `searchAttributes` (contracts). */
export type SearchAttributeUpdate = { attribute: 'stage' | 'provider' | 'attention'; value: string };

/**
 * What the rules ask of the workflow runtime, synchronously, at the point they meet it: whether a
 * patch applies (Temporal's `patched`, recorded as a marker) and a search-attribute update (one
 * upsert in the history). Unit tests answer with a recording fake.
 */
export type Host = {
  patched(patchId: string): boolean;
  /** Whether a person's choice is being recorded through the journey right now (an update in flight). */
  choosing?(): boolean;
  upsert(update: SearchAttributeUpdate): void;
};

type Round = { round?: number };
/** Commands to the services: each a plain description of one activity call, with the input it sends. */
export type Command =
  | { kind: 'assignDefaultProvider'; input: { decisionId: string } & Round }
  | { kind: 'placeOrder'; input: { decisionId: string; effectiveFrom?: string; providerId?: string } & Round }
  | { kind: 'endOrder'; input: { orderId: string; endDate: string; reason: 'switched' | 'moved-out' | 'decision-ended' } }
  | { kind: 'changeOrder'; input: OrderChange & { orderId: string } }
  | { kind: 'payProvider'; input: { orderId: string; month: string; basis: 'approval' | 'occupancy' | 'dispute-resolution'; expectedAmendment?: Amendment } }
  | { kind: 'correctPayment'; input: { orderId: string; month: string; basis: `decision-change:${string}`; expectedAmendment: Amendment } }
  | { kind: 'chargeFee'; input: { customerId: string; applicationId: string; month: string; basis: string } }
  | { kind: 'expireDecision'; input: { decisionId: string } };
/** Notices: tried a few times, then recorded as undelivered; they never hold up the journey. */
export type Notice =
  | { kind: 'remindProvider'; input: { orderId: string; about: 'acceptance' | 'care-plan' | 'approval'; key: string } }
  | { kind: 'createTask'; input: { applicationId: string; kind: TaskKind; key: string; message: string } }
  | { kind: 'closeTasks'; input: { applicationId: string; kind: TaskKind; key: string; reason: string } };
/** The journey waits for a person to resolve the open attention (retry, skip or end). */
export type WaitForPerson = { kind: 'waitForPerson'; attentionId: string };
export type Step = Command | Notice | WaitForPerson;

/** What each command answers when it succeeds. */
export type Answers = {
  assignDefaultProvider: Choice;
  placeOrder: Order;
  endOrder: Order;
  changeOrder: Order | null;
  payProvider: ProviderPayment;
  correctPayment: ProviderPayment | null;
  chargeFee: FeeInvoice;
  expireDecision: void;
};

export type Resolution = NonNullable<Attention['resolution']>;
export type CommandFailure = Pick<Attention, 'code' | 'reason' | 'failure' | 'status'>;
/**
 * How a step went: a command `answered` or `failed` for good (only under the failure policy; before
 * it the shell fails the journey as it always did), a notice `answered` or `undelivered`, a wait for a
 * person `resolved`.
 */
export type Outcome =
  | { kind: 'answered'; answer: unknown }
  | { kind: 'failed'; failure: CommandFailure }
  | { kind: 'undelivered' }
  | { kind: 'resolved'; resolution: Resolution };
/** The shell's reply to a step: its outcome and the time after it. */
export type Reply = { outcome: Outcome; now: number };
export type Pass<T = void> = Generator<Step, T, Reply>;

/** A skipped command's answer: the journey goes on without its effect. */
export const SKIPPED = Symbol('skipped');
export type Skipped = typeof SKIPPED;

/** A person ended the journey at an attention: unwinds the pass, which completes the journey. */
export class EndedByPerson extends Error {}

type OrderRefused = Extract<JourneyEvent, { kind: 'orderRefused' }>;

/**
 * One run's journey: its carried state, the area's policy and timing, the host, the clock of the
 * step being taken, and what is applied but not yet acted on (refusals to escalate, tasks to close),
 * which, as always, a run does not carry into the next.
 */
export type Journey = {
  readonly applicationId: string;
  readonly customerId: string;
  readonly policy: AreaPolicy;
  readonly timing: Timing;
  readonly host: Host;
  state: Carried;
  now: number;
  refusedOrders: OrderRefused[];
  tasksToClose: Array<{ kind: Escalation['kind']; key: string }>;
  /** The default provider was held back for a choice in flight: the shell wakes the loop when that choice ends. */
  deferredDefault?: boolean;
};

export function openJourney(
  input: Pick<VoucherJourneyInput, 'applicationId' | 'customerId' | 'policy' | 'timing'>,
  state: Carried,
  host: Host,
  now: number,
): Journey {
  return { applicationId: input.applicationId, customerId: input.customerId, policy: input.policy, timing: input.timing, host, state, now, refusedOrders: [], tasksToClose: [] };
}

// ---------------------------------------------------------------------------------------------
// Events in

/** Events received, de-duplicated by id: an event id seen before changes nothing. */
export type Inbox = { seen: Set<string>; pending: JourneyEvent[] };
export const openInbox = (seen: string[]): Inbox => ({ seen: new Set(seen), pending: [] });
/** Queues an event unless its id was seen; answers whether it was new. */
export function receive(inbox: Inbox, event: JourneyEvent): boolean {
  if (inbox.seen.has(event.eventId)) return false;
  inbox.seen.add(event.eventId);
  inbox.pending.push(event);
  return true;
}
/** The ids a run carries into the next, newest last. */
export const seenToCarry = (inbox: Inbox): string[] => [...inbox.seen].slice(-SEEN_EVENT_IDS_KEPT);

const iso = (ms: number) => new Date(ms).toISOString();
const today = (ms: number) => iso(ms).slice(0, 10);

function enter(j: Journey, stage: JourneyStage) {
  if (j.state.stage === stage) return;
  j.state.stage = stage;
  j.host.upsert({ attribute: 'stage', value: stage });
}

export const activeOrder = (s: Carried) => s.orders.find((o) => o.endDate === null) ?? null;
export const activeOrders = (s: Carried) => s.orders.filter((o) => o.endDate === null);
const serviceEnd = (s: Carried) => s.ended?.endDate ?? s.decision?.validTo ?? null;
export const openAttention = (s: Carried) => s.attentions?.find((a) => a.open) ?? null;
/** The id the next attention opened for `command` gets: the command and the journey's count of attentions. */
export const nextAttentionId = (s: Carried, command: string) => `${command}-${(s.attentions?.length ?? 0) + 1}`;
/** The choice commands' round, in their input only once a refusal made one: earlier inputs stay as they were. */
export const round = (s: Carried): Round => (s.choiceRound ? { round: s.choiceRound } : {});

/** Another provider at once (areas that allow several): ordered by the next pass. */
export function addProvider(j: Journey, providerId: string) {
  const s = j.state;
  if (!j.policy.severalProviders || s.choice?.providerId === providerId) return;
  if (activeOrders(s).some((o) => o.providerId === providerId)) return;
  s.addedProviders ??= [];
  if (!s.addedProviders.includes(providerId)) s.addedProviders.push(providerId);
}

function resolveEscalations(j: Journey, match: (e: Escalation) => boolean) {
  const s = j.state;
  for (const e of s.escalations) {
    if (!e.open || !match(e)) continue;
    e.open = false;
    if (e.to === 'case-handler') j.tasksToClose.push({ kind: e.kind, key: e.key });
  }
  const open = s.escalations.filter((e) => e.open);
  j.host.upsert({ attribute: 'attention', value: open.length > 0 ? open[open.length - 1]!.kind : 'none' });
}

function orderMonth(s: Carried, orderId: string, month: string): OrderMonth {
  let om = s.orderMonths.find((m) => m.orderId === orderId && m.month === month);
  if (!om) {
    om = { orderId, month, approved: false, disputed: 0, disputeResolved: false, settled: false, reminded: false, escalated: false, disputeEscalated: false };
    s.orderMonths.push(om);
  }
  return om;
}

/** Applies one service event to the journey's knowledge; commands follow in the next pass (`dueCommands`). */
export function applyEvent(j: Journey, event: JourneyEvent, now: number): void {
  j.now = now;
  const s = j.state;
  switch (event.kind) {
    case 'applicationReceived':
      return;
    case 'assessmentRecorded':
      s.assessed = true;
      if (s.stage === 'application-received') enter(j, 'assessed');
      return;
    case 'decisionMade':
      s.decision ??= { decisionId: event.decisionId, outcome: event.outcome, validFrom: event.validFrom, validTo: event.validTo, denialReason: event.denialReason };
      return;
    case 'decisionChanged':
      if (!s.decision) return;
      // A renewal moves the end later: the expiry notice is answered and a new one will come.
      if (event.validTo > s.decision.validTo) {
        s.expiryNoticeSent = false;
        s.expiryRequested = false;
        resolveEscalations(j, (e) => e.kind === 'decision-expiring');
      }
      s.decision.validTo = event.validTo;
      // The orders in force take the new terms too (hours, level, last day), or the provider would be
      // held to the old ones and billing would refuse deliveries past the old end.
      if (j.host.patched(DECISION_CHANGE_AMENDS_ORDERS)) {
        // Orders amends them as it copies the change (ADR 0029); the journey follows its orderChanged.
        if (j.host.patched(AMEND_IN_ORDERS_CONSUMER)) {
          s.ordersAmendOnChange = true;
          return;
        }
        const { effectiveFrom, validTo, careHoursPerMonth, serviceHoursPerMonth, level } = event;
        (s.pendingChanges ??= []).push({ effectiveFrom, validTo, careHoursPerMonth, serviceHoursPerMonth, level });
      }
      return;
    case 'orderChanged':
      // A journey that amends the orders itself knows each amendment from its command's answer.
      if (!s.ordersAmendOnChange) return;
      (s.pendingAmendments ??= []).push({ orderId: event.orderId, effectiveFrom: event.effectiveFrom, validTo: event.validTo, level: event.level });
      return;
    case 'decisionEnded':
      s.ended ??= { reason: event.reason, endDate: event.endDate };
      if (s.movedOut) resolveEscalations(j, (e) => e.kind === 'moved-out');
      return;
    case 'providerChosen':
      if (!s.choice) s.choice = { providerId: event.providerId, chosenBy: event.chosenBy };
      else addProvider(j, event.providerId);
      s.queuedFor = s.queuedFor === event.providerId ? null : s.queuedFor;
      resolveEscalations(j, (e) => e.kind === 'queue-waiting' || e.kind === 'order-refused');
      return;
    case 'placeQueued':
      s.queuedFor = event.providerId;
      s.queuedAt ??= now;
      return;
    case 'placeOffered':
      return;
    case 'providerSwitched':
      if (s.queuedFor === event.toProviderId) s.queuedFor = null;
      s.pendingSwitch = { toProviderId: event.toProviderId, effectiveFrom: event.effectiveFrom, ...(event.fromProviderId ? { fromProviderId: event.fromProviderId } : {}) };
      return;
    case 'orderEnded': {
      // The journey's own ends are recorded already; this is one it did not make (a provider left of several).
      const order = s.orders.find((o) => o.orderId === event.orderId);
      if (order && order.endDate === null) order.endDate = event.endDate;
      return;
    }
    case 'orderAccepted': {
      const order = s.orders.find((o) => o.orderId === event.orderId);
      if (order && order.acceptedAt === null) order.acceptedAt = now;
      resolveEscalations(j, (e) => e.kind === 'acceptance-overdue' && e.key.startsWith(event.orderId));
      return;
    }
    case 'orderRefused': {
      // The provider showed it is over capacity: the choice is void and the customer chooses again.
      s.orders = s.orders.filter((o) => o.orderId !== event.orderId);
      if (s.pendingAmendments) s.pendingAmendments = s.pendingAmendments.filter((a) => a.orderId !== event.orderId);
      // With several providers at once, the others still deliver: only the last refusal reopens the choice.
      if (!j.policy.severalProviders || activeOrders(s).length === 0) {
        s.choice = null;
        s.choiceDeadlineAt = null;
      }
      // Choosing (or being assigned) a provider after this is a new command, even of the same provider.
      s.choiceRound = (s.choiceRound ?? 0) + 1;
      j.refusedOrders.push(event);
      return;
    }
    case 'carePlanAgreed': {
      const order = s.orders.find((o) => o.orderId === event.orderId);
      if (order) order.carePlanAgreed = true;
      resolveEscalations(j, (e) => e.kind === 'care-plan-overdue' && e.key.startsWith(event.orderId));
      return;
    }
    case 'deliveryPeriodRecorded': {
      const order = s.orders.find((o) => o.orderId === event.orderId);
      if (order && event.period === 'moved-in') order.movedIn = true;
      // Moving out of the home in force ends the service; a move-out after a switch to another home does not.
      if (order && event.period === 'moved-out' && order.endDate === null && j.host.patched(MOVE_OUT_ENDS_SERVICE)) order.movedOutOn = event.from;
      return;
    }
    case 'monthApproved': {
      const om = orderMonth(s, event.orderId, event.month);
      om.approved = true;
      om.disputed = event.disputedVisits;
      resolveEscalations(j, (e) => e.kind === 'approval-overdue' && e.key === `${event.orderId}:${event.month}`);
      return;
    }
    case 'disputeResolved': {
      const om = orderMonth(s, event.orderId, event.month);
      om.disputeResolved = true;
      resolveEscalations(j, (e) => e.kind === 'dispute' && e.key === `${event.orderId}:${event.month}`);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Steps: one command, notice or wait, and what its outcome changes

/** Yields one step and takes the shell's reply: the clock moves to the time after it. */
function* ask(j: Journey, step: Step): Pass<Outcome> {
  const reply = yield step;
  j.now = reply.now;
  return reply.outcome;
}

/**
 * One command under the failure policy (ADR 0017): a command that failed for good becomes an
 * attention and the journey waits, issuing nothing else, until a person retries it, skips it or ends
 * the journey.
 */
function* command<C extends Command>(j: Journey, cmd: C): Pass<Answers[C['kind']] | Skipped> {
  for (;;) {
    const outcome = yield* ask(j, cmd);
    if (outcome.kind === 'answered') return outcome.answer as Answers[C['kind']];
    if (outcome.kind !== 'failed') throw new Error(`A command was answered with ${outcome.kind}.`);
    const taken = yield* waitForPerson(j, cmd.kind, outcome.failure);
    if (taken.action === 'retry') continue;
    if (taken.action === 'skip') return SKIPPED;
    throw new EndedByPerson(taken.reason ?? 'ended');
  }
}

/** Records the attention, opens one case-handler task for it, and waits for a person's resolution. */
function* waitForPerson(j: Journey, name: string, failed: CommandFailure): Pass<Resolution> {
  const s = j.state;
  s.attentions ??= [];
  const attention: Attention = { attentionId: nextAttentionId(s, name), command: name, ...failed, since: iso(j.now), open: true, resolution: null };
  s.attentions.push(attention);
  const what = failed.failure === 'retries-exhausted' ? `kept failing until its retry bound passed (last: ${failed.code})` : `was refused: ${failed.code}`;
  yield* escalate(j, 'command-failed', attention.attentionId, `The journey's command ${name} ${what}: ${failed.reason.replace(/\.$/, '')}. Fix the cause, then retry it, skip it or end the journey (POST /journeys/${j.applicationId}/attention/retry|skip|end).`);
  const outcome = yield* ask(j, { kind: 'waitForPerson', attentionId: attention.attentionId });
  if (outcome.kind !== 'resolved') throw new Error(`A wait for a person was answered with ${outcome.kind}.`);
  const taken = outcome.resolution;
  attention.open = false;
  attention.resolution = taken;
  resolveEscalations(j, (e) => e.kind === 'command-failed' && e.key === attention.attentionId);
  yield* closeResolvedTasks(j);
  return taken;
}

function* escalate(j: Journey, kind: TaskKind, key: string, message: string): Pass {
  const outcome = yield* ask(j, { kind: 'createTask', input: { applicationId: j.applicationId, kind, key, message } });
  const delivered = outcome.kind === 'answered';
  j.state.escalations.push({ kind, key, raisedAt: iso(j.now), to: 'case-handler', message: delivered ? message : `${message} (the task could not be delivered)`, open: true });
  j.host.upsert({ attribute: 'attention', value: kind });
}

function* remind(j: Journey, orderId: string, about: 'acceptance' | 'care-plan' | 'approval', key: string, message: string): Pass {
  const outcome = yield* ask(j, { kind: 'remindProvider', input: { orderId, about, key } });
  const delivered = outcome.kind === 'answered';
  j.state.escalations.push({ kind: `${about}-reminder`, key: `${orderId}:${key}`, raisedAt: iso(j.now), to: 'provider', message: delivered ? message : `${message} (not delivered)`, open: false });
}

/**
 * Closes the case-handler task of every escalation resolved since the last call, so the case
 * handlers' queue (`GET /tasks`) holds what the journeys still wait for (`GET /journeys?attention=`).
 * Journeys whose history predates it leave their tasks as they did.
 */
function* closeResolvedTasks(j: Journey): Pass {
  const due = j.tasksToClose.splice(0);
  if (due.length === 0 || !j.host.patched(TASKS_FOLLOW_THEIR_CAUSE)) return;
  for (const { kind, key } of due) {
    yield* ask(j, { kind: 'closeTasks', input: { applicationId: j.applicationId, kind: kind as TaskKind, key, reason: 'The journey no longer waits for it.' } });
  }
}

function newOrder(j: Journey, orderId: string, providerId: string, validFrom: string): OrderState {
  return {
    orderId,
    providerId,
    validFrom,
    endDate: null,
    acceptedAt: null,
    placedAt: j.now,
    carePlanAgreed: false,
    movedIn: false,
    remindedAcceptance: false,
    escalatedAcceptance: false,
    escalatedCarePlan: false,
    remindedCarePlan: false,
  };
}

/**
 * What a payment's answer changes: the settlement is booked (as a delta per basis) and, but for a
 * dispute's resolution, the month is settled. `payment` skipped: the month is neither paid nor
 * charged here and no longer holds up the end (finance settles it by hand); `fee` skipped or not
 * charged: the provider is paid, the customer is not charged.
 */
export function recordSettlement(
  s: Carried,
  om: OrderMonth,
  basis: 'approval' | 'occupancy' | 'dispute-resolution',
  payment: ProviderPayment | Skipped,
  fee: FeeInvoice | Skipped | null,
): void {
  if (payment === SKIPPED) {
    om.skipped = true;
    return;
  }
  const charged = fee === SKIPPED ? null : fee;
  s.settlements.push({
    orderId: om.orderId,
    basis,
    month: om.month,
    feeOre: charged?.feeOre ?? 0,
    appliedCap: charged?.appliedCap ?? 'none',
    ocrReference: charged?.ocrReference ?? '',
    paymentOre: payment.amountOre,
    unpricedMinutes: payment.unpricedMinutes,
  });
  if (basis !== 'dispute-resolution') {
    om.settled = true;
    s.settledThisRun += 1;
  }
}

// ---------------------------------------------------------------------------------------------
// The pass: every command now due, in order

/**
 * One pass over everything the journey owes now: yields each due command, notice or wait in turn and
 * records its outcome before deciding the next. Safe to run at any time: it only does what the state
 * says is missing. A person ending the journey at an attention completes it here.
 */
export function* dueCommands(j: Journey, now: number): Pass {
  j.now = now;
  try {
    yield* reconcile(j);
  } catch (err) {
    if (!(err instanceof EndedByPerson)) throw err;
    // Ended at an attention: no further command; what the services still hold is the person's to settle.
    const by = j.state.attentions?.at(-1)?.resolution?.by;
    j.state.ended = { reason: `ended by ${by ? `${by.role} ${by.subject}` : 'a person'}: ${err.message}`, endDate: today(j.now) };
    enter(j, 'completed');
  }
}

function* reconcile(j: Journey): Pass {
  const { policy, timing } = j;
  const s = j.state;
  yield* closeResolvedTasks(j);
  for (const refusal of j.refusedOrders.splice(0)) {
    yield* escalate(j, 'order-refused', refusal.orderId, `Provider refused the order: ${refusal.explanation}. The customer must choose again.`);
  }
  const decision = s.decision;
  if (!decision) return;
  if (decision.outcome === 'denied') {
    enter(j, 'denied');
    return;
  }

  // Choice: the customer's, a place from a queue, or the default provider when the deadline passes.
  if (!s.choice && !s.ended) {
    if (s.queuedFor) {
      enter(j, 'queued');
      if (!s.queueEscalated && j.now >= (s.queuedAt ?? j.now) + timing.queueEscalationMs) {
        s.queueEscalated = true;
        yield* escalate(j, 'queue-waiting', s.queuedFor, `The customer has waited for a place at ${s.queuedFor} since ${today(s.queuedAt ?? j.now)}.`);
      }
      return;
    }
    enter(j, 'awaiting-choice');
    if (!policy.defaultProvider || s.defaultSkipped) return;
    s.choiceDeadlineAt ??= j.now + timing.choiceDeadlineMs;
    if (j.now < s.choiceDeadlineAt) return;
    if (j.host.choosing?.() && j.host.patched(CHOICE_IN_FLIGHT_DEFERS_DEFAULT)) {
      j.deferredDefault = true;
      return;
    }
    const assigned = yield* command(j, { kind: 'assignDefaultProvider', input: { decisionId: decision.decisionId, ...round(s) } });
    // Skipped: no default is assigned; the customer's own choice (or the case handler's for them) moves the journey on.
    if (assigned === SKIPPED) {
      s.defaultSkipped = true;
      return;
    }
    s.choice ??= { providerId: assigned.providerId, chosenBy: assigned.chosenBy };
  }

  // A switch: the old order ends the day before, a new order starts with the new provider.
  if (s.pendingSwitch && !s.ended) {
    const { fromProviderId, toProviderId, effectiveFrom } = s.pendingSwitch;
    // With several providers the switch names the one it replaces; otherwise it is the one in force.
    const current = (fromProviderId !== undefined && policy.severalProviders ? activeOrders(s).find((o) => o.providerId === fromProviderId) : undefined) ?? activeOrder(s);
    if (current) {
      const lastDay = addDays(effectiveFrom, -1);
      // Skipped or not, the journey takes the old order as ended on its last day (ADR 0017).
      yield* command(j, { kind: 'endOrder', input: { orderId: current.orderId, endDate: lastDay, reason: 'switched' } });
      current.endDate = lastDay;
    }
    if (!policy.severalProviders || !s.choice || s.choice.providerId === current?.providerId) s.choice = { providerId: toProviderId, chosenBy: 'customer' };
    const placed = yield* command(j, { kind: 'placeOrder', input: { decisionId: decision.decisionId, effectiveFrom, ...(policy.severalProviders ? { providerId: toProviderId } : {}), ...round(s) } });
    s.pendingSwitch = null;
    if (placed === SKIPPED) {
      // No order with the new provider: as after a refusal, the customer chooses again.
      if (activeOrders(s).length === 0) {
        s.choice = null;
        s.choiceDeadlineAt = null;
      }
      return;
    }
    s.orders.push(newOrder(j, placed.orderId, placed.providerId, effectiveFrom));
    if (s.movedOut) {
      // A move-out raced the switch to the new home: service goes on there.
      s.movedOut = null;
      resolveEscalations(j, (e) => e.kind === 'moved-out');
    }
  }

  // The first order, once there is a choice.
  if (s.choice && s.orders.length === 0 && !s.ended) {
    // Where several providers may be chosen, the first is named: another may be chosen by the time this runs.
    const placed = yield* command(j, { kind: 'placeOrder', input: { decisionId: decision.decisionId, ...(policy.severalProviders ? { providerId: s.choice.providerId } : {}), ...round(s) } });
    if (placed === SKIPPED) {
      // No order: as after a refusal, the choice is void and the customer chooses again.
      s.choice = null;
      s.choiceDeadlineAt = null;
      return;
    }
    s.orders.push(newOrder(j, placed.orderId, placed.providerId, decision.validFrom));
    j.host.upsert({ attribute: 'provider', value: placed.providerId });
  }

  // A changed or renewed decision: every order in force is amended from the change's first day.
  for (const change of s.pendingChanges?.splice(0) ?? []) {
    for (const order of activeOrders(s)) {
      const from = change.effectiveFrom > order.validFrom ? change.effectiveFrom : order.validFrom;
      // Null: the order ended before the change took effect (a provider left meanwhile); nothing to amend.
      // Skipped: the order keeps its old terms here too, and no month is corrected for the change.
      const changed = yield* command(j, { kind: 'changeOrder', input: { ...change, orderId: order.orderId, effectiveFrom: from } });
      if (changed === SKIPPED || !changed) continue;
      yield* followAmendment(j, order, { effectiveFrom: from, validTo: change.validTo, level: change.level });
    }
  }

  // Amendments orders made itself from a changed decision (ADR 0029). One whose order the journey does
  // not know yet (its placement's answer still on its way) waits for it.
  const amendments = s.pendingAmendments?.splice(0) ?? [];
  for (const [i, { orderId, ...amendment }] of amendments.entries()) {
    const order = s.orders.find((o) => o.orderId === orderId);
    if (order) yield* followAmendment(j, order, amendment);
    else (s.pendingAmendments ??= []).push(amendments[i]!);
  }

  // Further providers at once, each with its own order (areas that allow several).
  for (const providerId of s.addedProviders?.splice(0) ?? []) {
    if (s.ended) break;
    const placed = yield* command(j, { kind: 'placeOrder', input: { decisionId: decision.decisionId, providerId, ...round(s) } });
    // Skipped: that provider is not ordered; the customer chooses them again if they still want them.
    if (placed === SKIPPED) continue;
    if (!s.orders.some((o) => o.orderId === placed.orderId)) s.orders.push(newOrder(j, placed.orderId, placed.providerId, placed.validFrom));
  }

  // A resident moved out of the home: the order ends the day before, and the case handler ends the decision.
  for (const order of activeOrders(s)) {
    if (!order.movedOutOn || s.ended) continue;
    const lastDay = addDays(order.movedOutOn, -1);
    yield* command(j, { kind: 'endOrder', input: { orderId: order.orderId, endDate: lastDay, reason: 'moved-out' } });
    order.endDate = lastDay;
    if (activeOrders(s).length === 0 && !s.pendingSwitch) {
      s.movedOut = { orderId: order.orderId, on: order.movedOutOn };
      yield* escalate(j, 'moved-out', order.orderId, `The resident moved out of ${order.providerId} on ${order.movedOutOn}: end the decision.`);
    }
  }

  // Acceptance and care plan of every order in force, with reminders and escalations. The journey's
  // stage is that of the order furthest behind.
  const current = activeOrder(s);
  if (current && !s.ended) {
    j.host.upsert({ attribute: 'provider', value: current.providerId });
    const inForce = activeOrders(s);
    enter(j, inForce.map((o) => orderStage(j, o)).reduce((a, b) => (STAGE_ORDER.indexOf(a) <= STAGE_ORDER.indexOf(b) ? a : b)));
    for (const order of inForce) {
      for (const followUp of orderFollowUps(j, order)) if (j.now >= followUp.dueAt) yield* followUp.act();
    }
  } else if (s.movedOut && !s.ended) {
    enter(j, 'ending');
  }

  yield* settleDueMonths(j);

  // The decision's end: a notice before expiry; once past its last day and with every month of it
  // settled, the decision expires (a decision made after its own period still gets its months paid).
  if (!s.ended) {
    const expiresAt = startOfDayMs(addDays(decision.validTo, 1));
    if (!s.expiryNoticeSent && j.now >= expiresAt - timing.expiryNoticeMs && j.now < expiresAt) {
      s.expiryNoticeSent = true;
      yield* escalate(j, 'decision-expiring', decision.validTo, `The decision ends on ${decision.validTo}: renew it or let it expire.`);
    }
    if (!s.expiryRequested && j.now >= expiresAt && s.orders.length > 0 && allSettled(s)) {
      s.expiryRequested = true;
      // Skipped: the decision is not expired by the journey; it waits for the case handler to end it (decisionEnded).
      yield* command(j, { kind: 'expireDecision', input: { decisionId: decision.decisionId } });
    }
  } else {
    for (const open of activeOrders(s)) {
      yield* command(j, { kind: 'endOrder', input: { orderId: open.orderId, endDate: s.ended.endDate, reason: 'decision-ended' } });
      open.endDate = s.ended.endDate;
    }
    if (s.orders.length === 0 || allSettled(s)) enter(j, 'completed');
    else enter(j, 'ending');
  }
}

/** Stages an order passes through, first to last: the journey reports the one furthest behind. */
const STAGE_ORDER: JourneyStage[] = ['awaiting-acceptance', 'awaiting-care-plan', 'awaiting-move-in', 'in-service'];

/** Where one order stands: acceptance, care plan, move-in, then service. */
function orderStage(j: Journey, order: OrderState): JourneyStage {
  if (order.acceptedAt === null) return 'awaiting-acceptance';
  if (j.policy.carePlanDeadlineDays !== null && !order.carePlanAgreed) return 'awaiting-care-plan';
  if (j.policy.deliveryUnit === 'occupancy-day' && !order.movedIn) return 'awaiting-move-in';
  return 'in-service';
}

/**
 * What an order still owes and when each falls due: while unaccepted, the acceptance reminder then
 * its escalation; once accepted, the care-plan reminder then its escalation. One schedule, read both
 * to act (the pass) and to know when to wake (`nextDeadline`).
 */
function orderFollowUps(j: Journey, order: OrderState): Array<{ dueAt: number; act: () => Pass }> {
  const { policy, timing } = j;
  const due: Array<{ dueAt: number; act: () => Pass }> = [];
  if (order.acceptedAt === null) {
    if (!order.remindedAcceptance) {
      due.push({
        dueAt: order.placedAt + timing.acceptanceReminderMs,
        act: function* () {
          order.remindedAcceptance = true;
          yield* remind(j, order.orderId, 'acceptance', 'acceptance-1', 'Reminded the provider to accept the order.');
        },
      });
    }
    if (!order.escalatedAcceptance) {
      due.push({
        dueAt: order.placedAt + timing.acceptanceEscalationMs,
        act: function* () {
          order.escalatedAcceptance = true;
          yield* escalate(j, 'acceptance-overdue', `${order.orderId}`, `${order.providerId} has not accepted the order placed ${today(order.placedAt)}; providers may not refuse within their capacity.`);
        },
      });
    }
  } else if (policy.carePlanDeadlineDays !== null && !order.carePlanAgreed) {
    const dueAt = order.acceptedAt + policy.carePlanDeadlineDays * timing.dayMs;
    if (!order.remindedCarePlan) {
      due.push({
        dueAt,
        act: function* () {
          order.remindedCarePlan = true;
          yield* remind(j, order.orderId, 'care-plan', 'care-plan-1', 'Reminded the provider that the care plan is due.');
        },
      });
    }
    if (!order.escalatedCarePlan) {
      due.push({
        dueAt: dueAt + timing.carePlanEscalationMs,
        act: function* () {
          order.escalatedCarePlan = true;
          yield* escalate(j, 'care-plan-overdue', order.orderId, `No care plan agreed with ${order.providerId} within ${policy.carePlanDeadlineDays} days of acceptance.`);
        },
      });
    }
  }
  return due;
}

/** The months an order delivers in: each needs its approval (or its days of stay) settled. */
function dueOrderMonths(s: Carried, order: OrderState): string[] {
  const end = order.endDate ?? serviceEnd(s);
  return !end || end < order.validFrom ? [] : monthsCovered(order.validFrom, end);
}

/** Every order month through the end of service is settled (or its payment skipped) and no dispute is open. */
export function allSettled(s: Carried): boolean {
  return s.orders.every((o) =>
    dueOrderMonths(s, o).every((m) => {
      const om = s.orderMonths.find((x) => x.orderId === o.orderId && x.month === m);
      return om !== undefined && (om.skipped === true || (om.settled && (om.disputed === 0 || om.disputeResolved)));
    }),
  );
}

function* settleDueMonths(j: Journey): Pass {
  const s = j.state;
  for (const order of s.orders) {
    if (order.acceptedAt === null) continue;
    for (const month of dueOrderMonths(s, order)) {
      // A run settles a bounded number of months; the next run (continue-as-new) takes the rest.
      if (s.settledThisRun >= MONTHS_PER_RUN) return;
      const om = orderMonth(s, order.orderId, month);
      if (om.skipped) continue;
      const monthOver = j.now >= startOfDayMs(addDays(lastDayOfMonth(month), 1));
      if (!om.settled) {
        if (j.policy.customerApprovesMonths) {
          if (!om.approved) {
            if (monthOver) yield* remindOrEscalateApproval(j, order, om);
            continue;
          }
          yield* settle(j, order, om, 'approval');
        } else {
          // Paid per day of stay once the month is over (or service has ended within it).
          const end = order.endDate ?? serviceEnd(s);
          const endedInMonth = end !== null && monthOf(end) === month && end < today(j.now);
          if (!monthOver && !endedInMonth) continue;
          if (j.policy.deliveryUnit === 'occupancy-day' && !order.movedIn && j.host.patched(OCCUPANCY_WAITS_FOR_MOVE_IN)) continue;
          yield* settle(j, order, om, 'occupancy');
        }
      }
      if (om.disputed > 0 && !om.disputeResolved && !om.disputeEscalated) {
        om.disputeEscalated = true;
        yield* escalate(j, 'dispute', `${om.orderId}:${om.month}`, `The customer disputes ${om.disputed} visit(s) of ${om.month}; resolve them so they can be paid or rejected.`);
      }
      if (om.disputed > 0 && om.disputeResolved && !s.settlements.some((x) => x.orderId === om.orderId && x.month === om.month && x.basis === 'dispute-resolution')) {
        yield* settle(j, order, om, 'dispute-resolution');
      }
    }
  }
}

function* remindOrEscalateApproval(j: Journey, order: OrderState, om: OrderMonth): Pass {
  const monthEnd = startOfDayMs(addDays(lastDayOfMonth(om.month), 1));
  if (!om.reminded && j.now >= monthEnd + j.timing.approvalReminderMs) {
    om.reminded = true;
    yield* remind(j, order.orderId, 'approval', om.month, `Reminded about the approval of ${om.month}.`);
  }
  if (!om.escalated && j.now >= monthEnd + j.timing.approvalEscalationMs) {
    om.escalated = true;
    yield* escalate(j, 'approval-overdue', `${om.orderId}:${om.month}`, `${om.month} at ${order.providerId} is not approved; nothing is paid or charged until it is.`);
  }
}

/**
 * What an amendment of an order changes for the journey: billing must hold it before it prices a
 * month, and a new level changes what months already paid were worth (areas paid per unit by level;
 * time is priced by band, not by the decision).
 */
function* followAmendment(j: Journey, order: OrderState, amendment: Amendment): Pass {
  order.lastAmendment = amendment;
  if (j.policy.deliveryUnit === 'minutes-by-band') return;
  for (const om of j.state.orderMonths) {
    if (om.orderId === order.orderId && om.settled && om.month >= monthOf(amendment.effectiveFrom)) yield* correctForChange(j, order, om, amendment.effectiveFrom);
  }
}

/**
 * Pays what a changed level adds to a month already paid, or has billing credit what it takes away (a
 * negative payment, ADR 0034); only a billing that refuses to credit leaves the month to the case handler.
 */
function* correctForChange(j: Journey, order: OrderState, om: OrderMonth, from: string): Pass {
  const payment = yield* command(j, { kind: 'correctPayment', input: { orderId: order.orderId, month: om.month, basis: `decision-change:${from}`, expectedAmendment: order.lastAmendment! } });
  // Skipped: the month stays as paid; the difference is left to finance.
  if (payment === SKIPPED) return;
  if (!payment) {
    yield* escalate(j, 'payment-correction', `${order.orderId}:${om.month}`, `The decision changed from ${from} makes ${om.month} at ${order.providerId} worth less than was paid; reclaim the difference.`);
    return;
  }
  // A level changes the voucher, not the customer's fee (charged per delivered unit or hour); but the
  // month's fee is brought up to date with it, a credit when it is now lower (ADR 0039).
  const fee =
    j.policy.chargesFee && j.host.patched(FEE_FOLLOWS_DECISION_CHANGE)
      ? yield* command(j, { kind: 'chargeFee', input: { customerId: j.customerId, applicationId: j.applicationId, month: om.month, basis: `decision-change-${from}:${order.orderId}` } })
      : null;
  const charged = fee === SKIPPED ? null : fee;
  j.state.settlements.push({
    orderId: order.orderId,
    basis: `decision-change:${from}`,
    month: om.month,
    feeOre: charged?.feeOre ?? 0,
    appliedCap: charged && charged.feeOre !== 0 ? charged.appliedCap : 'none',
    ocrReference: charged?.ocrReference ?? '',
    paymentOre: payment.amountOre,
    unpricedMinutes: payment.unpricedMinutes,
  });
}

function* settle(j: Journey, order: OrderState, om: OrderMonth, basis: 'approval' | 'occupancy' | 'dispute-resolution'): Pass {
  const payment = yield* command(j, { kind: 'payProvider', input: { orderId: order.orderId, month: om.month, basis, ...(order.lastAmendment ? { expectedAmendment: order.lastAmendment } : {}) } });
  const fee =
    payment !== SKIPPED && j.policy.chargesFee
      ? yield* command(j, { kind: 'chargeFee', input: { customerId: j.customerId, applicationId: j.applicationId, month: om.month, basis: `${basis}:${order.orderId}` } })
      : null;
  recordSettlement(j.state, om, basis, payment, fee);
}

/**
 * The journey is over: its escalations' causes are gone with it, but a reclaim (payment-correction) is
 * still owed after the end, so its task stays open for the case handler.
 */
export function* finish(j: Journey, now: number): Pass {
  j.now = now;
  const s = j.state;
  if (s.stage === 'completed' && s.escalations.some((e) => e.open && e.kind !== 'payment-correction') && j.host.patched(TASKS_FOLLOW_THEIR_CAUSE)) {
    resolveEscalations(j, (e) => e.kind !== 'payment-correction');
    yield* closeResolvedTasks(j);
  }
}

// ---------------------------------------------------------------------------------------------
// When to wake, and what the query reports

/** The earliest moment the journey must act on its own, or undefined when only events can move it. */
export function nextDeadline(j: Pick<Journey, 'state' | 'policy' | 'timing'>, now: number, choosing = false): number | undefined {
  const { policy, timing } = j;
  const s = j.state;
  const times: number[] = [];
  const d = s.decision;
  if (!d || d.outcome === 'denied' || s.stage === 'completed') return undefined;
  // A deadline passed while the customer's choice is being recorded waits for that choice (the update wakes the loop).
  if (!s.choice && !s.queuedFor && policy.defaultProvider && !s.defaultSkipped && s.choiceDeadlineAt !== null && !(choosing && now >= s.choiceDeadlineAt)) times.push(s.choiceDeadlineAt);
  // Waiting in a queue while living in another home is not waiting for a place: nothing to escalate.
  if (s.queuedFor && !s.queueEscalated && !s.choice) times.push((s.queuedAt ?? now) + timing.queueEscalationMs);
  for (const order of activeOrders(s)) times.push(...orderFollowUps(j as Journey, order).map((f) => f.dueAt));
  // The next month end brings a new month to settle, or an approval to chase.
  const end = serviceEnd(s);
  if (end) {
    const day = today(now);
    if (day <= end) times.push(startOfDayMs(addDays(lastDayOfMonth(monthOf(day)), 1)));
  }
  for (const om of s.orderMonths) {
    if (om.approved || !policy.customerApprovesMonths) continue;
    const monthEnd = startOfDayMs(addDays(lastDayOfMonth(om.month), 1));
    if (!om.reminded) times.push(monthEnd + timing.approvalReminderMs);
    if (!om.escalated) times.push(monthEnd + timing.approvalEscalationMs);
  }
  if (!s.ended) {
    const expiresAt = startOfDayMs(addDays(d.validTo, 1));
    if (!s.expiryNoticeSent && now < expiresAt) times.push(expiresAt - timing.expiryNoticeMs);
    if (!s.expiryRequested && now < expiresAt) times.push(expiresAt);
  }
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** The journey as its query reports it: where it stands, what it waits for, what it settled. */
export function journeyView(input: Pick<VoucherJourneyInput, 'applicationId' | 'customerId' | 'policy'>, s: Carried, deadline: number | undefined): JourneyState {
  const current = s.orders.find((o) => o.endDate === null) ?? s.orders[s.orders.length - 1] ?? null;
  const byMonth = new Map<string, MonthSettlement>();
  for (const x of s.settlements) {
    const m = byMonth.get(x.month);
    byMonth.set(
      x.month,
      m
        ? { ...m, feeOre: m.feeOre + x.feeOre, paymentOre: m.paymentOre + x.paymentOre, unpricedMinutes: m.unpricedMinutes + x.unpricedMinutes, appliedCap: x.feeOre !== 0 ? x.appliedCap : m.appliedCap, ocrReference: x.ocrReference || m.ocrReference }
        : { month: x.month, feeOre: x.feeOre, appliedCap: x.appliedCap, ocrReference: x.ocrReference, paymentOre: x.paymentOre, unpricedMinutes: x.unpricedMinutes },
    );
  }
  return {
    applicationId: input.applicationId,
    customerId: input.customerId,
    areaId: input.policy.areaId,
    stage: s.stage,
    decisionId: s.decision?.decisionId ?? null,
    providerId: current?.providerId ?? s.choice?.providerId ?? null,
    chosenBy: s.choice?.chosenBy ?? null,
    orderId: current?.orderId ?? null,
    denialReason: s.decision?.outcome === 'denied' ? s.decision.denialReason : null,
    nextDeadline: deadline === undefined ? null : iso(deadline),
    pendingMonths: s.orderMonths.filter((m) => !m.settled && !m.skipped).map((m) => m.month),
    settledMonths: [...byMonth.values()].sort((a, b) => a.month.localeCompare(b.month)),
    escalations: s.escalations,
    ended: s.ended,
    runs: s.runs,
    orders: s.orders.map((o) => ({ orderId: o.orderId, providerId: o.providerId, validFrom: o.validFrom, endDate: o.endDate })),
    attention: openAttention(s),
    attentions: s.attentions ?? [],
  };
}

import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Amendment, BillingActivities } from '../activities/billing.activities.js';
import type { DecisionsActivities, TaskKind } from '../activities/decisions.activities.js';
import type { OrderChange, OrdersActivities } from '../activities/orders.activities.js';
import {
  CommandFailureType,
  DEFAULT_COMMAND_RETRY_MS,
  approveMonthUpdate,
  chooseProviderUpdate,
  endJourneyUpdate,
  journeyEventSignal,
  journeyStateQuery,
  retryCommandUpdate,
  searchAttributes,
  skipCommandUpdate,
  type Attention,
  type AttentionActor,
  type Escalation,
  type JourneyEvent,
  type JourneyStage,
  type JourneyState,
  type MonthSettlement,
  type VoucherJourneyInput,
} from '../contracts.js';
import { addDays, lastDayOfMonth, monthOf, monthsCovered, startOfDayMs } from './months.js';

/**
 * Commands to the services: idempotent there (keyed by decision, order, month and basis, and sent
 * with an Idempotency-Key), so retries never double anything. A refusal or an answer the worker cannot
 * read is never retried; anything else is retried until `scheduleToCloseTimeout`, the journey's
 * `commandRetryMs` (`commandOptions`), after which the failure becomes an attention.
 */
const commandRetry: ActivityOptions['retry'] = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: ['BadRequest', CommandFailureType.refused, CommandFailureType.unexpectedAnswer],
};
const commandOptions = (retryBoundMs: number): ActivityOptions => ({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: retryBoundMs, retry: commandRetry });
/**
 * Commands made inside an update (the customer's choice, the approval of a month): the caller waits
 * for the answer, so a command that does not go through within a minute goes back to the caller as a
 * refusal instead of keeping the request open for hours.
 */
const updateCommandOptions: ActivityOptions = { startToCloseTimeout: '20 seconds', scheduleToCloseTimeout: '1 minute', retry: commandRetry };
/**
 * Reminders, escalations and closing tasks: tried a few times, then recorded as undelivered in the
 * journey's state (which operators see) — a notice that cannot be delivered must not hold up payments.
 */
const noticeOptions: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: { ...commandRetry, maximumAttempts: 5 } };
const providerNotices = proxyActivities<Pick<OrdersActivities, 'remindProvider'>>(noticeOptions);
const caseHandlerNotices = proxyActivities<Pick<DecisionsActivities, 'createTask' | 'closeTasks'>>(noticeOptions);
const ordersOnBehalf = proxyActivities<Pick<OrdersActivities, 'recordChoice'>>(updateCommandOptions);
const billingOnBehalf = proxyActivities<Pick<BillingActivities, 'approveMonth'>>(updateCommandOptions);

/** Settled months per run before the journey continues as new, keeping each run's history short. */
const MONTHS_PER_RUN = 6;
/** Event ids remembered for de-duplication; older ids belong to events long applied. */
const SEEN_EVENT_IDS_KEPT = 500;

/**
 * Patch ids (docs/workflow-versioning.md): a journey whose history predates a patch replays the old
 * behaviour; new executions record the marker and take the new path.
 */
const MOVE_OUT_ENDS_SERVICE = 'move-out-ends-service';
const DECISION_CHANGE_AMENDS_ORDERS = 'decision-change-amends-orders';
/** A failed command becomes an attention a person resolves (retry, skip, end) instead of failing the journey. */
const COMMAND_FAILURE_POLICY = 'command-failure-policy';
/** The journey closes the case-handler task of an escalation whose cause is gone, and of every escalation when it completes. */
const TASKS_FOLLOW_THEIR_CAUSE = 'tasks-follow-their-cause';

/** A person ended the journey at an attention: unwinds `reconcile` to the loop, which completes the journey. */
class EndedByPerson extends Error {}
/** What a skipped command answers: the journey goes on without its effect. */
const SKIPPED = Symbol('skipped');
type Skipped = typeof SKIPPED;

type Decision = {
  decisionId: string;
  outcome: 'granted' | 'partly-granted' | 'denied';
  validFrom: string;
  validTo: string;
  denialReason: string | null;
};

type OrderState = {
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
type OrderMonth = {
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

/** Everything the journey knows; carried whole into the next run by continue-as-new. */
type Carried = {
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
  /** Decision changes (their first day) not yet carried into the orders in force. */
  pendingChanges?: OrderChange[];
  /** A resident moved out of their only home: service is over, the case handler ends the decision. */
  movedOut?: { orderId: string; on: string } | null;
  orders: OrderState[];
  orderMonths: OrderMonth[];
  settlements: Array<MonthSettlement & { orderId: string; basis: string }>;
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

function initial(): Carried {
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

/**
 * One customer's journey in any voucher area, for its whole life (DESIGN.md §2–3): intake,
 * decision, choice (or default provider, or a queue for a place), order and acceptance, care plan,
 * then month after month of deliveries, approvals, fees and payments, through switches of provider,
 * changed decisions, disputes, expiry and the end of service. The area's definition, read once into
 * `input.policy`, decides which steps apply; no area is special-cased here.
 *
 * The journey is a reactive loop: service events arrive through `journeyEvent` (an event id seen
 * before changes nothing), and after each event or passed deadline `reconcile` issues whatever
 * commands are now due. Every command is idempotent at the service, so a crash between a command
 * and its recording is harmless. History stays bounded by continuing as new every few months.
 */
export async function voucherJourneyWorkflow(input: VoucherJourneyInput): Promise<JourneyState> {
  const { policy, timing } = input;
  const s: Carried = (input.carried as Carried | undefined) ?? initial();
  const inbox: JourneyEvent[] = [];
  const seen = new Set(s.seen);
  const retryBound = commandOptions(timing.commandRetryMs ?? DEFAULT_COMMAND_RETRY_MS);
  const orders = proxyActivities<OrdersActivities>(retryBound);
  const billing = proxyActivities<BillingActivities>(retryBound);
  const decisions = proxyActivities<DecisionsActivities>(retryBound);
  /** The resolution a person gave the open attention, taken by the command waiting on it. */
  let resolution: NonNullable<Attention['resolution']> | null = null;
  const openAttention = () => s.attentions?.find((a) => a.open) ?? null;
  /** The choice commands' round, in their input only once a refusal made one: earlier inputs stay as they were. */
  const round = () => (s.choiceRound ? { round: s.choiceRound } : {});

  setHandler(journeyStateQuery, () => view(input, s, nextDeadline()));
  setHandler(journeyEventSignal, (event) => {
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    // The request's correlation id reaches the worker's log here: HTTP request → event → journey.
    log.info('journey event', { kind: event.kind, eventId: event.eventId, correlationId: event.correlationId ?? null });
    inbox.push(event);
  });
  setHandler(
    chooseProviderUpdate,
    async ({ providerId }) => {
      const choice = await onBehalf(() => ordersOnBehalf.recordChoice({ decisionId: s.decision!.decisionId, providerId, ...round() }));
      if (s.choice) addProvider(choice.providerId);
      s.choice ??= { providerId: choice.providerId, chosenBy: choice.chosenBy };
      return { providerId: choice.providerId, chosenBy: choice.chosenBy };
    },
    {
      validator: ({ providerId }) => {
        if (!/^[a-z0-9-]{2,50}$/.test(providerId)) throw new Error('providerId: not a provider id');
        if (!s.decision || s.decision.outcome === 'denied') throw new Error('There is no granted decision to choose for.');
        if (s.choice && !policy.severalProviders) throw new Error('A provider is already chosen; switching is a separate request.');
        if (activeOrders().some((o) => o.providerId === providerId) || s.addedProviders?.includes(providerId)) throw new Error(`${providerId} is already one of the customer's providers.`);
      },
    },
  );
  setHandler(
    approveMonthUpdate,
    async ({ orderId, month, disputedVisitIds }) => {
      const answer = await onBehalf(() => billingOnBehalf.approveMonth({ orderId, month, disputedVisitIds }));
      return { orderId, month, approvedVisits: answer.approvedVisits };
    },
    {
      validator: ({ orderId, month }) => {
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new Error('month: expected YYYY-MM');
        const om = s.orderMonths.find((m) => m.orderId === orderId && m.month === month);
        if (!om) throw new Error(`Order ${orderId} has no deliveries to approve in ${month}.`);
        if (om.approved) throw new Error(`${month} is already approved.`);
      },
    },
  );

  for (const [update, action] of [
    [retryCommandUpdate, 'retry'],
    [skipCommandUpdate, 'skip'],
    [endJourneyUpdate, 'end'],
  ] as const) {
    setHandler(
      update,
      ({ by, reason }) => {
        const attention = openAttention()!;
        resolution = { action, by: { subject: by.subject, role: by.role }, at: new Date(now()).toISOString(), reason: reason?.trim() || null };
        log.info('attention resolved', { attentionId: attention.attentionId, command: attention.command, action, by: by.subject, role: by.role });
        return { ...attention, open: false, resolution };
      },
      { validator: (args) => validateResolution(openAttention(), action, args) },
    );
  }

  upsertSearchAttributes([
    { key: searchAttributes.area, value: policy.areaId },
    { key: searchAttributes.customer, value: input.customerId },
    { key: searchAttributes.municipality, value: input.municipality },
    { key: searchAttributes.stage, value: s.stage },
  ]);

  const now = () => Date.now();
  const day = timing.dayMs;

  function enter(stage: JourneyStage) {
    if (s.stage === stage) return;
    s.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.stage, value: stage }]);
  }

  /**
   * Runs one command under the failure policy: a command that fails for good (refused, an answer the
   * worker cannot read, or retryable failures past `commandRetryMs`) becomes an attention and the
   * journey waits, issuing nothing else, until a person retries it, skips it or ends the journey.
   * Journeys whose history predates the policy fail as they always did.
   */
  async function command<T>(name: string, run: () => Promise<T>): Promise<T | Skipped> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof ActivityFailure) || !patched(COMMAND_FAILURE_POLICY)) throw err;
        const taken = await waitForPerson(name, err);
        if (taken.action === 'retry') continue;
        if (taken.action === 'skip') return SKIPPED;
        throw new EndedByPerson(taken.reason ?? 'ended');
      }
    }
  }

  /** Records the attention, opens one case-handler task for it, and waits for a person's resolution. */
  async function waitForPerson(name: string, err: ActivityFailure): Promise<NonNullable<Attention['resolution']>> {
    const failed = failureOf(err);
    s.attentions ??= [];
    // Cleared before the attention opens: a person may resolve it while its task is still being raised.
    resolution = null;
    const attention: Attention = { attentionId: `${name}-${s.attentions.length + 1}`, command: name, ...failed, since: new Date(now()).toISOString(), open: true, resolution: null };
    s.attentions.push(attention);
    log.warn('command needs a person', { attentionId: attention.attentionId, command: name, code: failed.code, reason: failed.reason });
    const what = failed.failure === 'retries-exhausted' ? `kept failing until its retry bound passed (last: ${failed.code})` : `was refused: ${failed.code}`;
    await escalate('command-failed', attention.attentionId, `The journey's command ${name} ${what}: ${failed.reason.replace(/\.$/, '')}. Fix the cause, then retry it, skip it or end the journey (POST /journeys/${input.applicationId}/attention/retry|skip|end).`);
    await condition(() => resolution !== null);
    const taken = resolution!;
    resolution = null;
    attention.open = false;
    attention.resolution = taken;
    resolveEscalations((e) => e.kind === 'command-failed' && e.key === attention.attentionId);
    await closeResolvedTasks();
    return taken;
  }

  /** A command on behalf of the customer or case handler (an update): a failure goes back to the caller, not into the journey. */
  async function onBehalf<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const failed = failureOf(err);
      throw ApplicationFailure.create({ type: CommandFailureType.refused, message: `${failed.code}: ${failed.reason}`, nonRetryable: true, details: [failed.code, failed.reason, failed.status] });
    }
  }

  async function escalate(kind: Parameters<DecisionsActivities['createTask']>[0]['kind'], key: string, message: string) {
    const delivered = await caseHandlerNotices.createTask({ applicationId: input.applicationId, kind, key, message }).then(
      () => true,
      () => false,
    );
    s.escalations.push({ kind, key, raisedAt: new Date(now()).toISOString(), to: 'case-handler', message: delivered ? message : `${message} (the task could not be delivered)`, open: true });
    upsertSearchAttributes([{ key: searchAttributes.attention, value: kind }]);
  }

  async function remind(orderId: string, about: 'acceptance' | 'care-plan' | 'approval', key: string, message: string) {
    const delivered = await providerNotices.remindProvider({ orderId, about, key }).then(
      () => true,
      () => false,
    );
    s.escalations.push({ kind: `${about}-reminder`, key: `${orderId}:${key}`, raisedAt: new Date(now()).toISOString(), to: 'provider', message: delivered ? message : `${message} (not delivered)`, open: false });
  }

  /** Escalations whose cause is gone, their case-handler tasks still to be closed (`closeResolvedTasks`). */
  const tasksToClose: Array<{ kind: Escalation['kind']; key: string }> = [];

  function resolveEscalations(match: (e: Escalation) => boolean) {
    for (const e of s.escalations) {
      if (!e.open || !match(e)) continue;
      e.open = false;
      if (e.to === 'case-handler') tasksToClose.push({ kind: e.kind, key: e.key });
    }
    const open = s.escalations.filter((e) => e.open);
    upsertSearchAttributes([{ key: searchAttributes.attention, value: open.length > 0 ? open[open.length - 1]!.kind : 'none' }]);
  }

  /**
   * Closes the case-handler task of every escalation resolved since the last call, so the case
   * handlers' queue (`GET /tasks`) holds what the journeys still wait for (`GET /journeys?attention=`).
   * Journeys whose history predates it leave their tasks as they did.
   */
  async function closeResolvedTasks() {
    const due = tasksToClose.splice(0);
    if (due.length === 0 || !patched(TASKS_FOLLOW_THEIR_CAUSE)) return;
    for (const { kind, key } of due) {
      await caseHandlerNotices
        .closeTasks({ applicationId: input.applicationId, kind: kind as TaskKind, key, reason: 'The journey no longer waits for it.' })
        .catch(() => log.warn('task not closed', { kind, key }));
    }
  }

  /** Refusals applied but not yet escalated: `apply` records, `reconcile` acts. */
  const refusedOrders: Array<Extract<JourneyEvent, { kind: 'orderRefused' }>> = [];
  const activeOrder = () => s.orders.find((o) => o.endDate === null) ?? null;
  const activeOrders = () => s.orders.filter((o) => o.endDate === null);
  /** Another provider at once (areas that allow several): ordered by the next `reconcile`. */
  function addProvider(providerId: string) {
    if (!policy.severalProviders || s.choice?.providerId === providerId) return;
    if (activeOrders().some((o) => o.providerId === providerId)) return;
    s.addedProviders ??= [];
    if (!s.addedProviders.includes(providerId)) s.addedProviders.push(providerId);
  }
  const serviceEnd = () => s.ended?.endDate ?? s.decision?.validTo ?? null;

  /** Applies one service event to the journey's knowledge; commands follow in `reconcile`. */
  function apply(event: JourneyEvent) {
    switch (event.kind) {
      case 'applicationReceived':
        return;
      case 'assessmentRecorded':
        s.assessed = true;
        if (s.stage === 'application-received') enter('assessed');
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
          resolveEscalations((e) => e.kind === 'decision-expiring');
        }
        s.decision.validTo = event.validTo;
        // The orders in force take the new terms too (hours, level, last day), or the provider would be
        // held to the old ones and billing would refuse deliveries past the old end.
        if (patched(DECISION_CHANGE_AMENDS_ORDERS)) {
          const { effectiveFrom, validTo, careHoursPerMonth, serviceHoursPerMonth, level } = event;
          (s.pendingChanges ??= []).push({ effectiveFrom, validTo, careHoursPerMonth, serviceHoursPerMonth, level });
        }
        return;
      case 'decisionEnded':
        s.ended ??= { reason: event.reason, endDate: event.endDate };
        if (s.movedOut) resolveEscalations((e) => e.kind === 'moved-out');
        return;
      case 'providerChosen':
        if (!s.choice) s.choice = { providerId: event.providerId, chosenBy: event.chosenBy };
        else addProvider(event.providerId);
        s.queuedFor = s.queuedFor === event.providerId ? null : s.queuedFor;
        resolveEscalations((e) => e.kind === 'queue-waiting' || e.kind === 'order-refused');
        return;
      case 'placeQueued':
        s.queuedFor = event.providerId;
        s.queuedAt ??= now();
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
        if (order && order.acceptedAt === null) order.acceptedAt = now();
        resolveEscalations((e) => e.kind === 'acceptance-overdue' && e.key.startsWith(event.orderId));
        return;
      }
      case 'orderRefused': {
        // The provider showed it is over capacity: the choice is void and the customer chooses again.
        s.orders = s.orders.filter((o) => o.orderId !== event.orderId);
        // With several providers at once, the others still deliver: only the last refusal reopens the choice.
        if (!policy.severalProviders || activeOrders().length === 0) {
          s.choice = null;
          s.choiceDeadlineAt = null;
        }
        // Choosing (or being assigned) a provider after this is a new command, even of the same provider.
        s.choiceRound = (s.choiceRound ?? 0) + 1;
        refusedOrders.push(event);
        return;
      }
      case 'carePlanAgreed': {
        const order = s.orders.find((o) => o.orderId === event.orderId);
        if (order) order.carePlanAgreed = true;
        resolveEscalations((e) => e.kind === 'care-plan-overdue' && e.key.startsWith(event.orderId));
        return;
      }
      case 'deliveryPeriodRecorded': {
        const order = s.orders.find((o) => o.orderId === event.orderId);
        if (order && event.period === 'moved-in') order.movedIn = true;
        // Moving out of the home in force ends the service; a move-out after a switch to another home does not.
        if (order && event.period === 'moved-out' && order.endDate === null && patched(MOVE_OUT_ENDS_SERVICE)) order.movedOutOn = event.from;
        return;
      }
      case 'monthApproved': {
        const om = orderMonth(event.orderId, event.month);
        om.approved = true;
        om.disputed = event.disputedVisits;
        resolveEscalations((e) => e.kind === 'approval-overdue' && e.key === `${event.orderId}:${event.month}`);
        return;
      }
      case 'disputeResolved': {
        const om = orderMonth(event.orderId, event.month);
        om.disputeResolved = true;
        resolveEscalations((e) => e.kind === 'dispute' && e.key === `${event.orderId}:${event.month}`);
        return;
      }
    }
  }
  function orderMonth(orderId: string, month: string): OrderMonth {
    let om = s.orderMonths.find((m) => m.orderId === orderId && m.month === month);
    if (!om) {
      om = { orderId, month, approved: false, disputed: 0, disputeResolved: false, settled: false, reminded: false, escalated: false, disputeEscalated: false };
      s.orderMonths.push(om);
    }
    return om;
  }

  /** The months an order delivers in: each needs its approval (or its days of stay) settled. */
  function dueOrderMonths(order: OrderState): string[] {
    const end = order.endDate ?? serviceEnd();
    return !end || end < order.validFrom ? [] : monthsCovered(order.validFrom, end);
  }

  /** Issues every command that is now due. Safe to run at any time: it only does what state says is missing. */
  async function reconcile() {
    await closeResolvedTasks();
    for (const refusal of refusedOrders.splice(0)) {
      await escalate('order-refused', refusal.orderId, `Provider refused the order: ${refusal.explanation}. The customer must choose again.`);
    }
    const decision = s.decision;
    if (!decision) {
      if (s.assessed || policy.decisionKind === 'simplified') return;
      return;
    }
    if (decision.outcome === 'denied') {
      enter('denied');
      return;
    }

    // Choice: the customer's, a place from a queue, or the default provider when the deadline passes.
    if (!s.choice && !s.ended) {
      if (s.queuedFor) {
        enter('queued');
        if (!s.queueEscalated && now() >= (s.queuedAt ?? now()) + timing.queueEscalationMs) {
          s.queueEscalated = true;
          await escalate('queue-waiting', s.queuedFor, `The customer has waited for a place at ${s.queuedFor} since ${new Date(s.queuedAt ?? now()).toISOString().slice(0, 10)}.`);
        }
        return;
      }
      enter('awaiting-choice');
      if (policy.defaultProvider && !s.defaultSkipped) {
        s.choiceDeadlineAt ??= now() + timing.choiceDeadlineMs;
        if (now() < s.choiceDeadlineAt) return;
        const assigned = await command('assignDefaultProvider', () => orders.assignDefaultProvider({ decisionId: decision.decisionId, ...round() }));
        // Skipped: no default is assigned; the customer's own choice (or the case handler's for them) moves the journey on.
        if (assigned === SKIPPED) {
          s.defaultSkipped = true;
          return;
        }
        s.choice ??= { providerId: assigned.providerId, chosenBy: assigned.chosenBy };
      } else {
        return;
      }
    }

    // A switch: the old order ends the day before, a new order starts with the new provider.
    if (s.pendingSwitch && !s.ended) {
      const { fromProviderId, toProviderId, effectiveFrom } = s.pendingSwitch;
      // With several providers the switch names the one it replaces; otherwise it is the one in force.
      const current = (fromProviderId !== undefined && policy.severalProviders ? activeOrders().find((o) => o.providerId === fromProviderId) : undefined) ?? activeOrder();
      if (current) {
        const lastDay = addDays(effectiveFrom, -1);
        // Skipped or not, the journey takes the old order as ended on its last day (ADR 0017).
        await command('endOrder', () => orders.endOrder({ orderId: current.orderId, endDate: lastDay, reason: 'switched' }));
        current.endDate = lastDay;
      }
      if (!policy.severalProviders || !s.choice || s.choice.providerId === current?.providerId) s.choice = { providerId: toProviderId, chosenBy: 'customer' };
      const placed = await command('placeOrder', () => orders.placeOrder({ decisionId: decision.decisionId, effectiveFrom, ...(policy.severalProviders ? { providerId: toProviderId } : {}), ...round() }));
      s.pendingSwitch = null;
      if (placed === SKIPPED) {
        // No order with the new provider: as after a refusal, the customer chooses again.
        if (activeOrders().length === 0) {
          s.choice = null;
          s.choiceDeadlineAt = null;
        }
        return;
      }
      s.orders.push(newOrder(placed.orderId, placed.providerId, effectiveFrom));
      if (s.movedOut) {
        // A move-out raced the switch to the new home: service goes on there.
        s.movedOut = null;
        resolveEscalations((e) => e.kind === 'moved-out');
      }
    }

    // The first order, once there is a choice.
    if (s.choice && s.orders.length === 0 && !s.ended) {
      // Where several providers may be chosen, the first is named: another may be chosen by the time this runs.
      const placed = await command('placeOrder', () => orders.placeOrder({ decisionId: decision.decisionId, ...(policy.severalProviders ? { providerId: s.choice!.providerId } : {}), ...round() }));
      if (placed === SKIPPED) {
        // No order: as after a refusal, the choice is void and the customer chooses again.
        s.choice = null;
        s.choiceDeadlineAt = null;
        return;
      }
      s.orders.push(newOrder(placed.orderId, placed.providerId, decision.validFrom));
      upsertSearchAttributes([{ key: searchAttributes.provider, value: placed.providerId }]);
    }

    // A changed or renewed decision: every order in force is amended from the change's first day.
    for (const change of s.pendingChanges?.splice(0) ?? []) {
      for (const order of activeOrders()) {
        const from = change.effectiveFrom > order.validFrom ? change.effectiveFrom : order.validFrom;
        // Null: the order ended before the change took effect (a provider left meanwhile); nothing to amend.
        // Skipped: the order keeps its old terms here too, and no month is corrected for the change.
        const changed = await command('changeOrder', () => orders.changeOrder({ ...change, orderId: order.orderId, effectiveFrom: from }));
        if (changed === SKIPPED || !changed) continue;
        order.lastAmendment = { effectiveFrom: from, validTo: change.validTo, level: change.level };
        // A new level changes what months already paid were worth (areas paid per unit by level); time is priced by band, not by the decision.
        if (policy.deliveryUnit === 'minutes-by-band') continue;
        for (const om of s.orderMonths) {
          if (om.orderId === order.orderId && om.settled && om.month >= monthOf(from)) await correctForChange(order, om, from);
        }
      }
    }

    // Further providers at once, each with its own order (areas that allow several).
    for (const providerId of s.addedProviders?.splice(0) ?? []) {
      if (s.ended) break;
      const placed = await command('placeOrder', () => orders.placeOrder({ decisionId: decision.decisionId, providerId, ...round() }));
      // Skipped: that provider is not ordered; the customer chooses them again if they still want them.
      if (placed === SKIPPED) continue;
      if (!s.orders.some((o) => o.orderId === placed.orderId)) s.orders.push(newOrder(placed.orderId, placed.providerId, placed.validFrom));
    }

    // A resident moved out of the home: the order ends the day before, and the case handler ends the decision.
    for (const order of activeOrders()) {
      if (!order.movedOutOn || s.ended) continue;
      const lastDay = addDays(order.movedOutOn, -1);
      await command('endOrder', () => orders.endOrder({ orderId: order.orderId, endDate: lastDay, reason: 'moved-out' }));
      order.endDate = lastDay;
      if (activeOrders().length === 0 && !s.pendingSwitch) {
        s.movedOut = { orderId: order.orderId, on: order.movedOutOn };
        await escalate('moved-out', order.orderId, `The resident moved out of ${order.providerId} on ${order.movedOutOn}: end the decision.`);
      }
    }

    // Acceptance and care plan of every order in force, with reminders and escalations. The journey's
    // stage is that of the order furthest behind.
    const current = activeOrder();
    if (current && !s.ended) {
      upsertSearchAttributes([{ key: searchAttributes.provider, value: current.providerId }]);
      const inForce = activeOrders();
      enter(inForce.map(orderStage).reduce((a, b) => (STAGE_ORDER.indexOf(a) <= STAGE_ORDER.indexOf(b) ? a : b)));
      for (const order of inForce) await followUpOrder(order);
    } else if (s.movedOut && !s.ended) {
      enter('ending');
    }

    await settleDueMonths();

    // The decision's end: a notice before expiry; once past its last day and with every month of it
    // settled, the decision expires (a decision made after its own period still gets its months paid).
    if (!s.ended) {
      const expiresAt = startOfDayMs(addDays(decision.validTo, 1));
      if (!s.expiryNoticeSent && now() >= expiresAt - timing.expiryNoticeMs && now() < expiresAt) {
        s.expiryNoticeSent = true;
        await escalate('decision-expiring', decision.validTo, `The decision ends on ${decision.validTo}: renew it or let it expire.`);
      }
      if (!s.expiryRequested && now() >= expiresAt && s.orders.length > 0 && allSettled()) {
        s.expiryRequested = true;
        // Skipped: the decision is not expired by the journey; it waits for the case handler to end it (decisionEnded).
        await command('expireDecision', () => decisions.expireDecision({ decisionId: decision.decisionId }));
      }
    } else {
      for (const open of activeOrders()) {
        await command('endOrder', () => orders.endOrder({ orderId: open.orderId, endDate: s.ended!.endDate, reason: 'decision-ended' }));
        open.endDate = s.ended.endDate;
      }
      if (s.orders.length === 0 || allSettled()) enter('completed');
      else enter('ending');
    }
  }

  /** Where one order stands: acceptance, care plan, move-in, then service. */
  function orderStage(order: OrderState): JourneyStage {
    if (order.acceptedAt === null) return 'awaiting-acceptance';
    if (policy.carePlanDeadlineDays !== null && !order.carePlanAgreed) return 'awaiting-care-plan';
    if (policy.deliveryUnit === 'occupancy-day' && !order.movedIn) return 'awaiting-move-in';
    return 'in-service';
  }

  /**
   * What an order still owes and when each falls due: while unaccepted, the acceptance reminder then
   * its escalation; once accepted, the care-plan reminder then its escalation. One schedule, read both
   * to act (`followUpOrder`) and to know when to wake (`nextDeadline`).
   */
  function orderFollowUps(order: OrderState): Array<{ dueAt: number; act: () => Promise<void> }> {
    const due: Array<{ dueAt: number; act: () => Promise<void> }> = [];
    if (order.acceptedAt === null) {
      if (!order.remindedAcceptance) {
        due.push({
          dueAt: order.placedAt + timing.acceptanceReminderMs,
          act: async () => {
            order.remindedAcceptance = true;
            await remind(order.orderId, 'acceptance', 'acceptance-1', 'Reminded the provider to accept the order.');
          },
        });
      }
      if (!order.escalatedAcceptance) {
        due.push({
          dueAt: order.placedAt + timing.acceptanceEscalationMs,
          act: async () => {
            order.escalatedAcceptance = true;
            await escalate('acceptance-overdue', `${order.orderId}`, `${order.providerId} has not accepted the order placed ${new Date(order.placedAt).toISOString().slice(0, 10)}; providers may not refuse within their capacity.`);
          },
        });
      }
    } else if (policy.carePlanDeadlineDays !== null && !order.carePlanAgreed) {
      const dueAt = order.acceptedAt + policy.carePlanDeadlineDays * day;
      if (!order.remindedCarePlan) {
        due.push({
          dueAt,
          act: async () => {
            order.remindedCarePlan = true;
            await remind(order.orderId, 'care-plan', 'care-plan-1', 'Reminded the provider that the care plan is due.');
          },
        });
      }
      if (!order.escalatedCarePlan) {
        due.push({
          dueAt: dueAt + timing.carePlanEscalationMs,
          act: async () => {
            order.escalatedCarePlan = true;
            await escalate('care-plan-overdue', order.orderId, `No care plan agreed with ${order.providerId} within ${policy.carePlanDeadlineDays} days of acceptance.`);
          },
        });
      }
    }
    return due;
  }

  /** Reminds the provider of an overdue acceptance or care plan, then escalates to the case handler. */
  async function followUpOrder(order: OrderState) {
    for (const followUp of orderFollowUps(order)) if (now() >= followUp.dueAt) await followUp.act();
  }

  function newOrder(orderId: string, providerId: string, validFrom: string): OrderState {
    return {
      orderId,
      providerId,
      validFrom,
      endDate: null,
      acceptedAt: null,
      placedAt: now(),
      carePlanAgreed: false,
      movedIn: false,
      remindedAcceptance: false,
      escalatedAcceptance: false,
      escalatedCarePlan: false,
      remindedCarePlan: false,
    };
  }

  /** Every order month through the end of service is settled and no dispute is open. */
  function allSettled(): boolean {
    return s.orders.every((o) => dueOrderMonths(o).every((m) => {
      const om = s.orderMonths.find((x) => x.orderId === o.orderId && x.month === m);
      return om !== undefined && (om.skipped === true || (om.settled && (om.disputed === 0 || om.disputeResolved)));
    }));
  }

  async function settleDueMonths() {
    for (const order of s.orders) {
      if (order.acceptedAt === null) continue;
      for (const month of dueOrderMonths(order)) {
        // A run settles a bounded number of months; the next run (continue-as-new) takes the rest.
        if (s.settledThisRun >= MONTHS_PER_RUN) return;
        const om = orderMonth(order.orderId, month);
        if (om.skipped) continue;
        const monthOver = now() >= startOfDayMs(addDays(lastDayOfMonth(month), 1));
        if (!om.settled) {
          if (policy.customerApprovesMonths) {
            if (!om.approved) {
              if (monthOver) await remindOrEscalateApproval(order, om);
              continue;
            }
            await settle(order, om, 'approval');
          } else {
            // Paid per day of stay once the month is over (or service has ended within it).
            const end = order.endDate ?? serviceEnd();
            const endedInMonth = end !== null && monthOf(end) === month && end < new Date(now()).toISOString().slice(0, 10);
            if (!monthOver && !endedInMonth) continue;
            await settle(order, om, 'occupancy');
          }
        }
        if (om.disputed > 0 && !om.disputeResolved && !om.disputeEscalated) {
          om.disputeEscalated = true;
          await escalate('dispute', `${om.orderId}:${om.month}`, `The customer disputes ${om.disputed} visit(s) of ${om.month}; resolve them so they can be paid or rejected.`);
        }
        if (om.disputed > 0 && om.disputeResolved && !s.settlements.some((x) => x.orderId === om.orderId && x.month === om.month && x.basis === 'dispute-resolution')) {
          await settle(order, om, 'dispute-resolution');
        }
      }
    }
  }

  async function remindOrEscalateApproval(order: OrderState, om: OrderMonth) {
    const monthEnd = startOfDayMs(addDays(lastDayOfMonth(om.month), 1));
    if (!om.reminded && now() >= monthEnd + timing.approvalReminderMs) {
      om.reminded = true;
      await remind(order.orderId, 'approval', om.month, `Reminded about the approval of ${om.month}.`);
    }
    if (!om.escalated && now() >= monthEnd + timing.approvalEscalationMs) {
      om.escalated = true;
      await escalate('approval-overdue', `${om.orderId}:${om.month}`, `${om.month} at ${order.providerId} is not approved; nothing is paid or charged until it is.`);
    }
  }

  /** Pays what a changed level adds to a month already paid; a month now worth less goes to the case handler. */
  async function correctForChange(order: OrderState, om: OrderMonth, from: string) {
    const payment = await command('correctPayment', () => billing.correctPayment({ orderId: order.orderId, month: om.month, basis: `decision-change:${from}`, expectedAmendment: order.lastAmendment! }));
    // Skipped: the month stays as paid; the difference is left to finance.
    if (payment === SKIPPED) return;
    if (!payment) {
      await escalate('payment-correction', `${order.orderId}:${om.month}`, `The decision changed from ${from} makes ${om.month} at ${order.providerId} worth less than was paid; reclaim the difference.`);
      return;
    }
    // A level changes the voucher, not the customer's fee (charged per delivered unit or hour).
    s.settlements.push({ orderId: order.orderId, basis: `decision-change:${from}`, month: om.month, feeOre: 0, appliedCap: 'none', ocrReference: '', paymentOre: payment.amountOre, unpricedMinutes: payment.unpricedMinutes });
  }

  async function settle(order: OrderState, om: OrderMonth, basis: 'approval' | 'occupancy' | 'dispute-resolution') {
    const payment = await command('payProvider', () => billing.payProvider({ orderId: order.orderId, month: om.month, basis, ...(order.lastAmendment ? { expectedAmendment: order.lastAmendment } : {}) }));
    if (payment === SKIPPED) {
      // Neither paid nor charged here, and no longer holding up the journey's end: finance settles it by hand.
      om.skipped = true;
      return;
    }
    const charged = policy.chargesFee
      ? await command('chargeFee', () => billing.chargeFee({ customerId: input.customerId, applicationId: input.applicationId, month: om.month, basis: `${basis}:${order.orderId}` }))
      : null;
    // A skipped fee: the provider is paid, the customer is not charged for the month.
    const fee = charged === SKIPPED ? null : charged;
    s.settlements.push({
      orderId: order.orderId,
      basis,
      month: om.month,
      feeOre: fee?.feeOre ?? 0,
      appliedCap: fee?.appliedCap ?? 'none',
      ocrReference: fee?.ocrReference ?? '',
      paymentOre: payment.amountOre,
      unpricedMinutes: payment.unpricedMinutes,
    });
    if (basis !== 'dispute-resolution') {
      om.settled = true;
      s.settledThisRun += 1;
    }
  }

  /** The earliest moment the journey must act on its own, or undefined when only events can move it. */
  function nextDeadline(): number | undefined {
    const times: number[] = [];
    const d = s.decision;
    if (!d || d.outcome === 'denied' || s.stage === 'completed') return undefined;
    if (!s.choice && !s.queuedFor && policy.defaultProvider && !s.defaultSkipped && s.choiceDeadlineAt !== null) times.push(s.choiceDeadlineAt);
    // Waiting in a queue while living in another home is not waiting for a place: nothing to escalate.
    if (s.queuedFor && !s.queueEscalated && !s.choice) times.push((s.queuedAt ?? now()) + timing.queueEscalationMs);
    for (const order of activeOrders()) times.push(...orderFollowUps(order).map((f) => f.dueAt));
    // The next month end brings a new month to settle, or an approval to chase.
    const end = serviceEnd();
    if (end) {
      const today = new Date(now()).toISOString().slice(0, 10);
      if (today <= end) times.push(startOfDayMs(addDays(lastDayOfMonth(monthOf(today)), 1)));
    }
    for (const om of s.orderMonths) {
      if (om.approved || !policy.customerApprovesMonths) continue;
      const monthEnd = startOfDayMs(addDays(lastDayOfMonth(om.month), 1));
      if (!om.reminded) times.push(monthEnd + timing.approvalReminderMs);
      if (!om.escalated) times.push(monthEnd + timing.approvalEscalationMs);
    }
    if (!s.ended) {
      const expiresAt = startOfDayMs(addDays(d.validTo, 1));
      if (!s.expiryNoticeSent && now() < expiresAt) times.push(expiresAt - timing.expiryNoticeMs);
      if (!s.expiryRequested && now() < expiresAt) times.push(expiresAt);
    }
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  // The loop: apply what arrived, do what is due, sleep until the next event or deadline.
  for (;;) {
    while (inbox.length > 0) apply(inbox.shift()!);
    try {
      await reconcile();
    } catch (err) {
      if (!(err instanceof EndedByPerson)) throw err;
      // Ended at an attention: no further command; what the services still hold is the person's to settle.
      const by = s.attentions?.at(-1)?.resolution?.by;
      s.ended = { reason: `ended by ${by ? `${by.role} ${by.subject}` : 'a person'}: ${err.message}`, endDate: new Date(now()).toISOString().slice(0, 10) };
      enter('completed');
    }
    if (s.stage === 'completed' || s.stage === 'denied') break;
    if (inbox.length > 0) continue;
    if (s.settledThisRun >= MONTHS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (inbox.length === 0) {
        s.seen = [...seen].slice(-SEEN_EVENT_IDS_KEPT);
        s.runs += 1;
        s.settledThisRun = 0;
        await continueAsNew<typeof voucherJourneyWorkflow>({ ...input, carried: s });
      }
      continue;
    }
    const deadline = nextDeadline();
    await condition(() => inbox.length > 0, deadline === undefined ? undefined : Math.max(1, deadline - now()));
  }
  // The journey is over: its escalations' causes are gone with it, but a reclaim (payment-correction) is
  // still owed after the end, so its task stays open for the case handler.
  if (s.stage === 'completed' && s.escalations.some((e) => e.open && e.kind !== 'payment-correction') && patched(TASKS_FOLLOW_THEIR_CAUSE)) {
    resolveEscalations((e) => e.kind !== 'payment-correction');
    await closeResolvedTasks();
  }
  await condition(allHandlersFinished);
  return view(input, s, undefined);
}

/** Why a command failed, from the activity's failure: the service's code and reason, and whether retrying ran out. */
function failureOf(err: ActivityFailure): Pick<Attention, 'code' | 'reason' | 'failure' | 'status'> {
  const timedOut = err.cause instanceof TimeoutFailure;
  // Past the retry bound the timeout carries the last attempt's failure as its cause.
  let cause: unknown = err.cause;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    const [code, reason, status] = Array.isArray(cause.details) ? cause.details : [];
    return {
      code: typeof code === 'string' ? code : (cause.type ?? 'FAILED'),
      reason: typeof reason === 'string' ? reason : cause.message,
      failure: timedOut || !cause.nonRetryable ? 'retries-exhausted' : cause.type === CommandFailureType.unexpectedAnswer ? 'unexpected-answer' : 'refused',
      status: typeof status === 'number' ? status : null,
    };
  }
  return { code: timedOut ? 'RETRY_BOUND_PASSED' : 'FAILED', reason: err.cause?.message ?? err.message, failure: 'retries-exhausted', status: null };
}

/** An attention's resolution is refused before it reaches history: there must be that attention, and a named person with a reason. */
function validateResolution(open: Attention | null, action: 'retry' | 'skip' | 'end', { attentionId, by, reason }: { attentionId?: string; by: AttentionActor; reason?: string }) {
  if (!open) throw new Error('The journey waits on no attention.');
  if (attentionId !== undefined && attentionId !== open.attentionId) throw new Error(`attentionId: the open attention is ${open.attentionId}, not ${attentionId}.`);
  if (typeof by?.subject !== 'string' || by.subject.length === 0) throw new Error('by.subject: who acts must be named.');
  if (by.role !== 'operator' && by.role !== 'case-handler') throw new Error('by.role: only an operator or a case handler resolves an attention.');
  if (action !== 'retry' && (typeof reason !== 'string' || reason.trim().length === 0)) throw new Error(`reason: say why the journey should ${action === 'skip' ? `go on without ${open.command}` : 'end'}.`);
  if (reason !== undefined && reason.length > 500) throw new Error('reason: at most 500 characters.');
}

/** Stages an order passes through, first to last: the journey reports the one furthest behind. */
const STAGE_ORDER: JourneyStage[] = ['awaiting-acceptance', 'awaiting-care-plan', 'awaiting-move-in', 'in-service'];

/** The journey as its query reports it: where it stands, what it waits for, what it settled. */
function view(input: VoucherJourneyInput, s: Carried, nextDeadline: number | undefined): JourneyState {
  const current = s.orders.find((o) => o.endDate === null) ?? s.orders[s.orders.length - 1] ?? null;
  const byMonth = new Map<string, MonthSettlement>();
  for (const x of s.settlements) {
    const m = byMonth.get(x.month);
    byMonth.set(
      x.month,
      m
        ? { ...m, feeOre: m.feeOre + x.feeOre, paymentOre: m.paymentOre + x.paymentOre, unpricedMinutes: m.unpricedMinutes + x.unpricedMinutes, appliedCap: x.feeOre > 0 ? x.appliedCap : m.appliedCap, ocrReference: x.ocrReference || m.ocrReference }
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
    nextDeadline: nextDeadline === undefined ? null : new Date(nextDeadline).toISOString(),
    pendingMonths: s.orderMonths.filter((m) => !m.settled && !m.skipped).map((m) => m.month),
    settledMonths: [...byMonth.values()].sort((a, b) => a.month.localeCompare(b.month)),
    escalations: s.escalations,
    ended: s.ended,
    runs: s.runs,
    orders: s.orders.map((o) => ({ orderId: o.orderId, providerId: o.providerId, validFrom: o.validFrom, endDate: o.endDate })),
    attention: s.attentions?.find((a) => a.open) ?? null,
    attentions: s.attentions ?? [],
  };
}


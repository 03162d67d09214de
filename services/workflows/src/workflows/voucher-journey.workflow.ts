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
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing.activities.js';
import type { DecisionsActivities } from '../activities/decisions.activities.js';
import type { OrdersActivities } from '../activities/orders.activities.js';
import {
  CommandFailureType,
  DEFAULT_COMMAND_RETRY_MS,
  REQUEST_OUTCOMES_IN_MEMO,
  REQUEST_OUTCOMES_KEPT_IN_MEMO,
  approveMonthUpdate,
  chooseProviderUpdate,
  endJourneyUpdate,
  journeyEventSignal,
  journeyStateQuery,
  personRequestQuery,
  personRequestSignal,
  requestOutcomeMemoKey,
  retryCommandUpdate,
  searchAttributes,
  skipCommandUpdate,
  type Attention,
  type AttentionActor,
  type ChoiceOutcome,
  type ChoiceRequest,
  type JourneyState,
  type PersonRequest,
  type RequestOutcome,
  type VoucherJourneyInput,
} from '../contracts.js';
import {
  COMMAND_FAILURE_POLICY,
  MONTHS_PER_RUN,
  REQUEST_OUTCOMES_IN_MEMO_PATCH,
  activeOrders,
  addProvider,
  applyEvent,
  dueCommands,
  finish,
  initialState,
  journeyView,
  nextAttentionId,
  nextDeadline,
  openAttention,
  openInbox,
  openJourney,
  receive,
  round,
  seenToCarry,
  type Carried,
  type Command,
  type Host,
  type Pass,
  type Reply,
  type Resolution,
  type Step,
} from './journey-core.js';

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

/**
 * One customer's journey in any voucher area, for its whole life (DESIGN.md §2–3): intake,
 * decision, choice (or default provider, or a queue for a place), order and acceptance, care plan,
 * then month after month of deliveries, approvals, fees and payments, through switches of provider,
 * changed decisions, disputes, expiry and the end of service. The area's definition, read once into
 * `input.policy`, decides which steps apply; no area is special-cased here.
 *
 * This is the Temporal shell around the journey's pure core (`journey-core.ts`, ADR 0020): service
 * events arrive through `journeyEvent` (an event id seen before changes nothing) and the core applies
 * them; after each event or passed deadline the core's pass says which commands are due, one at a
 * time, and this shell runs each as an activity under the failure policy and feeds its outcome back.
 * Every command is idempotent at the service, so a crash between a command and its recording is
 * harmless. History stays bounded by continuing as new every few months.
 */
export async function voucherJourneyWorkflow(input: VoucherJourneyInput): Promise<JourneyState> {
  const { policy, timing } = input;
  // A journey started since this patch writes its people's requests' outcomes to its memo too (ADR 0051).
  const outcomesInMemo = patched(REQUEST_OUTCOMES_IN_MEMO_PATCH);
  /** The requests whose outcome the memo holds, oldest first. */
  const inMemo: string[] = [];
  if (outcomesInMemo) upsertMemo({ [REQUEST_OUTCOMES_IN_MEMO]: true, ...staleOutcomes(workflowInfo().memo) });
  const s: Carried = (input.carried as Carried | undefined) ?? initialState();
  const inbox = openInbox(s.seen);
  const retryBound = commandOptions(timing.commandRetryMs ?? DEFAULT_COMMAND_RETRY_MS);
  const orders = proxyActivities<OrdersActivities>(retryBound);
  const billing = proxyActivities<BillingActivities>(retryBound);
  const decisions = proxyActivities<DecisionsActivities>(retryBound);
  /**
   * The journey's clock: workflow time, but never earlier than a deadline whose timer has fired. A
   * worker that took over after another was killed holding a workflow task was seen (npm run chaos)
   * to wake on the timer with a workflow time before the deadline, start a second timer, and so
   * record commands that a later replay of the same history does not make; acting on "the timer
   * fired" rather than on the clock alone makes both see the deadline as passed.
   */
  let passedDeadline = 0;
  const now = () => Math.max(Date.now(), passedDeadline);
  /** The core asks for patches and search-attribute updates at the very point its rules meet them: replay compares their order. */
  /** Choices being recorded through the journey's update; `wake` brings the loop round when one ends after a deferred default. */
  let choosing = 0;
  let wake = false;
  const host: Host = {
    patched: (patchId) => patched(patchId),
    choosing: () => choosing > 0,
    upsert: ({ attribute, value }) => upsertSearchAttributes([{ key: searchAttributes[attribute], value }]),
  };
  const journey = openJourney(input, s, host, now());
  /** The resolution a person gave the open attention, taken by the command waiting on it. */
  let resolution: Resolution | null = null;

  setHandler(journeyStateQuery, () => journeyView(input, s, nextDeadline(journey, now(), choosing > 0)));
  setHandler(journeyEventSignal, (event) => {
    if (!receive(inbox, event)) return;
    // The request's correlation id reaches the worker's log here: HTTP request → event → journey.
    log.info('journey event', { kind: event.kind, eventId: event.eventId, correlationId: event.correlationId ?? null });
  });
  /**
   * The customer's choice, run for them: through the `personRequest` signal, or the update of journeys from before it.
   * What the person said beside the provider goes to orders only when said, so a choice without it sends what it always sent.
   */
  async function choose({ providerId, district, stayInQueueFor, effectiveFrom }: ChoiceRequest): Promise<ChoiceOutcome> {
    choosing += 1;
    try {
      const said = { ...(district !== undefined ? { district } : {}), ...(stayInQueueFor !== undefined ? { stayInQueueFor } : {}), ...(effectiveFrom !== undefined ? { effectiveFrom } : {}) };
      const answer = await onBehalf(() => ordersOnBehalf.recordChoice({ decisionId: s.decision!.decisionId, providerId, ...said, ...round(s) }));
      if ('queueEntryId' in answer) {
        // A nursing home without a free place queued the customer. Orders' placeQueued says the same when it
        // arrives; taken now, so a default held back for this choice is not assigned in between.
        s.queuedFor = answer.providerId;
        s.queuedAt ??= now();
        return { providerId: answer.providerId, queueEntryId: answer.queueEntryId, position: answer.position };
      }
      if (s.choice) addProvider(journey, answer.providerId);
      s.choice ??= { providerId: answer.providerId, chosenBy: answer.chosenBy };
      return { providerId: answer.providerId, chosenBy: answer.chosenBy };
    } finally {
      choosing -= 1;
      // Only a default held back for this choice needs the loop now; otherwise the choice's event moves it, as before.
      if (journey.deferredDefault) {
        journey.deferredDefault = false;
        wake = true;
      }
    }
  }
  function validateChoice({ providerId, district, stayInQueueFor, effectiveFrom }: ChoiceRequest) {
    if (!/^[a-z0-9-]{2,50}$/.test(providerId)) throw new Error('providerId: not a provider id');
    if (district !== undefined && (typeof district !== 'string' || district.trim().length < 2 || district.length > 60)) throw new Error('district: 2 to 60 characters');
    if (stayInQueueFor !== undefined && !/^[a-z0-9-]{2,50}$/.test(stayInQueueFor)) throw new Error('stayInQueueFor: not a provider id');
    if (effectiveFrom !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom)) throw new Error('effectiveFrom: expected YYYY-MM-DD');
    if (!s.decision || s.decision.outcome === 'denied') throw new Error('There is no granted decision to choose for.');
    if (s.choice && !policy.severalProviders) throw new Error('A provider is already chosen; switching is a separate request.');
    if (activeOrders(s).some((o) => o.providerId === providerId) || s.addedProviders?.includes(providerId)) throw new Error(`${providerId} is already one of the customer's providers.`);
  }
  /** The customer's approval of a month, run for them. */
  async function approve({ orderId, month, disputedVisitIds }: { orderId: string; month: string; disputedVisitIds: string[] }) {
    const answer = await onBehalf(() => billingOnBehalf.approveMonth({ orderId, month, disputedVisitIds }));
    return { orderId, month, approvedVisits: answer.approvedVisits };
  }
  function validateApproval({ orderId, month }: { orderId: string; month: string }) {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new Error('month: expected YYYY-MM');
    const om = s.orderMonths.find((m) => m.orderId === orderId && m.month === month);
    if (!om) throw new Error(`Order ${orderId} has no deliveries to approve in ${month}.`);
    if (om.approved) throw new Error(`${month} is already approved.`);
  }
  /** A person resolves the open attention; the command waiting on it takes the resolution. */
  function resolve(action: Resolution['action'], { by, reason }: { by: AttentionActor; reason?: string }): Attention {
    const attention = openAttention(s)!;
    resolution = { action, by: { subject: by.subject, role: by.role }, at: new Date(now()).toISOString(), reason: reason?.trim() || null };
    log.info('attention resolved', { attentionId: attention.attentionId, command: attention.command, action, by: by.subject, role: by.role });
    return { ...attention, open: false, resolution };
  }

  // The updates of journeys that took people's requests before the personRequest signal (ADR 0033): kept so their histories replay.
  setHandler(chooseProviderUpdate, (request) => choose(request), { validator: (request) => validateChoice(request) });
  setHandler(approveMonthUpdate, (args) => approve(args), { validator: (args) => validateApproval(args) });
  for (const [update, action] of [
    [retryCommandUpdate, 'retry'],
    [skipCommandUpdate, 'skip'],
    [endJourneyUpdate, 'end'],
  ] as const) {
    setHandler(update, (args) => resolve(action, args), { validator: (args) => validateResolution(openAttention(s), action, args) });
  }

  /** People's requests by id, in the order taken; the latest `KEPT_REQUESTS` are kept for their callers to read. */
  const requests = new Map<string, RequestOutcome>();
  setHandler(personRequestQuery, (requestId) => requests.get(requestId) ?? null);
  async function takeRequest(request: PersonRequest): Promise<unknown> {
    if (requests.has(request.requestId)) return null;
    const settle = (outcome: Pick<RequestOutcome, 'status' | 'answer' | 'code' | 'reason'>) => {
      requests.delete(request.requestId);
      const settled: RequestOutcome = { requestId: request.requestId, kind: request.kind, ...outcome };
      requests.set(request.requestId, settled);
      while (requests.size > KEPT_REQUESTS) requests.delete(requests.keys().next().value!);
      if (outcomesInMemo && outcome.status !== 'pending') {
        inMemo.push(request.requestId);
        const dropped = inMemo.length > REQUEST_OUTCOMES_KEPT_IN_MEMO ? inMemo.shift() : undefined;
        upsertMemo({ [requestOutcomeMemoKey(request.requestId)]: settled, ...(dropped ? { [requestOutcomeMemoKey(dropped)]: undefined } : {}) });
      }
    };
    const refusedCode = request.kind === 'chooseProvider' || request.kind === 'approveMonth' ? 'WORKFLOWS.UPDATE_REFUSED' : 'WORKFLOWS.NO_SUCH_ATTENTION';
    try {
      if (request.kind === 'chooseProvider') validateChoice(request);
      else if (request.kind === 'approveMonth') validateApproval(request);
      else validateResolution(openAttention(s), request.kind, request);
    } catch (err) {
      settle({ status: 'refused', code: refusedCode, reason: messageOf(err) });
      return null;
    }
    settle({ status: 'pending' });
    try {
      const answer = request.kind === 'chooseProvider' ? await choose(request) : request.kind === 'approveMonth' ? await approve(request) : resolve(request.kind, request);
      settle({ status: 'done', answer });
      // The interceptor (on-behalf-of.ts) reads this answer: a resolved attention's retried command runs on the person's behalf.
      return answer;
    } catch (err) {
      // A command refused by its service comes back with the service's code and reason (`onBehalf`); anything else under the request's own code.
      const [code, reason] = err instanceof ApplicationFailure && err.type === CommandFailureType.refused && Array.isArray(err.details) ? (err.details as unknown[]) : [];
      settle({ status: 'refused', code: typeof code === 'string' ? code : refusedCode, reason: typeof reason === 'string' ? reason : messageOf(err) });
      return null;
    }
  }
  // Declared void, as signal handlers are; the SDK hands the answer back through the interceptors' `next`, where on-behalf-of.ts reads it.
  setHandler(personRequestSignal, takeRequest as unknown as (request: PersonRequest) => Promise<void>);

  upsertSearchAttributes([
    { key: searchAttributes.area, value: policy.areaId },
    { key: searchAttributes.customer, value: input.customerId },
    { key: searchAttributes.municipality, value: input.municipality },
    { key: searchAttributes.stage, value: s.stage },
  ]);

  /** Runs a pass of the core: each step it yields is run here, and the pass resumes with the outcome and the time after it. */
  async function run(pass: Pass) {
    let step = pass.next();
    while (!step.done) step = pass.next(await perform(step.value));
  }

  async function perform(step: Step): Promise<Reply> {
    switch (step.kind) {
      case 'remindProvider':
        return notice(providerNotices.remindProvider(step.input));
      case 'createTask':
        return notice(caseHandlerNotices.createTask(step.input));
      case 'closeTasks':
        return notice(caseHandlerNotices.closeTasks(step.input), () => log.warn('task not closed', { kind: step.input.kind, key: step.input.key }));
      case 'waitForPerson': {
        await condition(() => resolution !== null);
        const taken = resolution!;
        resolution = null;
        return { outcome: { kind: 'resolved', resolution: taken }, now: now() };
      }
      default:
        return command(step);
    }
  }

  /** A notice is delivered or not; either way the journey goes on. */
  async function notice(sent: Promise<unknown>, onUndelivered?: () => void): Promise<Reply> {
    const delivered = await sent.then(
      () => true,
      () => false,
    );
    if (!delivered) onUndelivered?.();
    return { outcome: delivered ? { kind: 'answered', answer: undefined } : { kind: 'undelivered' }, now: now() };
  }

  /**
   * Runs one command. A command that fails for good (refused, an answer the worker cannot read, or
   * retryable failures past `commandRetryMs`) goes back to the core as `failed`, which opens an
   * attention (ADR 0017); journeys whose history predates the policy fail as they always did.
   */
  async function command(cmd: Command): Promise<Reply> {
    try {
      return { outcome: { kind: 'answered', answer: await activity(cmd) }, now: now() };
    } catch (err) {
      if (!(err instanceof ActivityFailure) || !patched(COMMAND_FAILURE_POLICY)) throw err;
      const failure = failureOf(err);
      // Cleared before the attention opens: a person may resolve it while its task is still being raised.
      resolution = null;
      log.warn('command needs a person', { attentionId: nextAttentionId(s, cmd.kind), command: cmd.kind, code: failure.code, reason: failure.reason });
      return { outcome: { kind: 'failed', failure }, now: now() };
    }
  }

  function activity(cmd: Command): Promise<unknown> {
    switch (cmd.kind) {
      case 'assignDefaultProvider':
        return orders.assignDefaultProvider(cmd.input);
      case 'placeOrder':
        return orders.placeOrder(cmd.input);
      case 'endOrder':
        return orders.endOrder(cmd.input);
      case 'changeOrder':
        return orders.changeOrder(cmd.input);
      case 'payProvider':
        return billing.payProvider(cmd.input);
      case 'correctPayment':
        return billing.correctPayment(cmd.input);
      case 'chargeFee':
        return billing.chargeFee(cmd.input);
      case 'expireDecision':
        return decisions.expireDecision(cmd.input);
    }
  }

  /** A command on behalf of the customer or case handler (an update): a failure goes back to the caller, not into the journey. */
  async function onBehalf<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const failed = failureOf(err);
      throw ApplicationFailure.create({ type: CommandFailureType.refused, message: `${failed.code}: ${failed.reason}`, nonRetryable: true, details: [failed.code, failed.reason, failed.status] });
    }
  }

  // The loop: apply what arrived, do what is due, sleep until the next event or deadline.
  for (;;) {
    while (inbox.pending.length > 0) applyEvent(journey, inbox.pending.shift()!, now());
    await run(dueCommands(journey, now()));
    if (s.stage === 'completed' || s.stage === 'denied') break;
    if (inbox.pending.length > 0) continue;
    if (s.settledThisRun >= MONTHS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (inbox.pending.length === 0) {
        s.seen = seenToCarry(inbox);
        s.runs += 1;
        s.settledThisRun = 0;
        await continueAsNew<typeof voucherJourneyWorkflow>({ ...input, carried: s });
      }
      continue;
    }
    const deadline = nextDeadline(journey, now(), choosing > 0);
    const woken = await condition(() => inbox.pending.length > 0 || wake, deadline === undefined ? undefined : Math.max(1, deadline - now()));
    wake = false;
    if (!woken && deadline !== undefined) passedDeadline = Math.max(passedDeadline, deadline);
  }
  await run(finish(journey, now()));
  await condition(allHandlersFinished);
  return journeyView(input, s, undefined);
}

/** Outcomes an earlier run of the journey left in the memo (if it was carried over): each key cleared, so the memo stays bounded. */
function staleOutcomes(memo: Record<string, unknown> | undefined): Record<string, undefined> {
  return Object.fromEntries(Object.keys(memo ?? {}).filter((key) => key.startsWith(requestOutcomeMemoKey(''))).map((key) => [key, undefined]));
}

/** How many people's requests a journey keeps the outcome of, for their callers to read back. */
const KEPT_REQUESTS = 100;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

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


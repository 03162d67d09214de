import { randomUUID } from 'node:crypto';
import { actors, eventually, homeCareSteps, journeyReaches, journeyState, nextIdentityNumber, type JourneyState, type Platform, type VisitPlan } from '../driver/index.js';

/**
 * One home-care month, March 2026, that every fault test and the chaos run drive: two weekday
 * mornings of care (Mon 2 and Tue 3 March, 08:00–09:30 CET), approved by the customer, then the
 * decision expires and the journey completes. Its amounts are known in öre, so a fault test can
 * say exactly what must have been charged and paid, once.
 */
export const FAULT_MONTH = '2026-03';
const VISITS: VisitPlan[] = [
  { externalId: 'mar-2', kind: 'care', start: '2026-03-02T08:00:00+01:00', end: '2026-03-02T09:30:00+01:00' },
  { externalId: 'mar-3', kind: 'care', start: '2026-03-03T08:00:00+01:00', end: '2026-03-03T09:30:00+01:00' },
];
/** The provider a customer chooses here, and the area's default provider. */
export const CHOSEN_PROVIDER = 'trygga-hander';
export const DEFAULT_PROVIDER = 'nacka-hemtjanst';
/** 180 weekday-day minutes: at the private rate 310 kr/h, at the municipal rate 293 kr/h. */
export const EXPECTED_PAYMENT_ORE: Record<string, number> = { [CHOSEN_PROVIDER]: 93_000, [DEFAULT_PROVIDER]: 87_900 };
/** 180 approved minutes × 312 kr/h = 936 kr, under the 2026 maxtaxa; no fee basis declared. */
export const EXPECTED_FEE_ORE = 93_600;

/** Named moments of the journey at which a test injects its fault. */
export type FaultPoint = 'decided' | 'chosen' | 'placed' | 'approved';

export interface FaultJourneyOptions {
  /** The customer's personnummer; a random one when omitted. */
  identityNumber?: string;
  /**
   * The customer chooses through the journey's route (a personRequest, ADR 0033; the only way a person
   * chooses, ADR 0029), or lets the deadline pass (default provider). The customer always approves the
   * month through the journey's route.
   */
  choice?: 'customer' | 'default';
  /** The provider lets the order wait until the journey has reminded it and escalated to the case handler. */
  lateAcceptance?: boolean;
  /** Called at each named moment; a test injects its fault here. */
  at?: (point: FaultPoint, journey: { applicationId: string; customerId: string; decisionId: string }) => Promise<void>;
  /** How long to wait for the journey to complete once the month is approved. */
  completionTimeoutMs?: number;
  /**
   * How long each step waits for the journey to move on (default 60–90 s): the chaos run, which kills
   * components under a loaded machine, waits longer, since what it checks is that journeys get there.
   */
  patienceMs?: number;
  /**
   * Go on with the default provider when the choice deadline passed before the customer's choice got
   * through (the chaos run, whose kills and load can delay a choice past the tests' short deadline).
   */
  toleratesDefault?: boolean;
}

export interface FaultJourneyResult {
  applicationId: string;
  customerId: string;
  decisionId: string;
  orderId: string;
  providerId: string;
  state: JourneyState;
}

/** The journey's route answers 202 once it has waited this long for the journey. */
const ROUTE_WAIT_MS = 60_000;

/**
 * How long a customer waits for the journey's route to answer before the test calls it hung: the
 * route's own wait and a margin, plus the driver's retries while a component is down (a request cut
 * by a killed workflows service is sent again, and that one waits anew; a chaos run of 100 journeys
 * failed nine journeys on 80 s while every one of them had taken its choice).
 */
const updateAnswerMs = (platform: Platform) => ROUTE_WAIT_MS + 20_000 + (platform.resilience?.retryWhileDown ? (platform.resilience.retryForMs ?? 60_000) : 0);

/** `answer`, or an error naming what hung: a journey stuck on a lost answer keeps its caller waiting. */
async function answerWithin<T>(ms: number, what: string, answer: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([answer, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the March journey through the platform's APIs as its people would, faults injected at `at`. */
export async function runFaultJourney(platform: Platform, options: FaultJourneyOptions = {}): Promise<FaultJourneyResult> {
  const { choice = 'customer' } = options;
  const at = options.at ?? (async () => undefined);
  const steps = homeCareSteps(platform);
  const people = actors(platform);
  const journeyUrl = (applicationId: string) => `${platform.urls.workflows}/journeys/${applicationId}`;

  const { applicationId, customerId } = await steps.apply(options.identityNumber ?? nextIdentityNumber(1931));
  await steps.assess(applicationId);
  const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
  await at('decided', { applicationId, customerId, decisionId });

  try {
    if (choice === 'customer') {
      await journeyReaches(platform, applicationId, ['awaiting-choice'], options.patienceMs);
      // A 202 (taken, not finished within the route's wait) is asked again with the same key, which reads the first outcome.
      const key = randomUUID();
      let chosen: { status: number; body: { providerId?: string; chosenBy?: string } };
      do {
        chosen = await answerWithin(updateAnswerMs(platform), 'the choice update', people.citizen(customerId).call('POST', `${journeyUrl(applicationId)}/choice`, { providerId: CHOSEN_PROVIDER }, { 'idempotency-key': key }));
      } while (chosen.status === 202);
      if (chosen.status !== 200 || chosen.body.providerId !== CHOSEN_PROVIDER || chosen.body.chosenBy !== 'customer') throw new Error(`the choice update answered ${chosen.status}: ${JSON.stringify(chosen.body)}`);
    }
  } catch (err) {
    // The choice deadline passed first and the default provider was assigned, so the customer's choice is refused: the journey goes on with it.
    if (!options.toleratesDefault) throw err;
    const chosen = await eventually(async () => (await journeyState(platform, applicationId))?.chosenBy ?? undefined, 'the journey to know who chose', options.patienceMs).catch(() => null);
    if (chosen !== 'default') throw err;
  }
  await at('chosen', { applicationId, customerId, decisionId });

  const placed = await journeyReaches(platform, applicationId, ['awaiting-acceptance'], options.patienceMs ?? 90_000);
  const providerId = placed.providerId!;
  const orderId = await steps.placedOrder(providerId, decisionId);
  await at('placed', { applicationId, customerId, decisionId });

  if (options.lateAcceptance) {
    // One day is one second in the tests: the reminder comes after a few "days", the escalation after five.
    await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state?.escalations?.some((e) => e.kind === 'acceptance-overdue') && state.escalations.some((e) => e.kind === 'acceptance-reminder') ? state : undefined;
    }, 'the acceptance reminder and escalation', 90_000);
  }

  await steps.acceptAndPlan(providerId, decisionId);
  await steps.reportVisits(providerId, orderId, VISITS.map((v) => ({ ...v, externalId: `${applicationId}-${v.externalId}` })));
  {
    // The request is refused (409) until the journey has seen the order's month; then it answers once.
    // A 202 means the journey took it but has not finished: the same request again (same key) reads its outcome.
    const deadline = Date.now() + (options.patienceMs ?? 90_000);
    let key = randomUUID();
    for (;;) {
      const answer = await answerWithin(
        Math.max(updateAnswerMs(platform), options.patienceMs ?? 0),
        'the approval update',
        people.citizen(customerId).call<{ approvedVisits: number }>('POST', `${journeyUrl(applicationId)}/months/${FAULT_MONTH}/approval`, { orderId }, { 'idempotency-key': key }),
      );
      if (answer.status === 200 && answer.body.approvedVisits === VISITS.length) break;
      if ((answer.status !== 409 && answer.status !== 202) || Date.now() > deadline) throw new Error(`the approval update answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      if (answer.status === 409) key = randomUUID();
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await at('approved', { applicationId, customerId, decisionId });

  const state = await journeyReaches(platform, applicationId, ['completed'], options.completionTimeoutMs ?? Math.max(options.patienceMs ?? 0, 120_000));
  return { applicationId, customerId, decisionId, orderId, providerId, state };
}

/**
 * What billing, orders and decisions hold for one journey, read from their own records: every fee
 * invoice of the customer, every payment of the order, the orders placed for the decision, the case
 * handler's tasks and the provider's reminders.
 */
export async function recordsOf(platform: Platform, journey: Pick<FaultJourneyResult, 'applicationId' | 'customerId' | 'decisionId' | 'orderId' | 'providerId'>) {
  const people = actors(platform);
  const [invoices, payments, orders, tasks, order] = await Promise.all([
    people.citizen(journey.customerId).ok<Array<{ month: string; feeOre: number }>>('GET', `${platform.urls.billing}/customers/${journey.customerId}/invoices`),
    people.provider(journey.providerId).ok<Array<{ orderId: string; month: string; amountOre: number }>>('GET', `${platform.urls.billing}/providers/${journey.providerId}/payments`),
    people.provider(journey.providerId).ok<Array<{ orderId: string; decisionId: string }>>('GET', `${platform.urls.orders}/orders`),
    people.caseHandler.ok<Array<{ kind: string; key: string; status: string }>>('GET', `${platform.urls.decisions}/tasks?applicationId=${journey.applicationId}&limit=500`),
    people.caseHandler.ok<{ reminders: Array<{ about: string; key: string }>; endDate: string | null; endReason: string | null }>('GET', `${platform.urls.orders}/orders/${journey.orderId}`),
  ]);
  return {
    feesOre: invoices.map((i) => i.feeOre),
    paymentsOre: payments.filter((p) => p.orderId === journey.orderId).map((p) => p.amountOre),
    orderIds: orders.filter((o) => o.decisionId === journey.decisionId).map((o) => o.orderId),
    tasks: tasks.map((t) => `${t.kind}:${t.key}`),
    reminders: order.reminders.map((r) => `${r.about}:${r.key}`),
    orderEnd: { endDate: order.endDate, endReason: order.endReason },
  };
}

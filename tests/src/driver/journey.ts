import { randomUUID } from 'node:crypto';
import { Actor, eventually, type Answer, type Resilience, type Tokens } from './http.js';

export type PlatformUrls = { decisions: string; orders: string; billing: string; workflows: string };
/** Where the platform is; `resilience` makes every actor retry while a service is down (fault tests). */
export type Platform = { urls: PlatformUrls; auth: Tokens; resilience?: Resilience };

export type VisitPlan = { externalId: string; kind: 'care' | 'service'; start: string; end: string };

export type HomeCareScenario = {
  identityNumber: string;
  careHoursPerMonth: number;
  serviceHoursPerMonth: number;
  validFrom: string;
  validTo: string;
  /** Net income, housing cost and household in öre; omitted means no fee basis was declared. */
  feeBasis?: { netIncomeOre: number; housingCostOre: number; household: 'single' | 'couple' };
  /** The provider the customer chooses, or null to let the choice deadline pass (default provider). */
  choose: string | null;
  month: string;
  visits: VisitPlan[];
  /** External ids of visits the customer disputes. */
  dispute?: string[];
};

export type JourneyState = {
  stage: string;
  providerId: string | null;
  chosenBy: string | null;
  orderId: string | null;
  decisionId: string | null;
  denialReason: string | null;
  nextDeadline?: string | null;
  settledMonths: Array<{ month: string; feeOre: number; appliedCap: string; ocrReference: string; paymentOre: number; unpricedMinutes: number }>;
  escalations?: Array<{ kind: string; key: string; raisedAt: string; to: string; message: string; open: boolean }>;
  ended?: { reason: string; endDate: string } | null;
  runs?: number;
  orders?: Array<{ orderId: string; providerId: string; validFrom: string; endDate: string | null }>;
  /** The command the journey waits on a person for (ADR 0017), and every one raised so far. */
  attention?: Attention | null;
  attentions?: Attention[];
};

export type Attention = {
  attentionId: string;
  command: string;
  code: string;
  reason: string;
  failure: 'refused' | 'unexpected-answer' | 'retries-exhausted';
  status: number | null;
  since: string;
  open: boolean;
  resolution: { action: 'retry' | 'skip' | 'end'; by: { subject: string; role: string }; at: string; reason: string | null } | null;
};

/** What a person can say with a choice beside the provider (orders' rules decide what each allows). */
export type ChoiceDetails = { district?: string; stayInQueueFor?: string; effectiveFrom?: string };
/** The journey's answer to a choice: recorded (by whom), or the customer queued at a nursing home without a free place. */
export type ChoiceMade = { providerId: string; chosenBy?: string; queueEntryId?: string; position?: number | null };
export type MonthApproved = { orderId: string; month: string; approvedVisits: number };

/**
 * A person's request to their journey (ADR 0029, 0033), sent until the journey has taken it and
 * answered: again with the same Idempotency-Key while it runs (202, which reads the first outcome),
 * and as a new request while the journey is not there yet (404) or refuses it for want of what it has
 * not heard yet (409 WORKFLOWS.UPDATE_REFUSED whose reason matches `notYet`: the decision, the month).
 * Answers the first other answer, a refusal included.
 */
export async function askJourney<T>(as: Actor, url: string, body: unknown, notYet: RegExp, what: string, timeoutMs = 120_000): Promise<Answer<T>> {
  const deadline = Date.now() + timeoutMs;
  let key = randomUUID();
  for (;;) {
    const answer = await as.call<T>('POST', url, body, { 'idempotency-key': key });
    const refusal = answer.body as { error?: string; message?: string } | undefined;
    const journeyNotThere = answer.status === 404 && refusal?.error === 'WORKFLOWS.JOURNEY_NOT_FOUND';
    const notHeardYet = answer.status === 409 && refusal?.error === 'WORKFLOWS.UPDATE_REFUSED' && notYet.test(refusal.message ?? '');
    if (answer.status !== 202 && !journeyNotThere && !notHeardYet) return answer;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: last answered ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer.status !== 202) key = randomUUID();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The people of a home-care journey, each with their own token. */
export function actors(platform: Platform, ids: { customerId?: string; providerId?: string } = {}) {
  const r = platform.resilience ?? {};
  return {
    caseHandler: new Actor(platform.auth, { sub: 'handlaggare-1', role: 'case-handler' }, r),
    operator: new Actor(platform.auth, { sub: 'operator-1', role: 'operator' }, r),
    citizen: (customerId: string) => new Actor(platform.auth, { sub: `citizen-${customerId}`, role: 'citizen', customerId }, r),
    provider: (providerId: string) => new Actor(platform.auth, { sub: `${providerId}-staff`, role: 'provider', providerId }, r),
    ...ids,
  };
}

/** The journey's state as the operators' view reports it. */
export async function journeyState(platform: Platform, applicationId: string): Promise<JourneyState | undefined> {
  const answer = await actors(platform).operator.call<JourneyState>('GET', `${platform.urls.workflows}/journeys/${applicationId}`);
  return answer.status === 200 ? answer.body : undefined;
}

/**
 * Waits until the journey reaches one of `stages`, and returns its state. Each read of a running
 * journey is a query, which replays its history on a worker, so the reads back off to two a second.
 */
export function journeyReaches(platform: Platform, applicationId: string, stages: string[], timeoutMs = 60_000) {
  return eventually(async () => {
    const state = await journeyState(platform, applicationId);
    return state && stages.includes(state.stage) ? state : undefined;
  }, `journey ${applicationId} to reach ${stages.join(' or ')}`, timeoutMs, 500);
}

/**
 * Steps of a home-care journey through the HTTP APIs, as the case handler, the customer and the
 * provider would take them. Each step returns what the next needs; `runHomeCareJourney` chains them.
 */
export function homeCareSteps(platform: Platform) {
  const { urls } = platform;
  const people = actors(platform);
  /** The order the journey placed with the provider for the decision, once it is there. */
  async function placedOrder(providerId: string, decisionId: string): Promise<string> {
    const order = await eventually(async () => {
      const orders = await people.provider(providerId).ok<Array<{ orderId: string; decisionId: string }>>('GET', `${urls.orders}/orders?status=placed`);
      return orders.find((o) => o.decisionId === decisionId);
    }, `an order for decision ${decisionId} at ${providerId}`);
    return order.orderId;
  }
  /** A person's choice, sent to the journey of the decision's application. */
  async function chooseAnswer(as: Actor, decisionId: string, body: { providerId: string } & ChoiceDetails): Promise<Answer<ChoiceMade>> {
    const { applicationId } = await as.ok<{ applicationId: string }>('GET', `${urls.decisions}/decisions/${decisionId}`);
    return askJourney<ChoiceMade>(as, `${urls.workflows}/journeys/${applicationId}/choice`, body, /no granted decision/, `the journey of ${applicationId} to take the choice`);
  }
  /** A person's approval of a month, sent to the journey of the order's application. */
  async function approvalAnswer(as: Actor, orderId: string, month: string, disputedVisitIds: string[] = []): Promise<Answer<MonthApproved>> {
    const { applicationId } = await as.ok<{ applicationId: string }>('GET', `${urls.orders}/orders/${orderId}`);
    return askJourney<MonthApproved>(as, `${urls.workflows}/journeys/${applicationId}/months/${month}/approval`, { orderId, disputedVisitIds }, /no deliveries to approve/, `the journey of ${applicationId} to take the approval`);
  }
  return {
    async apply(identityNumber: string) {
      return people.caseHandler.ok<{ applicationId: string; customerId: string }>('POST', `${urls.decisions}/applications`, {
        identityNumber,
        areaId: 'home-care',
        channel: 'citizen',
      });
    },
    async assess(applicationId: string) {
      return people.caseHandler.ok('POST', `${urls.decisions}/applications/${applicationId}/assessment`, {
        lifeAreas: [
          { area: 'self-care', need: 'Help with showering and dressing in the morning' },
          { area: 'domestic-life', need: 'Cleaning every other week and weekly shopping' },
        ],
        instruments: [{ instrument: 'katz-adl', score: 3 }],
        assessedOn: '2026-01-10',
      });
    },
    async decide(applicationId: string, s: Pick<HomeCareScenario, 'careHoursPerMonth' | 'serviceHoursPerMonth' | 'validFrom' | 'validTo'>) {
      return people.caseHandler.ok<{ decisionId: string }>('POST', `${urls.decisions}/applications/${applicationId}/decision`, { outcome: 'granted', ...s });
    },
    async deny(applicationId: string, reason: string) {
      return people.caseHandler.ok<{ decisionId: string }>('POST', `${urls.decisions}/applications/${applicationId}/decision`, {
        outcome: 'denied',
        careHoursPerMonth: 0,
        serviceHoursPerMonth: 0,
        validFrom: '2026-02-01',
        validTo: '2026-02-28',
        denialReason: reason,
      });
    },
    async declareFeeBasis(customerId: string, basis: NonNullable<HomeCareScenario['feeBasis']>) {
      return people.caseHandler.ok('PUT', `${urls.billing}/customers/${customerId}/fee-basis`, basis);
    },
    /**
     * The customer (or `as`, a case handler for them) chooses through the journey (ADR 0029), saying
     * what `details` holds beside the provider. Answers the journey's answer: the choice, or the queue
     * entry where a nursing home has no free place.
     */
    async choose(customerId: string, decisionId: string, providerId: string, details: ChoiceDetails = {}, as: Actor = people.citizen(customerId)): Promise<ChoiceMade> {
      const answer = await chooseAnswer(as, decisionId, { providerId, ...details });
      if (answer.status !== 200) throw new Error(`choice answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    /** The journey's answer to a choice, whatever it is (a refusal too), once the journey knows the decision. */
    chooseAnswer,
    placedOrder,
    /** The provider finds the order the journey placed, accepts it and agrees the care plan. */
    async acceptAndPlan(providerId: string, decisionId: string) {
      const provider = people.provider(providerId);
      const order = { orderId: await placedOrder(providerId, decisionId) };
      await provider.ok('POST', `${urls.orders}/orders/${order.orderId}/accept`);
      await provider.ok('POST', `${urls.orders}/orders/${order.orderId}/care-plan`, {
        agreedOn: '2026-02-03',
        summary: 'Morning visits for personal care; cleaning every other Tuesday; shopping on Fridays.',
      });
      return order.orderId;
    },
    async reportVisits(providerId: string, orderId: string, visits: VisitPlan[]) {
      const provider = people.provider(providerId);
      return eventually(async () => {
        const answer = await provider.call<{ visits: Array<{ visitId: string; externalId: string }> }>('POST', `${urls.billing}/orders/${orderId}/visits`, { visits });
        if (answer.status === 404) return undefined;
        if (answer.status !== 201) throw new Error(`visits answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        return answer.body.visits;
      }, 'billing to know the order');
    },
    /** The customer approves a month's deliveries of an order through the journey (ADR 0029). */
    async approveMonth(customerId: string, orderId: string, month: string, disputedVisitIds: string[] = []) {
      const answer = await approvalAnswer(people.citizen(customerId), orderId, month, disputedVisitIds);
      if (answer.status !== 200) throw new Error(`approval answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    approvalAnswer,
  };
}

/** Runs one complete home-care journey, application to payment, and returns what it produced. */
export async function runHomeCareJourney(platform: Platform, s: HomeCareScenario) {
  const steps = homeCareSteps(platform);
  const { applicationId, customerId } = await steps.apply(s.identityNumber);
  await steps.assess(applicationId);
  if (s.feeBasis) await steps.declareFeeBasis(customerId, s.feeBasis);
  const { decisionId } = await steps.decide(applicationId, s);
  if (s.choose) await steps.choose(customerId, decisionId, s.choose);
  const chosen = await journeyReaches(platform, applicationId, ['awaiting-acceptance', 'awaiting-care-plan', 'in-service', 'completed']);
  const providerId = chosen.providerId!;
  const orderId = await steps.acceptAndPlan(providerId, decisionId);
  // A provider's visit ids are unique across its customers: qualify the plan's ids by the journey.
  const visits = s.visits.map((v) => ({ ...v, externalId: `${applicationId}-${v.externalId}` }));
  const reported = await steps.reportVisits(providerId, orderId, visits);
  const disputed = reported.filter((v) => s.dispute?.some((id) => v.externalId === `${applicationId}-${id}`)).map((v) => v.visitId);
  await steps.approveMonth(customerId, orderId, s.month, disputed);
  const done = await journeyReaches(platform, applicationId, ['completed']);
  return { applicationId, customerId, decisionId, orderId, providerId, state: done, settled: done.settledMonths.find((m) => m.month === s.month)! };
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AreaPolicy } from '../area-policy.js';
import type { JourneyEvent } from '../contracts.js';
import {
  AMEND_IN_ORDERS_CONSUMER,
  FEE_FOLLOWS_DECISION_CHANGE,
  MONTHS_PER_RUN,
  activeOrders,
  allSettled,
  applyEvent,
  dueCommands,
  initialState,
  nextDeadline,
  openInbox,
  openJourney,
  receive,
  type Journey,
  type Outcome,
  type SearchAttributeUpdate,
  type Step,
  type Timing,
} from './journey-core.js';

/**
 * The journey's rules without a server: events in, the commands of each pass out, each answered here
 * as a service (or a person) would. `pass` runs one pass of the loop the workflow runs.
 */
const DAY = 86_400_000;
const at = (date: string) => Date.parse(`${date}T09:00:00Z`);
const timing: Timing = {
  choiceDeadlineMs: 14 * DAY,
  acceptanceReminderMs: 2 * DAY,
  acceptanceEscalationMs: 5 * DAY,
  carePlanEscalationMs: 7 * DAY,
  approvalReminderMs: 5 * DAY,
  approvalEscalationMs: 10 * DAY,
  expiryNoticeMs: 30 * DAY,
  queueEscalationMs: 90 * DAY,
  dayMs: DAY,
};
const homeCare: AreaPolicy = {
  areaId: 'home-care',
  decisionKind: 'full',
  deliveryUnit: 'minutes-by-band',
  carePlanDeadlineDays: 14,
  defaultProvider: true,
  customerApprovesMonths: true,
  chargesFee: true,
  severalProviders: false,
};
const nursingHome: AreaPolicy = {
  areaId: 'nursing-home',
  decisionKind: 'full',
  deliveryUnit: 'occupancy-day',
  carePlanDeadlineDays: null,
  defaultProvider: false,
  customerApprovesMonths: false,
  chargesFee: false,
  severalProviders: false,
};
const dayActivities: AreaPolicy = {
  areaId: 'day-activities',
  decisionKind: 'simplified',
  deliveryUnit: 'attendance-day',
  carePlanDeadlineDays: 14,
  defaultProvider: true,
  customerApprovesMonths: true,
  chargesFee: true,
  severalProviders: true,
};

/** A journey with a recording host; `answer` plays the services, `person` the case handler at an attention. */
function journeyOf(policy: AreaPolicy, now: number, patched: (patchId: string) => boolean = () => true, choosing: () => boolean = () => false) {
  const upserts: SearchAttributeUpdate[] = [];
  const host = { patched, choosing, upsert: (u: SearchAttributeUpdate) => void upserts.push(u) };
  const j = openJourney({ applicationId: 'app-1', customerId: 'cust-1', policy, timing }, initialState(), host, now);
  return { j, upserts };
}

let eventSeq = 0;
const ev = (e: DistributiveOmit<JourneyEvent, 'eventId'>): JourneyEvent => ({ eventId: `ev-${++eventSeq}`, ...e }) as JourneyEvent;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What the services answer when a command succeeds: order ids are numbered in the order placed. */
function services(j: Journey) {
  let orders = 0;
  return (step: Step): Outcome => {
    switch (step.kind) {
      case 'assignDefaultProvider':
        return { kind: 'answered', answer: { choiceId: 'c', decisionId: step.input.decisionId, providerId: 'default-care', chosenBy: 'default' } };
      case 'placeOrder':
        orders += 1;
        return {
          kind: 'answered',
          answer: { orderId: `order-${orders}`, providerId: step.input.providerId ?? j.state.choice?.providerId ?? 'unknown', validFrom: step.input.effectiveFrom ?? j.state.decision!.validFrom },
        };
      case 'endOrder':
      case 'changeOrder':
        return { kind: 'answered', answer: { orderId: step.input.orderId } };
      case 'payProvider':
        return { kind: 'answered', answer: { paymentId: 'p', orderId: step.input.orderId, month: step.input.month, amountOre: 100_00, unpricedMinutes: 0 } };
      case 'correctPayment':
        return { kind: 'answered', answer: { paymentId: 'p', orderId: step.input.orderId, month: step.input.month, amountOre: 10_00, unpricedMinutes: 0 } };
      case 'chargeFee':
        return { kind: 'answered', answer: { invoiceId: 'i', feeOre: 30_00, appliedCap: 'tariff', ocrReference: 'ocr-1' } };
      case 'waitForPerson':
        throw new Error('no attention expected');
      default:
        return { kind: 'answered', answer: undefined };
    }
  };
}

/** One pass at `now`, every step answered by `answer`; returns the steps, as `kind` or `kind input`. */
function pass(j: Journey, now: number, answer: (step: Step) => Outcome): Step[] {
  const steps: Step[] = [];
  const run = dueCommands(j, now);
  for (let step = run.next(); !step.done; step = run.next({ outcome: answer(step.value), now })) {
    steps.push(step.value);
    if (steps.length > 1000) throw new Error('A pass that does not end.');
  }
  return steps;
}
const kinds = (steps: Step[]) => steps.map((s) => s.kind);

/** A home-care journey in service with order-1 from 2026-01-01, accepted and planned on 5 January. */
function homeCareInService(validTo = '2026-12-31') {
  const { j, upserts } = journeyOf(homeCare, at('2026-01-02'));
  const answer = services(j);
  for (const e of [
    ev({ kind: 'applicationReceived' }),
    ev({ kind: 'assessmentRecorded', assessmentId: 'as-1' }),
    ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo, denialReason: null }),
    ev({ kind: 'providerChosen', providerId: 'saltsjo-omsorg', chosenBy: 'customer' }),
  ])
    applyEvent(j, e, at('2026-01-02'));
  pass(j, at('2026-01-02'), answer);
  applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-05'));
  applyEvent(j, ev({ kind: 'carePlanAgreed', orderId: 'order-1', agreedOn: '2026-01-05' }), at('2026-01-05'));
  pass(j, at('2026-01-05'), answer);
  return { j, upserts, answer };
}

describe('the journey core, by example', () => {
  it('takes a home-care month from application to payment: order on choice, then payment and fee once the month is approved', () => {
    const { j, upserts } = journeyOf(homeCare, at('2026-01-02'));
    const answer = services(j);
    applyEvent(j, ev({ kind: 'applicationReceived' }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'assessmentRecorded', assessmentId: 'as-1' }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    expect(pass(j, at('2026-01-02'), answer)).toEqual([]);
    expect(j.state.stage).toBe('awaiting-choice');
    expect(j.state.choiceDeadlineAt).toBe(at('2026-01-02') + 14 * DAY);
    expect(nextDeadline(j, at('2026-01-02'))).toBe(at('2026-01-02') + 14 * DAY);

    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'saltsjo-omsorg', chosenBy: 'customer' }), at('2026-01-03'));
    expect(pass(j, at('2026-01-03'), answer)).toEqual([{ kind: 'placeOrder', input: { decisionId: 'dec-1' } }]);
    expect(j.state.orders).toMatchObject([{ orderId: 'order-1', providerId: 'saltsjo-omsorg', validFrom: '2026-01-01', endDate: null, placedAt: at('2026-01-03') }]);
    expect(j.state.stage).toBe('awaiting-acceptance');

    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-04'));
    expect(pass(j, at('2026-01-04'), answer)).toEqual([]);
    expect(j.state.stage).toBe('awaiting-care-plan');
    applyEvent(j, ev({ kind: 'carePlanAgreed', orderId: 'order-1', agreedOn: '2026-01-05' }), at('2026-01-05'));
    expect(pass(j, at('2026-01-05'), answer)).toEqual([]);
    expect(j.state.stage).toBe('in-service');
    // Nothing is paid for a month not yet approved, however long it has been over.
    expect(kinds(pass(j, at('2026-02-03'), answer))).toEqual([]);

    applyEvent(j, ev({ kind: 'monthApproved', orderId: 'order-1', month: '2026-01', approvedVisits: 8, disputedVisits: 0 }), at('2026-02-04'));
    expect(pass(j, at('2026-02-04'), answer)).toEqual([
      { kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'approval' } },
      { kind: 'chargeFee', input: { customerId: 'cust-1', applicationId: 'app-1', month: '2026-01', basis: 'approval:order-1' } },
    ]);
    expect(j.state.settlements).toEqual([{ orderId: 'order-1', basis: 'approval', month: '2026-01', feeOre: 30_00, appliedCap: 'tariff', ocrReference: 'ocr-1', paymentOre: 100_00, unpricedMinutes: 0 }]);
    expect(j.state.settledThisRun).toBe(1);
    // A second pass finds nothing missing: the month is paid once.
    expect(pass(j, at('2026-02-04'), answer)).toEqual([]);
    expect(upserts.filter((u) => u.attribute === 'stage').map((u) => u.value)).toEqual(['assessed', 'awaiting-choice', 'awaiting-acceptance', 'awaiting-care-plan', 'in-service']);
  });

  it('ends a denied decision at once, with nothing due and no deadline', () => {
    const { j } = journeyOf(homeCare, at('2026-01-02'));
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'denied', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: 'Needs met otherwise' }), at('2026-01-02'));
    expect(pass(j, at('2026-01-02'), services(j))).toEqual([]);
    expect(j.state.stage).toBe('denied');
    expect(nextDeadline(j, at('2026-01-02'))).toBeUndefined();
  });

  it('assigns the default provider when the customer has not chosen by the deadline', () => {
    const { j } = journeyOf(homeCare, at('2026-01-02'));
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    expect(pass(j, at('2026-01-02'), services(j))).toEqual([]);
    expect(pass(j, at('2026-01-16'), services(j))).toEqual([
      { kind: 'assignDefaultProvider', input: { decisionId: 'dec-1' } },
      { kind: 'placeOrder', input: { decisionId: 'dec-1' } },
    ]);
    expect(j.state.choice).toEqual({ providerId: 'default-care', chosenBy: 'default' });
  });

  it("holds the default back while the customer's own choice is being recorded, and wakes for nothing until it ends", () => {
    let choosing = true;
    const { j } = journeyOf(homeCare, at('2026-01-02'), () => true, () => choosing);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    expect(pass(j, at('2026-01-02'), services(j))).toEqual([]);
    // The deadline passes while the choice's command still retries: no default, and no timer on a deadline already passed.
    expect(pass(j, at('2026-01-16'), services(j))).toEqual([]);
    expect(j.deferredDefault).toBe(true);
    expect(nextDeadline(j, at('2026-01-16'), true)).not.toBe(j.state.choiceDeadlineAt);
    // The choice was refused after all: the default follows at once.
    choosing = false;
    expect(kinds(pass(j, at('2026-01-16'), services(j)))).toEqual(['assignDefaultProvider', 'placeOrder']);
  });

  it('assigns the default as before in a journey that started without the patch, choice in flight or not', () => {
    const { j } = journeyOf(homeCare, at('2026-01-02'), (id) => id !== 'choice-in-flight-defers-default', () => true);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    pass(j, at('2026-01-02'), services(j));
    expect(kinds(pass(j, at('2026-01-16'), services(j)))).toEqual(['assignDefaultProvider', 'placeOrder']);
  });

  it('after a refusal the customer chooses again: the refusal is escalated, and the new order is a new round', () => {
    const { j } = journeyOf(homeCare, at('2026-01-02'));
    const answer = services(j);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'saltsjo-omsorg', chosenBy: 'customer' }), at('2026-01-02'));
    pass(j, at('2026-01-02'), answer);
    applyEvent(j, ev({ kind: 'orderRefused', orderId: 'order-1', reason: 'capacity', explanation: 'Full until March' }), at('2026-01-03'));
    expect(pass(j, at('2026-01-03'), answer)).toEqual([
      { kind: 'createTask', input: { applicationId: 'app-1', kind: 'order-refused', key: 'order-1', message: 'Provider refused the order: Full until March. The customer must choose again.' } },
    ]);
    expect(j.state).toMatchObject({ stage: 'awaiting-choice', choice: null, orders: [], choiceRound: 1 });

    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'trygga-hander', chosenBy: 'customer' }), at('2026-01-04'));
    expect(pass(j, at('2026-01-04'), answer)).toEqual([
      { kind: 'closeTasks', input: { applicationId: 'app-1', kind: 'order-refused', key: 'order-1', reason: 'The journey no longer waits for it.' } },
      { kind: 'placeOrder', input: { decisionId: 'dec-1', round: 1 } },
    ]);
    expect(j.state.orders).toMatchObject([{ orderId: 'order-2', providerId: 'trygga-hander' }]);
  });

  it('switches provider: the old order ends the day before, the new one starts on the day', () => {
    const { j, answer } = homeCareInService();
    applyEvent(j, ev({ kind: 'providerSwitched', toProviderId: 'trygga-hander', effectiveFrom: '2026-01-15' }), at('2026-01-10'));
    expect(pass(j, at('2026-01-10'), answer)).toEqual([
      { kind: 'endOrder', input: { orderId: 'order-1', endDate: '2026-01-14', reason: 'switched' } },
      { kind: 'placeOrder', input: { decisionId: 'dec-1', effectiveFrom: '2026-01-15' } },
    ]);
    expect(j.state.orders).toMatchObject([
      { orderId: 'order-1', endDate: '2026-01-14' },
      { orderId: 'order-2', providerId: 'trygga-hander', validFrom: '2026-01-15', endDate: null },
    ]);
    expect(j.state.choice).toEqual({ providerId: 'trygga-hander', chosenBy: 'customer' });
    expect(j.state.stage).toBe('awaiting-acceptance');
  });

  /** Orders' answer to a decision change (ADR 0029): the order it amended, from when, to when, at which level. */
  const amended = (orderId: string, effectiveFrom: string, level: number | null, validTo = '2026-12-31') => ev({ kind: 'orderChanged', orderId, effectiveFrom, validTo, level });

  it("follows orders' amendment of the order in force from a changed decision and corrects a month already paid by level, sending no amendment itself", () => {
    const { j } = journeyOf(nursingHome, at('2026-01-02'));
    const answer = services(j);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'solgarden', chosenBy: 'customer' }), at('2026-01-02'));
    pass(j, at('2026-01-02'), answer);
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-03'));
    applyEvent(j, ev({ kind: 'deliveryPeriodRecorded', orderId: 'order-1', period: 'moved-in', from: '2026-01-03', to: null }), at('2026-01-03'));
    expect(pass(j, at('2026-01-03'), answer)).toEqual([]);
    expect(j.state.stage).toBe('in-service');
    // Occupancy is paid per day of stay once the month is over; no approval, no fee.
    expect(pass(j, at('2026-02-01'), answer)).toEqual([{ kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'occupancy' } }]);

    applyEvent(j, ev({ kind: 'decisionChanged', effectiveFrom: '2026-01-20', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validTo: '2026-12-31', level: 3 }), at('2026-02-02'));
    // Orders amends the order as it copies the change: the journey waits for its orderChanged.
    expect(pass(j, at('2026-02-02'), answer)).toEqual([]);
    applyEvent(j, amended('order-1', '2026-01-20', 3), at('2026-02-02'));
    expect(pass(j, at('2026-02-02'), answer)).toEqual([
      { kind: 'correctPayment', input: { orderId: 'order-1', month: '2026-01', basis: 'decision-change:2026-01-20', expectedAmendment: { effectiveFrom: '2026-01-20', validTo: '2026-12-31', level: 3 } } },
    ]);
    expect(j.state.settlements.map((x) => [x.month, x.basis, x.paymentOre])).toEqual([
      ['2026-01', 'occupancy', 100_00],
      ['2026-01', 'decision-change:2026-01-20', 10_00],
    ]);
    // Later months are paid expecting the amendment, so billing prices them at the new level.
    expect(pass(j, at('2026-03-01'), answer)).toEqual([
      { kind: 'payProvider', input: { orderId: 'order-1', month: '2026-02', basis: 'occupancy', expectedAmendment: { effectiveFrom: '2026-01-20', validTo: '2026-12-31', level: 3 } } },
    ]);
  });

  it('records a lowered level credited by billing as a negative payment of the month, and raises no task', () => {
    const { j } = journeyOf(nursingHome, at('2026-01-02'));
    const answer = services(j);
    const credited: typeof answer = (step) =>
      step.kind === 'correctPayment' ? { kind: 'answered', answer: { paymentId: 'c', orderId: step.input.orderId, month: step.input.month, amountOre: -24_000_00, unpricedMinutes: 0 } } : answer(step);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'solgarden', chosenBy: 'customer' }), at('2026-01-02'));
    pass(j, at('2026-01-02'), credited);
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-03'));
    applyEvent(j, ev({ kind: 'deliveryPeriodRecorded', orderId: 'order-1', period: 'moved-in', from: '2026-01-03', to: null }), at('2026-01-03'));
    pass(j, at('2026-02-01'), credited);
    applyEvent(j, ev({ kind: 'decisionChanged', effectiveFrom: '2026-01-20', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validTo: '2026-12-31', level: 2 }), at('2026-02-02'));
    applyEvent(j, amended('order-1', '2026-01-20', 2), at('2026-02-02'));
    expect(kinds(pass(j, at('2026-02-02'), credited))).toEqual(['correctPayment']);
    expect(j.state.settlements.map((x) => [x.month, x.basis, x.paymentOre])).toEqual([
      ['2026-01', 'occupancy', 100_00],
      ['2026-01', 'decision-change:2026-01-20', -24_000_00],
    ]);
    expect(j.state.escalations).toEqual([]);
  });

  /** A day-activities journey (paid per attendance day by level, a fee per day) with January approved and settled. */
  function dayActivitiesSettled(patched: (patchId: string) => boolean, answer: (j: Journey) => (step: Step) => Outcome) {
    const { j } = journeyOf(dayActivities, at('2026-01-02'), patched);
    const respond = answer(j);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'dagverket', chosenBy: 'customer' }), at('2026-01-02'));
    pass(j, at('2026-01-02'), respond);
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-03'));
    applyEvent(j, ev({ kind: 'carePlanAgreed', orderId: 'order-1', agreedOn: '2026-01-03' }), at('2026-01-03'));
    pass(j, at('2026-01-03'), respond);
    applyEvent(j, ev({ kind: 'monthApproved', orderId: 'order-1', month: '2026-01', approvedVisits: 8, disputedVisits: 0 }), at('2026-02-02'));
    expect(kinds(pass(j, at('2026-02-02'), respond))).toEqual(['payProvider', 'chargeFee']);
    return { j, respond };
  }

  it('settles the fee again with a decision change and records a fee now lower as a credit, with no task (fee-follows-decision-change)', () => {
    const credited = (j: Journey) => {
      const base = services(j);
      return (step: Step): Outcome =>
        step.kind === 'chargeFee' && step.input.basis.startsWith('decision-change-')
          ? { kind: 'answered', answer: { invoiceId: 'credit-1', feeOre: -12_00, appliedCap: 'fee-room', ocrReference: null } }
          : step.kind === 'correctPayment'
            ? { kind: 'answered', answer: { paymentId: 'c', orderId: step.input.orderId, month: step.input.month, amountOre: -400_00, unpricedMinutes: 0 } }
            : base(step);
    };
    const { j, respond } = dayActivitiesSettled(() => true, credited);
    applyEvent(j, ev({ kind: 'decisionChanged', effectiveFrom: '2026-01-20', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validTo: '2026-12-31', level: 1 }), at('2026-02-05'));
    applyEvent(j, amended('order-1', '2026-01-20', 1), at('2026-02-05'));
    expect(pass(j, at('2026-02-05'), respond)).toEqual([
      { kind: 'correctPayment', input: { orderId: 'order-1', month: '2026-01', basis: 'decision-change:2026-01-20', expectedAmendment: { effectiveFrom: '2026-01-20', validTo: '2026-12-31', level: 1 } } },
      { kind: 'chargeFee', input: { customerId: 'cust-1', applicationId: 'app-1', month: '2026-01', basis: 'decision-change-2026-01-20:order-1' } },
    ]);
    expect(j.state.settlements.map((x) => [x.basis, x.paymentOre, x.feeOre, x.appliedCap, x.ocrReference])).toEqual([
      ['approval', 100_00, 30_00, 'tariff', 'ocr-1'],
      ['decision-change:2026-01-20', -400_00, -12_00, 'fee-room', ''],
    ]);
    expect(j.state.escalations).toEqual([]);
    expect(j.state.attentions ?? []).toEqual([]);
  });

  it('keeps a history from before fee-follows-decision-change on its path: no fee with the correction', () => {
    const { j, respond } = dayActivitiesSettled((id) => id !== FEE_FOLLOWS_DECISION_CHANGE, services);
    applyEvent(j, ev({ kind: 'decisionChanged', effectiveFrom: '2026-01-20', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validTo: '2026-12-31', level: 1 }), at('2026-02-05'));
    applyEvent(j, amended('order-1', '2026-01-20', 1), at('2026-02-05'));
    expect(kinds(pass(j, at('2026-02-05'), respond))).toEqual(['correctPayment']);
    expect(j.state.settlements.at(-1)).toMatchObject({ basis: 'decision-change:2026-01-20', paymentOre: 10_00, feeOre: 0, appliedCap: 'none' });
  });

  it('keeps a journey from before amend-in-orders-consumer on its path: it amends the order itself and ignores orderChanged, correcting a month once', () => {
    const { j, respond } = dayActivitiesSettled((id) => id !== AMEND_IN_ORDERS_CONSUMER, services);
    applyEvent(j, ev({ kind: 'decisionChanged', effectiveFrom: '2026-01-20', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validTo: '2026-12-31', level: 1 }), at('2026-02-05'));
    expect(pass(j, at('2026-02-05'), respond)).toEqual([
      { kind: 'changeOrder', input: { effectiveFrom: '2026-01-20', validTo: '2026-12-31', careHoursPerMonth: 0, serviceHoursPerMonth: 0, level: 1, orderId: 'order-1' } },
      { kind: 'correctPayment', input: { orderId: 'order-1', month: '2026-01', basis: 'decision-change:2026-01-20', expectedAmendment: { effectiveFrom: '2026-01-20', validTo: '2026-12-31', level: 1 } } },
      { kind: 'chargeFee', input: { customerId: 'cust-1', applicationId: 'app-1', month: '2026-01', basis: 'decision-change-2026-01-20:order-1' } },
    ]);
    // The route's amendment is announced too; this journey heard it from its command's answer already.
    applyEvent(j, amended('order-1', '2026-01-20', 1), at('2026-02-05'));
    expect(pass(j, at('2026-02-05'), respond)).toEqual([]);
    expect(j.state.settlements.filter((x) => x.basis.startsWith('decision-change'))).toHaveLength(1);
  });

  it("waits with an amendment of an order whose placement it has not heard answered yet, and expects it in the order's next payment", () => {
    const { j } = journeyOf(nursingHome, at('2026-01-02'));
    const answer = services(j);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'decisionChanged', effectiveFrom: '2026-01-01', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validTo: '2027-06-30', level: 4 }), at('2026-01-02'));
    applyEvent(j, amended('order-1', '2026-01-01', 4, '2027-06-30'), at('2026-01-02'));
    expect(pass(j, at('2026-01-02'), answer)).toEqual([]);
    expect(j.state.pendingAmendments).toEqual([{ orderId: 'order-1', effectiveFrom: '2026-01-01', validTo: '2027-06-30', level: 4 }]);
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'solgarden', chosenBy: 'customer' }), at('2026-01-02'));
    expect(kinds(pass(j, at('2026-01-02'), answer))).toEqual(['placeOrder']);
    expect(j.state.pendingAmendments).toEqual([]);
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-03'));
    applyEvent(j, ev({ kind: 'deliveryPeriodRecorded', orderId: 'order-1', period: 'moved-in', from: '2026-01-03', to: null }), at('2026-01-03'));
    expect(pass(j, at('2026-02-01'), answer)).toEqual([
      { kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'occupancy', expectedAmendment: { effectiveFrom: '2026-01-01', validTo: '2027-06-30', level: 4 } } },
    ]);
  });

  it('pays the undisputed part of a disputed month at once and the rest when the dispute is resolved', () => {
    const { j, answer } = homeCareInService();
    applyEvent(j, ev({ kind: 'monthApproved', orderId: 'order-1', month: '2026-01', approvedVisits: 6, disputedVisits: 2 }), at('2026-02-03'));
    expect(kinds(pass(j, at('2026-02-03'), answer))).toEqual(['payProvider', 'chargeFee', 'createTask']);
    expect(j.state.escalations.at(-1)).toMatchObject({ kind: 'dispute', key: 'order-1:2026-01', open: true });
    expect(allSettled(j.state)).toBe(false);

    applyEvent(j, ev({ kind: 'disputeResolved', orderId: 'order-1', month: '2026-01', approvedVisits: 1, rejectedVisits: 1 }), at('2026-02-10'));
    expect(pass(j, at('2026-02-10'), answer)).toEqual([
      { kind: 'closeTasks', input: { applicationId: 'app-1', kind: 'dispute', key: 'order-1:2026-01', reason: 'The journey no longer waits for it.' } },
      { kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'dispute-resolution' } },
      { kind: 'chargeFee', input: { customerId: 'cust-1', applicationId: 'app-1', month: '2026-01', basis: 'dispute-resolution:order-1' } },
    ]);
    expect(j.state.settlements.map((x) => x.basis)).toEqual(['approval', 'dispute-resolution']);
    // The dispute's payment is a delta, not a second settled month.
    expect(j.state.settledThisRun).toBe(1);
  });

  it('pays a home for a month only once the resident has moved in, then the months before it too', () => {
    const { j } = journeyOf(nursingHome, at('2026-01-02'));
    const answer = services(j);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'solgarden', chosenBy: 'customer' }), at('2026-01-02'));
    pass(j, at('2026-01-02'), answer);
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-03'));
    // January is over but nobody has moved in: billing would refuse (BILLING.NOT_MOVED_IN), so nothing is due.
    expect(pass(j, at('2026-02-02'), answer)).toEqual([]);
    expect(j.state.stage).toBe('awaiting-move-in');
    applyEvent(j, ev({ kind: 'deliveryPeriodRecorded', orderId: 'order-1', period: 'moved-in', from: '2026-02-05', to: null }), at('2026-02-05'));
    expect(pass(j, at('2026-02-05'), answer)).toEqual([{ kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'occupancy' } }]);
    expect(j.state.stage).toBe('in-service');
  });

  it('pays a month before the move-in as before where the journey started without the patch', () => {
    const { j } = journeyOf(nursingHome, at('2026-01-02'), (id) => id !== 'occupancy-waits-for-move-in');
    const answer = services(j);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'solgarden', chosenBy: 'customer' }), at('2026-01-02'));
    pass(j, at('2026-01-02'), answer);
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-03'));
    expect(pass(j, at('2026-02-02'), answer)).toEqual([{ kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'occupancy' } }]);
  });

  it('a move-out ends the order the day before, pays the month of the stay and asks the case handler to end the decision', () => {
    const { j } = journeyOf(nursingHome, at('2026-01-02'));
    const answer = services(j);
    applyEvent(j, ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-12-31', denialReason: null }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'providerChosen', providerId: 'solgarden', chosenBy: 'customer' }), at('2026-01-02'));
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-02'));
    pass(j, at('2026-01-02'), answer);
    applyEvent(j, ev({ kind: 'orderAccepted', orderId: 'order-1' }), at('2026-01-03'));
    applyEvent(j, ev({ kind: 'deliveryPeriodRecorded', orderId: 'order-1', period: 'moved-in', from: '2026-01-03', to: null }), at('2026-01-03'));
    applyEvent(j, ev({ kind: 'deliveryPeriodRecorded', orderId: 'order-1', period: 'moved-out', from: '2026-01-20', to: null }), at('2026-01-21'));
    expect(pass(j, at('2026-01-21'), answer)).toEqual([
      { kind: 'endOrder', input: { orderId: 'order-1', endDate: '2026-01-19', reason: 'moved-out' } },
      { kind: 'createTask', input: { applicationId: 'app-1', kind: 'moved-out', key: 'order-1', message: 'The resident moved out of solgarden on 2026-01-20: end the decision.' } },
      { kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'occupancy' } },
    ]);
    expect(j.state.stage).toBe('ending');

    applyEvent(j, ev({ kind: 'decisionEnded', reason: 'moved', endDate: '2026-01-19' }), at('2026-01-22'));
    expect(kinds(pass(j, at('2026-01-22'), answer))).toEqual(['closeTasks']);
    expect(j.state.stage).toBe('completed');
  });

  it('gives notice before the decision expires, expires it once every month is settled, and completes when it has ended', () => {
    const { j, answer } = homeCareInService('2026-01-31');
    // The notice fell due 30 days before the end, i.e. already at the first pass.
    expect(j.state.escalations.map((e) => e.kind)).toEqual(['decision-expiring']);
    applyEvent(j, ev({ kind: 'monthApproved', orderId: 'order-1', month: '2026-01', approvedVisits: 8, disputedVisits: 0 }), at('2026-02-02'));
    expect(pass(j, at('2026-02-02'), answer)).toEqual([
      { kind: 'payProvider', input: { orderId: 'order-1', month: '2026-01', basis: 'approval' } },
      { kind: 'chargeFee', input: { customerId: 'cust-1', applicationId: 'app-1', month: '2026-01', basis: 'approval:order-1' } },
      { kind: 'expireDecision', input: { decisionId: 'dec-1' } },
    ]);
    applyEvent(j, ev({ kind: 'decisionEnded', reason: 'expired', endDate: '2026-01-31' }), at('2026-02-03'));
    expect(pass(j, at('2026-02-03'), answer)).toEqual([{ kind: 'endOrder', input: { orderId: 'order-1', endDate: '2026-01-31', reason: 'decision-ended' } }]);
    expect(j.state.stage).toBe('completed');
  });

  it('a payment that fails for good waits for a person; skipped, the month is neither paid nor charged and no longer holds up the end', () => {
    const { j, answer } = homeCareInService();
    applyEvent(j, ev({ kind: 'monthApproved', orderId: 'order-1', month: '2026-01', approvedVisits: 8, disputedVisits: 0 }), at('2026-02-03'));
    const steps = pass(j, at('2026-02-03'), (step) => {
      if (step.kind === 'payProvider') return { kind: 'failed', failure: { code: 'BILLING.NO_RATE', reason: 'No rate for 2026.', failure: 'refused', status: 422 } };
      if (step.kind === 'waitForPerson') return { kind: 'resolved', resolution: { action: 'skip', by: { subject: 'op-1', role: 'operator' }, at: '2026-02-03T10:00:00.000Z', reason: 'paid by hand' } };
      return answer(step);
    });
    expect(kinds(steps)).toEqual(['payProvider', 'createTask', 'waitForPerson', 'closeTasks']);
    expect(j.state.attentions).toMatchObject([{ attentionId: 'payProvider-1', command: 'payProvider', code: 'BILLING.NO_RATE', open: false, resolution: { action: 'skip' } }]);
    expect(j.state.orderMonths.find((m) => m.month === '2026-01')).toMatchObject({ skipped: true, settled: false });
    expect(j.state.settlements).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random event orders, duplicates, and command failures and skips

/** Mostly the first orders, which every scenario places. */
const anOrderId = fc.constantFrom('order-1', 'order-1', 'order-1', 'order-2', 'order-2', 'order-3', 'order-4');
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04'];
const PROVIDERS = ['saltsjo-omsorg', 'trygga-hander', 'solgarden'];

/** Service events a journey may receive in any order (the decision itself is given first). */
const anEvent = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('providerChosen' as const), providerId: fc.constantFrom(...PROVIDERS), chosenBy: fc.constant('customer' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('orderAccepted' as const), orderId: anOrderId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('carePlanAgreed' as const), orderId: anOrderId, agreedOn: fc.constant('2026-01-10') }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('monthApproved' as const), orderId: anOrderId, month: fc.constantFrom(...MONTHS), approvedVisits: fc.nat(10), disputedVisits: fc.constantFrom(0, 0, 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('disputeResolved' as const), orderId: anOrderId, month: fc.constantFrom(...MONTHS), approvedVisits: fc.nat(2), rejectedVisits: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('providerSwitched' as const), toProviderId: fc.constantFrom(...PROVIDERS), effectiveFrom: fc.constantFrom('2026-02-01', '2026-02-15', '2026-03-10') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('orderRefused' as const), orderId: anOrderId, reason: fc.constant('capacity'), explanation: fc.constant('Full') }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('decisionChanged' as const),
      effectiveFrom: fc.constantFrom('2026-02-01', '2026-03-01'),
      careHoursPerMonth: fc.nat(20),
      serviceHoursPerMonth: fc.nat(10),
      validTo: fc.constantFrom('2026-03-31', '2026-04-30'),
      level: fc.constantFrom(null, 2, 3),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('decisionEnded' as const), reason: fc.constant('withdrawn' as const), endDate: fc.constantFrom('2026-03-31', '2026-04-30') }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('deliveryPeriodRecorded' as const), orderId: anOrderId, period: fc.constantFrom('moved-in' as const, 'moved-in' as const, 'moved-out' as const), from: fc.constantFrom('2026-02-10', '2026-03-05'), to: fc.constant(null) }),
  },
);

/** A scenario: events, then a script of deliveries (an index, so an event may come twice), clock moves and passes. */
const aScenario = fc.record({
  policy: fc.constantFrom(homeCare, nursingHome, dayActivities),
  events: fc.array(anEvent, { minLength: 1, maxLength: 24 }),
  script: fc.array(fc.oneof({ weight: 3, arbitrary: fc.record({ deliver: fc.nat(60) }) }, { weight: 1, arbitrary: fc.record({ days: fc.integer({ min: 1, max: 20 }) }) }), { minLength: 5, maxLength: 60 }),
  /** How each command goes, used in turn: ok, or failed and then retried, skipped or (rarely) the journey ended. */
  outcomes: fc.array(fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'retry', 'skip', 'skip', 'end'), { minLength: 1, maxLength: 50 }),
});
type Scenario = typeof aScenario extends fc.Arbitrary<infer T> ? T : never;

/**
 * Runs a scenario as the workflow's loop would: events through the inbox (de-duplicated by id), each
 * applied, then a pass; months beyond a run's bound are taken by the next run, as after continue-as-new.
 * Checks, on the way, that every payment goes out once and only when due.
 */
function play(scenario: Scenario, { settleAtTheEnd }: { settleAtTheEnd: boolean }) {
  const { j } = journeyOf(scenario.policy, at('2026-01-02'));
  const inbox = openInbox([]);
  const ok = services(j);
  let now = at('2026-01-02');
  let nextOutcome = 0;
  let failing: 'retry' | 'skip' | 'end' | null = null;
  let allSucceed = false;
  let retrying = false;
  const paid = new Set<string>();
  const charged = new Set<string>();
  const delivered = new Set<string>();
  const applied: string[] = [];
  let endedByPerson = false;

  const answer = (step: Step): Outcome => {
    if (step.kind === 'waitForPerson') {
      const action = failing!;
      failing = null;
      // A person retries once the cause is fixed: the retried command goes through.
      retrying = action === 'retry';
      if (action === 'end') endedByPerson = true;
      return { kind: 'resolved', resolution: { action, by: { subject: 'op-1', role: 'operator' }, at: new Date(now).toISOString(), reason: action === 'retry' ? null : 'by hand' } };
    }
    if (step.kind === 'payProvider') {
      const om = j.state.orderMonths.find((m) => m.orderId === step.input.orderId && m.month === step.input.month)!;
      const order = j.state.orders.find((o) => o.orderId === step.input.orderId)!;
      // Never before the month is approved where the area approves, nor before its dispute is resolved.
      if (step.input.basis === 'approval') expect(om.approved, `${step.input.month} paid unapproved`).toBe(true);
      if (step.input.basis === 'dispute-resolution') expect(om.disputeResolved).toBe(true);
      if (step.input.basis === 'occupancy') {
        expect(scenario.policy.customerApprovesMonths).toBe(false);
        expect(order.movedIn, 'a home paid before the resident moved in').toBe(true);
        const monthOver = now >= Date.UTC(Number(step.input.month.slice(0, 4)), Number(step.input.month.slice(5, 7)), 1);
        const end = order.endDate ?? j.state.ended?.endDate ?? j.state.decision!.validTo;
        expect(monthOver || (end.slice(0, 7) === step.input.month && end < new Date(now).toISOString().slice(0, 10))).toBe(true);
      }
      expect(order.acceptedAt, 'paid before acceptance').not.toBeNull();
    }
    if (step.kind !== 'createTask' && step.kind !== 'closeTasks' && step.kind !== 'remindProvider' && !allSucceed && !retrying) {
      const o = scenario.outcomes[nextOutcome++ % scenario.outcomes.length]!;
      if (o !== 'ok') {
        failing = o;
        return { kind: 'failed', failure: { code: 'SERVICE.REFUSED', reason: 'Refused.', failure: 'refused', status: 422 } };
      }
    }
    if (step.kind !== 'createTask' && step.kind !== 'closeTasks' && step.kind !== 'remindProvider') retrying = false;
    const outcome = ok(step);
    if (step.kind === 'payProvider') {
      const key = `${step.input.orderId} ${step.input.month} ${step.input.basis}`;
      expect(paid.has(key), `${key} paid twice`).toBe(false);
      paid.add(key);
    }
    if (step.kind === 'chargeFee') {
      const key = `${step.input.month} ${step.input.basis}`;
      expect(charged.has(key), `${key} charged twice`).toBe(false);
      charged.add(key);
    }
    return outcome;
  };

  const loop = () => {
    for (let guard = 0; guard < 20; guard++) {
      while (inbox.pending.length > 0) {
        const event = inbox.pending.shift()!;
        applyEvent(j, event, now);
        applied.push(event.eventId);
        expectReflected(j, event);
      }
      pass(j, now, answer);
      if (j.state.stage === 'completed' || j.state.stage === 'denied') return;
      if (j.state.settledThisRun < MONTHS_PER_RUN) return;
      j.state.settledThisRun = 0; // continue-as-new: the next run settles the rest
    }
  };

  const events = [ev({ kind: 'decisionMade', decisionId: 'dec-1', outcome: 'granted', careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-01-01', validTo: '2026-04-30', denialReason: null }), ...scenario.events.map(ev)];
  const deliver = (event: JourneyEvent) => {
    delivered.add(event.eventId);
    receive(inbox, event);
  };
  deliver(events[0]!);
  loop();
  for (const step of scenario.script) {
    if (j.state.stage === 'completed') break;
    if ('deliver' in step) deliver(events[step.deliver % events.length]!);
    else now += step.days * DAY;
    loop();
  }
  // Nothing delivered is lost and nothing is applied twice.
  if (j.state.stage !== 'completed') expect(new Set(applied)).toEqual(delivered);
  expect(applied.length).toBe(new Set(applied).size);

  if (settleAtTheEnd && !endedByPerson && j.state.stage !== 'completed') {
    // From here every command succeeds; the providers accept what they were sent, and the decision ends.
    allSucceed = true;
    for (const o of j.state.orders) deliver(ev({ kind: 'orderAccepted', orderId: o.orderId }));
    // A home is paid for the days of a stay: the residents move in.
    if (scenario.policy.deliveryUnit === 'occupancy-day') for (const o of j.state.orders) deliver(ev({ kind: 'deliveryPeriodRecorded', orderId: o.orderId, period: 'moved-in', from: o.validFrom, to: null }));
    // The customer approves what is left, and the case handler resolves every dispute.
    for (const o of j.state.orders) for (const month of MONTHS) if (!j.state.orderMonths.some((m) => m.orderId === o.orderId && m.month === month && m.approved)) deliver(ev({ kind: 'monthApproved', orderId: o.orderId, month, approvedVisits: 1, disputedVisits: 0 }));
    for (const om of j.state.orderMonths) if (om.disputed > 0) deliver(ev({ kind: 'disputeResolved', orderId: om.orderId, month: om.month, approvedVisits: 1, rejectedVisits: 0 }));
    deliver(ev({ kind: 'decisionEnded', reason: 'expired', endDate: '2026-04-30' }));
    now = Math.max(now, at('2026-05-02'));
    loop();
    for (let i = 0; i < 5; i++) {
      now += 20 * DAY;
      loop();
    }
    const s = j.state;
    /** A month the order served in: from its first day through its last (an order ended before it began served none). */
    const served = (o: (typeof s.orders)[number], month: string) => {
      const last = o.endDate ?? s.ended?.endDate ?? '9999-12-31';
      return last >= o.validFrom && month >= o.validFrom.slice(0, 7) && month <= last.slice(0, 7);
    };
    for (const om of s.orderMonths) {
      const order = s.orders.find((o) => o.orderId === om.orderId);
      if (!order || !served(order, om.month)) continue;
      const due = om.approved || !scenario.policy.customerApprovesMonths;
      if (!due) continue;
      expect(om.settled || om.skipped, `${om.orderId} ${om.month} left unsettled`).toBe(true);
      if (om.settled && om.disputed > 0 && om.disputeResolved) expect(paid.has(`${om.orderId} ${om.month} dispute-resolution`)).toBe(true);
    }
    for (const o of s.orders) expect(o.endDate).not.toBeNull();
  }
  // The journey's own record agrees with what was paid: one settlement per order, month and basis.
  const keys = j.state.settlements.map((x) => `${x.orderId} ${x.month} ${x.basis}`);
  expect(keys.length).toBe(new Set(keys).size);
  return j;
}

/** Each event leaves its mark on the state the moment it is applied. */
function expectReflected(j: Journey, e: JourneyEvent) {
  const s = j.state;
  const order = 'orderId' in e ? s.orders.find((o) => o.orderId === e.orderId) : undefined;
  switch (e.kind) {
    case 'decisionMade':
      return expect(s.decision).not.toBeNull();
    case 'providerChosen':
      return expect(s.choice !== null).toBe(true);
    case 'orderAccepted':
      return order && expect(order.acceptedAt).not.toBeNull();
    case 'carePlanAgreed':
      return order && expect(order.carePlanAgreed).toBe(true);
    case 'monthApproved':
      return expect(s.orderMonths.find((m) => m.orderId === e.orderId && m.month === e.month)).toMatchObject({ approved: true, disputed: e.disputedVisits });
    case 'disputeResolved':
      return expect(s.orderMonths.find((m) => m.orderId === e.orderId && m.month === e.month)?.disputeResolved).toBe(true);
    case 'providerSwitched':
      return expect(s.pendingSwitch?.toProviderId).toBe(e.toProviderId);
    case 'orderRefused':
      expect(s.orders.some((o) => o.orderId === e.orderId)).toBe(false);
      return expect(j.refusedOrders).toContainEqual(e);
    case 'decisionChanged':
      expect(s.decision!.validTo).toBe(e.validTo);
      // Orders amends the orders; the journey sends no amendment of its own (ADR 0029).
      expect(s.pendingChanges ?? []).toEqual([]);
      return expect(s.ordersAmendOnChange).toBe(true);
    case 'decisionEnded':
      return expect(s.ended).not.toBeNull();
    case 'deliveryPeriodRecorded':
      if (order && e.period === 'moved-in') expect(order.movedIn).toBe(true);
      return;
    default:
      return;
  }
}

describe('the journey core, over random event orders, duplicates, failures and skips', () => {
  const runs = { seed: 20261207, numRuns: 300 };

  it('never pays or charges a month twice for one basis, never pays an unapproved month, and applies every event once', () => {
    fc.assert(fc.property(aScenario, (scenario) => void play(scenario, { settleAtTheEnd: false })), runs);
  });

  it('settles every approved month of a service that has ended, once every command succeeds', () => {
    fc.assert(fc.property(aScenario, (scenario) => void play(scenario, { settleAtTheEnd: true })), runs);
  });

  it('never leaves an attention open once a person resolved it, and never has two orders in force with one provider (nor two at all where the area allows one)', () => {
    fc.assert(
      fc.property(aScenario, (scenario) => {
        const j = play(scenario, { settleAtTheEnd: false });
        expect(j.state.attentions?.filter((a) => a.open) ?? []).toEqual([]);
        const inForce = activeOrders(j.state).map((o) => o.providerId);
        if (!scenario.policy.severalProviders) expect(inForce.length).toBeLessThanOrEqual(1);
        else expect(inForce.length).toBe(new Set(inForce).size);
      }),
      runs,
    );
  });
});

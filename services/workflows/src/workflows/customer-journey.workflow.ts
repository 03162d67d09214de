import { condition, proxyActivities, setHandler, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing.activities.js';
import type { OrdersActivities } from '../activities/orders.activities.js';
import {
  journeyEventSignal,
  journeyStateQuery,
  searchAttributes,
  type JourneyEvent,
  type JourneyInput,
  type JourneyStage,
  type JourneyState,
} from '../contracts.js';
import { monthsCovered } from '@kundval/domain/calendar';

/**
 * Commands to the services. They are idempotent on the service side (keyed by decision, order and
 * month), so a retry after a worker crash never places a second order, charges a second fee or pays twice.
 */
const commandTimeouts: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['BadRequest'] },
};
const orders = proxyActivities<OrdersActivities>(commandTimeouts);
const billing = proxyActivities<BillingActivities>(commandTimeouts);

type Decision = Extract<JourneyEvent, { kind: 'decisionMade' }>;

/**
 * One customer's journey in a voucher area, from the application to the last paid month
 * (DESIGN.md §2). Progress arrives as service events through `journeyEventSignal`; the journey
 * answers with commands to the services. An event seen twice (same event id) changes nothing.
 */
export async function customerJourneyWorkflow(input: JourneyInput): Promise<JourneyState> {
  const state: JourneyState = {
    applicationId: input.applicationId,
    customerId: input.customerId,
    areaId: input.areaId,
    stage: 'application-received',
    decisionId: null,
    providerId: null,
    chosenBy: null,
    orderId: null,
    denialReason: null,
    nextDeadline: null,
    pendingMonths: [],
    settledMonths: [],
  };
  const seen = new Set<string>();
  let assessed = false;
  let decision: Decision | undefined;
  let accepted = false;
  let carePlanAgreed = false;
  const approvedMonths = new Set<string>();

  setHandler(journeyStateQuery, () => state);
  setHandler(journeyEventSignal, (event) => {
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    switch (event.kind) {
      case 'applicationReceived':
        break;
      case 'assessmentRecorded':
        assessed = true;
        break;
      case 'decisionMade':
        decision ??= event;
        break;
      case 'providerChosen':
        state.providerId ??= event.providerId;
        state.chosenBy ??= event.chosenBy;
        break;
      case 'orderAccepted':
        if (event.orderId === state.orderId || state.orderId === null) accepted = true;
        break;
      case 'carePlanAgreed':
        carePlanAgreed = true;
        break;
      case 'monthApproved':
        approvedMonths.add(event.month);
        break;
    }
  });

  const enter = (stage: JourneyStage) => {
    state.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.stage, value: stage }]);
  };
  upsertSearchAttributes([
    { key: searchAttributes.area, value: input.areaId },
    { key: searchAttributes.customer, value: input.customerId },
    { key: searchAttributes.municipality, value: input.municipality },
    { key: searchAttributes.stage, value: state.stage },
  ]);

  // Assessment, then decision. An area with a simplified decision may be decided without an assessment.
  await condition(() => assessed || decision !== undefined);
  if (assessed) enter('assessed');
  await condition(() => decision !== undefined);
  const granted = decision!;
  state.decisionId = granted.decisionId;
  if (granted.outcome === 'denied') {
    state.denialReason = granted.denialReason;
    enter('denied');
    return state;
  }
  enter('decided');

  // Provider choice: the customer's, or the default provider (ickevalsalternativ) when the deadline passes.
  enter('awaiting-choice');
  state.nextDeadline = new Date(Date.now() + input.timing.choiceDeadlineMs).toISOString();
  const chose = await condition(() => state.providerId !== null, input.timing.choiceDeadlineMs);
  state.nextDeadline = null;
  if (!chose) {
    const assigned = await orders.assignDefaultProvider({ decisionId: granted.decisionId });
    state.providerId = assigned.providerId;
    state.chosenBy = assigned.chosenBy;
  }
  upsertSearchAttributes([{ key: searchAttributes.provider, value: state.providerId! }]);

  // The order, which the provider must accept, then the care plan.
  const order = await orders.placeOrder({ decisionId: granted.decisionId });
  state.orderId = order.orderId;
  state.providerId = order.providerId;
  enter('awaiting-acceptance');
  await condition(() => accepted);
  enter('awaiting-care-plan');
  await condition(() => carePlanAgreed);

  // Each month of the decision's validity: wait for the customer's approval, then fee and payment.
  enter('in-service');
  state.pendingMonths = monthsCovered(granted.validFrom, granted.validTo);
  while (state.pendingMonths.length > 0) {
    const month = state.pendingMonths[0]!;
    await condition(() => approvedMonths.has(month));
    const fee = await billing.chargeFee({ customerId: input.customerId, applicationId: input.applicationId, month });
    const payment = await billing.payProvider({ orderId: order.orderId, month });
    state.settledMonths.push({
      month,
      feeOre: fee.feeOre,
      appliedCap: fee.appliedCap,
      ocrReference: fee.ocrReference ?? '',
      paymentOre: payment.amountOre,
      unpricedMinutes: payment.unpricedMinutes,
    });
    state.pendingMonths.shift();
  }
  enter('completed');
  return state;
}

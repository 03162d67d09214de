/**
 * A deliberately non-deterministic rewrite of the journey, for the replay tests to catch: it drops
 * the search-attribute updates and pays the provider before charging the fee, so its commands no
 * longer match a recorded history.
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing.activities.js';
import type { OrdersActivities } from '../activities/orders.activities.js';
import { journeyEventSignal, journeyStateQuery, type JourneyEvent, type JourneyInput, type JourneyState } from '../contracts.js';

const orders = proxyActivities<OrdersActivities>({ startToCloseTimeout: '30 seconds' });
const billing = proxyActivities<BillingActivities>({ startToCloseTimeout: '30 seconds' });

export async function customerJourneyWorkflow(input: JourneyInput): Promise<JourneyState> {
  const events: JourneyEvent[] = [];
  const state = { applicationId: input.applicationId } as JourneyState;
  setHandler(journeyStateQuery, () => state);
  setHandler(journeyEventSignal, (e) => void events.push(e));
  await condition(() => events.some((e) => e.kind === 'decisionMade'));
  const decision = events.find((e) => e.kind === 'decisionMade') as Extract<JourneyEvent, { kind: 'decisionMade' }>;
  if (decision.outcome === 'denied') return state;
  await condition(() => events.some((e) => e.kind === 'providerChosen'), input.timing.choiceDeadlineMs);
  const order = await orders.placeOrder({ decisionId: decision.decisionId });
  await condition(() => events.some((e) => e.kind === 'monthApproved'));
  await billing.payProvider({ orderId: order.orderId, month: decision.validFrom.slice(0, 7) });
  await billing.chargeFee({ customerId: input.customerId, applicationId: input.applicationId, month: decision.validFrom.slice(0, 7) });
  return state;
}

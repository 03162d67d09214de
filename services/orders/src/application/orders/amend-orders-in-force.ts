import type { EventPayload } from '@kundval/contracts';
import { ordersInForceFrom } from '../../store/orders.js';
import type { Outcome, PendingEvent, UseCaseContext } from '../context.js';
import { amendOrder, type AmendmentCause } from './amend-order.js';

/**
 * A changed or renewed decision (omprövning, renewal) amends its orders in force, in the consumer's
 * transaction that copies the change (ADR 0029, part 2): the decision reaches orders only as events,
 * so no journey command has to wait for the copy. Each order takes the change from its first day, or
 * from the order's own first day when that is later, by the one rule (`amendOrder`); an order refused,
 * ended before that day, or beginning after the decision's new last day has nothing to take. Answers
 * the amended orders' ids and an `orderChanged` for each that changed, in the order the orders began.
 */
export async function amendOrdersInForce(ctx: UseCaseContext, change: EventPayload<'decisionChanged'>, cause: AmendmentCause): Promise<Outcome<string[]>> {
  const events: PendingEvent[] = [];
  const amended: string[] = [];
  for (const order of await ordersInForceFrom(ctx.db, change.decisionId, change.effectiveFrom)) {
    const effectiveFrom = change.effectiveFrom > order.valid_from ? change.effectiveFrom : order.valid_from;
    // Placed to begin after the decision's new last day: the change ends the decision before the order starts.
    if (effectiveFrom > change.validTo) continue;
    const outcome = await amendOrder(
      ctx,
      {
        orderId: order.order_id,
        effectiveFrom,
        validTo: change.validTo,
        careHoursPerMonth: change.careHoursPerMonth,
        serviceHoursPerMonth: change.serviceHoursPerMonth,
        level: change.level,
      },
      cause,
    );
    if (outcome.created) amended.push(order.order_id);
    events.push(...outcome.events);
  }
  return { result: amended, created: amended.length > 0, events };
}

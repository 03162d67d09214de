import { addDays, mayEndOrder } from '@kundval/domain';
import { audit, conflict, forbidden } from '@kundval/platform';
import { closeActiveChoice } from '../../store/choices.js';
import { grantedDecision } from '../../store/decisions.js';
import { orderRow, otherProviderOrderAfter, readOrder, updateOrder, type OrderRow, type OrderView } from '../../store/orders.js';
import { allowsSeveralProviders, isPlaceArea } from '../../store/providers.js';
import type { OrderEndReason } from '../../store/schema.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderScope } from '../scope.js';

export type EndOrder = { orderId: string; endDate: string; reason: OrderEndReason };

/**
 * Ends an order on a date: its last day becomes `endDate`. The same or a later day again changes
 * nothing; an earlier day moves the end earlier. Leaving one of several providers (`left`) ends that
 * provider's choice and never the customer's last provider; a move-out is only for a home.
 */
export async function endOrder(ctx: UseCaseContext, input: EndOrder): Promise<Outcome<OrderView>> {
  const { endDate, reason } = input;
  const seen = await orderRow(ctx.db, input.orderId, false, orderScope(ctx.principal));
  if (!mayEndOrder(ctx.principal.role, reason)) throw forbidden(`The role ${ctx.principal.role} may not end an order as ${reason}.`);
  // Leaving reads the decision's other orders: its lock, taken before the order's as in every
  // command, keeps two of the customer's providers from being left at once.
  if (reason === 'left') await grantedDecision(ctx.db, seen.decision_id, true);
  const order = await orderRow(ctx.db, input.orderId, true);
  if (order.status === 'refused') throw conflict('ORDERS.ORDER_REFUSED', 'A refused order was never in force.');
  if (reason === 'left' && !allowsSeveralProviders(order.area_id)) {
    throw conflict('ORDERS.REASON_NOT_FOR_AREA', `In ${order.area_id} the customer has one provider at a time: a provider is left by switching, or the decision ends.`, {
      field: 'body.reason',
    });
  }
  if (reason === 'moved-out' && !isPlaceArea(order.area_id)) {
    throw conflict('ORDERS.REASON_NOT_FOR_AREA', `${order.area_id} is not a home the customer lives in: nobody moves out of it.`, { field: 'body.reason' });
  }
  if (order.end_date !== null && endDate >= order.end_date) return { result: await readOrder(ctx.db, order.order_id, ctx.today), created: false, events: [] };
  // Like a switch, leaving never reaches back over days already delivered: tomorrow is the first day without the provider.
  if (reason === 'left' && endDate < ctx.today) {
    throw conflict('ORDERS.END_DATE_PAST', `A provider is left from tomorrow at the earliest: the last day is ${ctx.today} or later.`, { field: 'body.endDate' });
  }
  if (endDate < addDays(order.valid_from, -1) || endDate > order.valid_to) {
    throw conflict('ORDERS.END_DATE_OUTSIDE_ORDER', `The order is in force from ${order.valid_from} to ${order.valid_to}.`, { field: 'body.endDate' });
  }
  if (reason === 'left') await assertAnotherProviderStays(ctx, order, endDate);
  await updateOrder(ctx.db, order.order_id, { end_date: endDate, end_reason: reason, ended_at: ctx.now });
  // The provider left is no longer one of the customer's: a choice of it again is a new one.
  const endedChoice = reason === 'left' && order.choice_id !== null ? await closeActiveChoice(ctx.db, order.choice_id, 'ended') : false;
  await audit(ctx.db, ctx.actor, {
    action: 'order.ended',
    entity: 'order',
    entityId: order.order_id,
    before: { endDate: order.end_date, endReason: order.end_reason },
    after: { endDate, endReason: reason, ...(endedChoice ? { endedChoiceId: order.choice_id } : {}) },
    correlationId: ctx.correlationId,
  });
  return {
    result: await readOrder(ctx.db, order.order_id, ctx.today),
    created: false,
    events: [
      pendingEvent('orderEnded', { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, endDate, reason }),
    ],
  };
}

/**
 * Refuses to leave the customer's last provider: another provider's order of the decision must stay
 * in force after `endDate` (409 `ORDERS.LAST_PROVIDER`). Without one the customer switches, or the
 * case handler ends the decision.
 */
async function assertAnotherProviderStays(ctx: UseCaseContext, order: OrderRow, endDate: string): Promise<void> {
  if (await otherProviderOrderAfter(ctx.db, order, endDate)) return;
  throw conflict('ORDERS.LAST_PROVIDER', `No other provider's order stays in force after ${endDate}: switch provider instead, or the case handler ends the decision.`);
}

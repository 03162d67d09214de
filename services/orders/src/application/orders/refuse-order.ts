import { isAtCapacity } from '@kundval/domain';
import { audit, conflict } from '@kundval/platform';
import { closeActiveChoice } from '../../store/choices.js';
import { districtOf, orderRow, readOrder, updateOrder, type OrderRow, type OrderView } from '../../store/orders.js';
import { freePlaces, offerFreePlaces } from '../../store/places.js';
import { coversDistrict, customersHeld, isPlaceArea, lockedAuthorization, type AuthorizationRow } from '../../store/providers.js';
import type { RefusalReason } from '../../store/schema.js';
import { pendingEvent, type Outcome, type PendingEvent, type UseCaseContext } from '../context.js';
import { placesOffered } from '../events.js';
import { orderScope } from '../scope.js';

export type RefuseOrder = { orderId: string; reason: RefusalReason; explanation: string };

/**
 * The provider refuses a placed order, allowed only outside what it declared: at capacity or for a
 * customer outside its service area (else 409 `ORDERS.MUST_ACCEPT`). The refusal voids the choice
 * (the customer chooses again); in a home, the place held for the customer goes to the queue.
 */
export async function refuseOrder(ctx: UseCaseContext, input: RefuseOrder): Promise<Outcome<OrderView>> {
  const order = await orderRow(ctx.db, input.orderId, true, orderScope(ctx.principal));
  if (order.status === 'refused') throw conflict('ORDERS.ALREADY_REFUSED', 'The order is already refused.');
  if (order.status !== 'placed') throw conflict('ORDERS.ALREADY_ACCEPTED', 'An accepted order cannot be refused.');
  const authorization = await lockedAuthorization(ctx.db, order.provider_id, order.area_id);
  await assertRefusalTrue(ctx, order, authorization, input.reason);
  await updateOrder(ctx.db, order.order_id, { status: 'refused', refusal_reason: input.reason, refusal_explanation: input.explanation, refused_at: ctx.now });
  if (order.choice_id) await closeActiveChoice(ctx.db, order.choice_id, 'voided');
  let offered: PendingEvent[] = [];
  if (isPlaceArea(order.area_id)) {
    // The place held for this customer goes to the first in the home's queue.
    await freePlaces(ctx.db, order.provider_id, order.area_id, 1);
    offered = placesOffered(await offerFreePlaces(ctx, order.provider_id, order.area_id));
  }
  await audit(ctx.db, ctx.actor, {
    action: 'order.refused',
    entity: 'order',
    entityId: order.order_id,
    before: { status: 'placed' },
    after: { status: 'refused', reason: input.reason, explanation: input.explanation, voidedChoiceId: order.choice_id },
    correlationId: ctx.correlationId,
  });
  return {
    result: await readOrder(ctx.db, order.order_id, ctx.today),
    created: false,
    events: [
      ...offered,
      pendingEvent('orderRefused', {
        orderId: order.order_id,
        applicationId: order.application_id,
        customerId: order.customer_id,
        providerId: order.provider_id,
        reason: input.reason,
        explanation: input.explanation,
      }),
    ],
  };
}

/**
 * A provider may refuse an order only outside what it declared (DOMAIN.md §8): at capacity — the
 * customers it has accepted in the area other than this one, or for a nursing home the places
 * taken other than the one held for this customer — or for a customer outside its service area.
 */
async function assertRefusalTrue(ctx: UseCaseContext, order: OrderRow, authorization: AuthorizationRow, reason: RefusalReason): Promise<void> {
  if (reason === 'over-capacity') {
    const used = isPlaceArea(order.area_id)
      ? authorization.occupied_places - 1
      : await customersHeld(ctx.db, order.provider_id, order.area_id, ctx.today, { acceptedOnly: true, excludeOrderId: order.order_id });
    if (isAtCapacity(used, authorization.capacity_customers)) return;
    throw conflict('ORDERS.MUST_ACCEPT', `Within the declared capacity (${used} of ${authorization.capacity_customers} taken) the order must be accepted.`);
  }
  const district = await districtOf(ctx.db, order.decision_id);
  if (district !== null && !coversDistrict(authorization.service_area, district)) return;
  throw conflict(
    'ORDERS.MUST_ACCEPT',
    district === null
      ? "The customer's district is not known, so it is not outside the service area: the order must be accepted."
      : `District ${district} lies within the declared service area: the order must be accepted.`,
  );
}

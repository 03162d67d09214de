import { addDays } from '@kundval/domain';
import { audit, conflict } from '@kundval/platform';
import { orderRow, readOrder, updateOrder, type OrderView } from '../../store/orders.js';
import { carePlanDeadlineDays } from '../../store/providers.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderScope } from '../scope.js';

/**
 * The provider accepts a placed order (authorized providers must, within their capacity and service
 * area). The care plan is then due within the area's deadline from today.
 */
export async function acceptOrder(ctx: UseCaseContext, input: { orderId: string }): Promise<Outcome<OrderView>> {
  const order = await orderRow(ctx.db, input.orderId, true, orderScope(ctx.principal));
  if (order.status === 'refused') throw conflict('ORDERS.ORDER_REFUSED', 'The order was refused.');
  if (order.status !== 'placed') throw conflict('ORDERS.ALREADY_ACCEPTED', 'The order is already accepted.');
  const deadline = carePlanDeadlineDays(order.area_id);
  const dueBy = deadline === null ? null : addDays(ctx.today, deadline);
  await updateOrder(ctx.db, order.order_id, { status: 'accepted', accepted_at: ctx.now, care_plan_due_by: dueBy });
  await audit(ctx.db, ctx.actor, {
    action: 'order.accepted',
    entity: 'order',
    entityId: order.order_id,
    before: { status: 'placed' },
    after: { status: 'accepted' },
    correlationId: ctx.correlationId,
  });
  return {
    result: await readOrder(ctx.db, order.order_id, ctx.today),
    created: false,
    events: [pendingEvent('orderAccepted', { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id })],
  };
}

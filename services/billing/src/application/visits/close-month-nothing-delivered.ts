import { stockholmMonth, firstDayOfMonth, lastDayOfMonth } from '@kundval/domain';
import { audit, conflict } from '@kundval/platform';
import { deliveryUnitOf, orderEnd } from '../../areas.js';
import { lockOrderDeliveries } from '../../visits/record-visit.js';
import { deliveriesOfMonth, insertMonthApproval, monthApproval } from '../../store/months.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';

export type CloseMonthNothingDelivered = { orderId: string; month: string; reason: string };
export type ClosedMonth = {
  orderId: string;
  month: string;
  approvedVisits: number;
  disputedVisits: number;
  nothingDelivered: true;
  reason: string;
  closedBy: string;
  closedAt: string;
};

/**
 * A case handler closes an ended month of the order in which nothing was delivered: it is recorded
 * as approved with 0 visits and announced as `monthApproved` with `nothingDelivered`, so the journey
 * settles it at zero. Not for a nursing home (its occupancy settles it), a month not yet over in
 * Stockholm, one outside the order, one with deliveries reported, or one approved already.
 */
export async function closeMonthNothingDelivered(ctx: UseCaseContext, input: CloseMonthNothingDelivered): Promise<Outcome<ClosedMonth>> {
  const { month, reason } = input;
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  const unit = deliveryUnitOf(order.area_id);
  if (unit === 'occupancy-day') {
    throw conflict('BILLING.AREA_MISMATCH', `Order ${order.order_id} is in ${order.area_id}, paid by ${unit}: its months are settled by the occupancy, not approved.`);
  }
  const current = stockholmMonth(ctx.now);
  if (month >= current) throw conflict('BILLING.MONTH_NOT_OVER', `${month} is not over yet (it is ${current} in Stockholm); close it once it has ended.`, { field: 'params.month' });
  const lastDay = orderEnd(order);
  if (lastDayOfMonth(month) < order.valid_from || firstDayOfMonth(month) > lastDay) {
    throw conflict('BILLING.OUTSIDE_ORDER', `${month} is outside the order's validity ${order.valid_from}–${lastDay}.`, { field: 'params.month' });
  }
  await lockOrderDeliveries(ctx.db, order.order_id);
  const already = await monthApproval(ctx.db, order.order_id, month);
  if (already) throw conflict('BILLING.MONTH_APPROVED', already.nothing_delivered ? `${month} is closed as nothing delivered already.` : `${month} is already approved by the customer.`);
  const { visits, days, sessions } = await deliveriesOfMonth(ctx.db, order.order_id, month);
  if (visits.length + days.length + sessions.length > 0) {
    throw conflict(
      'BILLING.DELIVERIES_REPORTED',
      `${visits.length} visits, ${sessions.length} sessions and ${days.length} attendance days are reported for ${month}: the customer approves (or disputes) them instead.`,
    );
  }
  const row = await insertMonthApproval(ctx.db, {
    order_id: order.order_id,
    month,
    approved_by: ctx.principal.sub,
    approved_visits: 0,
    disputed_visits: 0,
    nothing_delivered: true,
    nothing_delivered_reason: reason,
  });
  await audit(ctx.db, ctx.principal, { action: 'month.closed-nothing-delivered', entity: 'order', entityId: order.order_id, after: { month, reason }, correlationId: ctx.correlationId });
  return {
    result: { orderId: order.order_id, month, approvedVisits: 0, disputedVisits: 0, nothingDelivered: true, reason, closedBy: ctx.principal.sub, closedAt: row.approved_at.toISOString() },
    created: true,
    events: [
      pendingEvent('monthApproved', {
        orderId: order.order_id,
        applicationId: order.application_id,
        customerId: order.customer_id,
        providerId: order.provider_id,
        month,
        approvedVisits: 0,
        disputedVisits: 0,
        nothingDelivered: true,
      }),
    ],
  };
}

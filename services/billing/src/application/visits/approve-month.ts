import { audit, conflict, invalid } from '@kundval/platform';
import { lockOrderDeliveries } from '../../visits/record-visit.js';
import { deliveriesOfMonth, insertMonthApproval, monthApproval, setDeliveryStatus } from '../../store/months.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';

export type ApproveMonth = { orderId: string; month: string; disputedVisitIds: readonly string[] };
export type MonthApproved = {
  orderId: string;
  month: string;
  approvedVisits: number;
  disputedVisits: number;
  approvedAttendanceDays?: number;
  approvedSessions?: number;
};

/**
 * The customer approves a month: every reported visit, session and attendance day of it is approved
 * except those listed as disputed, which wait for a case handler (DOMAIN.md §5, ADR 0019). A month
 * is approved once, and only with something delivered in it (else a case handler closes it).
 */
export async function approveMonth(ctx: UseCaseContext, input: ApproveMonth): Promise<Outcome<MonthApproved>> {
  const { month } = input;
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  await lockOrderDeliveries(ctx.db, order.order_id);
  if (await monthApproval(ctx.db, order.order_id, month)) throw conflict('BILLING.MONTH_APPROVED', `${month} is already approved.`);
  const { visits, days, sessions } = await deliveriesOfMonth(ctx.db, order.order_id, month);
  if (visits.length + days.length + sessions.length === 0) {
    // 409, not 422: the provider may still report, and a 422 is kept with the Idempotency-Key, so the
    // journey's approval of this month (one key per order and month) would be refused for good. The
    // journey's worker takes this code as final for the request all the same (ADR 0044).
    throw conflict('BILLING.NO_VISITS', `No visits, sessions or attendance days are reported for ${month}; a case handler closes a month without deliveries as nothing delivered.`);
  }
  const known = new Set([...visits, ...days, ...sessions]);
  const unknown = input.disputedVisitIds.find((id) => !known.has(id));
  if (unknown) throw invalid('BILLING.UNKNOWN_VISIT', `Visit ${unknown} is not a visit of this order in ${month}.`, { field: 'body.disputedVisitIds' });
  const disputed = new Set(input.disputedVisitIds);
  const approvedIds = [...known].filter((id) => !disputed.has(id));
  await setDeliveryStatus(ctx.db, order.order_id, approvedIds, 'approved');
  await setDeliveryStatus(ctx.db, order.order_id, [...disputed], 'disputed');
  const approvedVisits = known.size - disputed.size;
  // The person who approved, also when the journey carried their approval (ADR 0029); the worker is the audit row's agent.
  await insertMonthApproval(ctx.db, { order_id: order.order_id, month, approved_by: (ctx.principal.onBehalfOf ?? ctx.principal).sub, approved_visits: approvedVisits, disputed_visits: disputed.size });
  const counts = {
    ...(days.length > 0 ? { approvedAttendanceDays: days.filter((id) => !disputed.has(id)).length } : {}),
    ...(sessions.length > 0 ? { approvedSessions: sessions.filter((id) => !disputed.has(id)).length } : {}),
  };
  await audit(ctx.db, ctx.principal, { action: 'month.approved', entity: 'order', entityId: order.order_id, after: { month, approvedVisits, ...counts, disputed: [...disputed] }, correlationId: ctx.correlationId });
  return {
    result: { orderId: order.order_id, month, approvedVisits, disputedVisits: disputed.size, ...counts },
    created: true,
    events: [
      pendingEvent('monthApproved', {
        orderId: order.order_id,
        applicationId: order.application_id,
        customerId: order.customer_id,
        providerId: order.provider_id,
        month,
        approvedVisits,
        disputedVisits: disputed.size,
        nothingDelivered: false,
      }),
    ],
  };
}

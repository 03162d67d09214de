import { audit, conflict, invalid } from '@kundval/platform';
import { grantedDecision } from '../../store/decisions.js';
import { daysAgreedAlongside, hasCarePlan, insertCarePlan, orderRow, readOrder, type OrderView } from '../../store/orders.js';
import { isAttendanceArea } from '../../store/providers.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderScope } from '../scope.js';

export type RecordCarePlan = {
  orderId: string;
  agreedOn: string;
  summary: string;
  /** Areas paid per attendance day: the first day the customer attends. */
  startsOn?: string | undefined;
  /** Areas paid per attendance day: the days a week the customer attends this provider. */
  daysPerWeek?: number | undefined;
};

/**
 * Records the care plan (genomförandeplan) provider and customer agreed, on an accepted order. In
 * areas paid per attendance day it also fixes the first day (within the order) and the days a week;
 * the days agreed across the decision's orders in force may not exceed what the decision grants.
 */
export async function recordCarePlan(ctx: UseCaseContext, input: RecordCarePlan): Promise<Outcome<OrderView>> {
  const { startsOn, daysPerWeek } = input;
  const seen = await orderRow(ctx.db, input.orderId, false, orderScope(ctx.principal));
  // The days a week are counted over the decision's orders: its lock, taken before the order's as in
  // every command, keeps two providers' plans from taking the same last day at once.
  const decision = daysPerWeek === undefined ? undefined : await grantedDecision(ctx.db, seen.decision_id, true);
  const order = await orderRow(ctx.db, input.orderId, true);
  if ((startsOn !== undefined || daysPerWeek !== undefined) && !isAttendanceArea(order.area_id)) {
    throw invalid('ORDERS.NOT_AN_ATTENDANCE_AREA', `${order.area_id} is not paid per attendance day: its care plan has no start or days a week.`, {
      field: startsOn !== undefined ? 'body.startsOn' : 'body.daysPerWeek',
    });
  }
  if (order.status !== 'accepted') throw conflict('ORDERS.NOT_ACCEPTED', 'Accept the order before recording its care plan.');
  if (await hasCarePlan(ctx.db, order.order_id)) throw conflict('ORDERS.CARE_PLAN_EXISTS', 'A care plan is already agreed for this order.');
  const lastDayOfOrder = order.end_date ?? order.valid_to;
  if (startsOn !== undefined && (startsOn < order.valid_from || startsOn > lastDayOfOrder)) {
    throw conflict('ORDERS.STARTS_OUTSIDE_ORDER', `The order is in force from ${order.valid_from} to ${lastDayOfOrder}.`, { field: 'body.startsOn' });
  }
  if (decision && daysPerWeek !== undefined && decision.days_per_week !== null) {
    const agreed = await daysAgreedAlongside(ctx.db, order, startsOn ?? order.valid_from, lastDayOfOrder);
    if (agreed + daysPerWeek > decision.days_per_week) {
      throw conflict(
        'ORDERS.DAYS_EXCEED_DECISION',
        `The decision grants ${decision.days_per_week} days a week and ${agreed} are agreed with the customer's other providers: at most ${Math.max(decision.days_per_week - agreed, 0)} here.`,
        { field: 'body.daysPerWeek' },
      );
    }
  }
  const carePlanId = ctx.newId();
  await insertCarePlan(ctx.db, {
    care_plan_id: carePlanId,
    order_id: order.order_id,
    agreed_on: input.agreedOn,
    summary: input.summary,
    recorded_by: ctx.principal.sub,
    starts_on: startsOn ?? null,
    days_per_week: daysPerWeek ?? null,
  });
  const { orderId: _orderId, ...agreed } = input;
  await audit(ctx.db, ctx.actor, { action: 'care-plan.agreed', entity: 'order', entityId: order.order_id, after: agreed, correlationId: ctx.correlationId });
  return {
    result: await readOrder(ctx.db, order.order_id, ctx.today),
    created: true,
    events: [
      pendingEvent('carePlanAgreed', {
        orderId: order.order_id,
        applicationId: order.application_id,
        customerId: order.customer_id,
        providerId: order.provider_id,
        carePlanId,
        agreedOn: input.agreedOn,
      }),
    ],
  };
}

import { audit, conflict, invalid } from '@kundval/platform';
import { orderEnd } from '../../areas.js';
import { lockOrderDeliveries } from '../../visits/record-visit.js';
import { approvedMonthsOf, customerAttendanceOn, insertAttendanceDays } from '../../store/deliveries.js';
import { pendingEvent, type Outcome, type PendingEvent, type UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';
import { assertUnit } from './unit.js';

export type ReportAttendance = { orderId: string; days: readonly string[] };
export type AttendanceDay = { attendanceId: string; date: string; month: string; status: 'reported' | 'approved' | 'disputed' | 'rejected' };
export type AttendanceReported = { orderId: string; recorded: number; unchanged: number; days: AttendanceDay[] };

/**
 * The provider reports the days a customer attended a day activity (DOMAIN.md §5): each inside the
 * order's validity, not in an approved month, and not under another order of the customer; a day
 * reported again is recorded once. New days are announced as one `deliveryPeriodRecorded`.
 */
export async function reportAttendance(ctx: UseCaseContext, input: ReportAttendance): Promise<Outcome<AttendanceReported>> {
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  assertUnit(order, 'attendance-day');
  const lastDay = orderEnd(order);
  const wanted = [...new Set(input.days)].sort();
  const indexOf = (date: string) => input.days.indexOf(date);
  for (const date of wanted) {
    if (date < order.valid_from || date > lastDay) {
      throw invalid('BILLING.OUTSIDE_ORDER', `${date} is outside the order's validity ${order.valid_from}–${lastDay}.`, { field: `body.days.${indexOf(date)}` });
    }
  }
  const months = [...new Set(wanted.map((d) => d.slice(0, 7)))];
  await lockOrderDeliveries(ctx.db, order.order_id);
  const approvedMonths = await approvedMonthsOf(ctx.db, order.order_id, months);
  const existing = await customerAttendanceOn(ctx.db, order.customer_id, wanted);
  const byDate = new Map(existing.map((e) => [e.date, e]));
  const fresh: string[] = [];
  for (const date of wanted) {
    const seen = byDate.get(date);
    if (seen && seen.order_id !== order.order_id) {
      throw conflict('BILLING.ATTENDANCE_TAKEN', `The customer's attendance on ${date} is reported under another order.`, { field: `body.days.${indexOf(date)}` });
    }
    if (seen) continue;
    if (approvedMonths.has(date.slice(0, 7))) {
      throw conflict('BILLING.MONTH_APPROVED', `${date.slice(0, 7)} is already approved (or closed as nothing delivered); report a correction through the case handler.`, { field: `body.days.${indexOf(date)}` });
    }
    fresh.push(date);
  }
  const events: PendingEvent[] = [];
  if (fresh.length > 0) {
    const rows = await insertAttendanceDays(
      ctx.db,
      fresh.map((date) => ({ attendance_id: ctx.newId(), order_id: order.order_id, customer_id: order.customer_id, provider_id: order.provider_id, date, local_month: date.slice(0, 7), status: 'reported' as const })),
    );
    for (const r of rows) byDate.set(r.date, r);
    events.push(pendingEvent('deliveryPeriodRecorded', { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, kind: 'attendance', from: fresh[0]!, to: fresh[fresh.length - 1]! }));
    await audit(ctx.db, ctx.principal, { action: 'attendance.reported', entity: 'order', entityId: order.order_id, after: { days: fresh }, correlationId: ctx.correlationId });
  }
  return {
    created: true,
    events,
    result: {
      orderId: order.order_id,
      recorded: fresh.length,
      unchanged: wanted.length - fresh.length,
      days: wanted.map((date) => {
        const r = byDate.get(date)!;
        return { attendanceId: r.attendance_id, date: r.date, month: r.local_month, status: r.status };
      }),
    },
  };
}

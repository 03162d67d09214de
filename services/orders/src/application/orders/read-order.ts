import { notFound } from '@kundval/platform';
import { changesOf, type OrderChangeView } from '../../store/order-changes.js';
import { findOrder, remindersOf, type OrderView, type ReminderView } from '../../store/orders.js';
import type { QueryContext } from '../context.js';
import { orderScope } from '../scope.js';

export type OrderDetailView = OrderView & { reminders: ReminderView[]; changes: OrderChangeView[] };

/** One order with the reminders sent about it and its amendments; 404 when there is none or it lies outside the caller's scope. */
export async function readOrder(ctx: QueryContext, input: { orderId: string }): Promise<OrderDetailView> {
  const order = await findOrder(ctx.db, input.orderId, ctx.today, orderScope(ctx.principal, 'o'));
  if (!order) throw notFound('ORDERS.ORDER_NOT_FOUND', 'No such order.');
  return { ...order, reminders: await remindersOf(ctx.db, order.orderId), changes: await changesOf(ctx.db, order.orderId) };
}

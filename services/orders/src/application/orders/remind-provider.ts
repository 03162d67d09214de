import { audit } from '@kundval/platform';
import { findReminder, insertReminder, orderRow, toReminder, type ReminderView } from '../../store/orders.js';
import type { ReminderAbout } from '../../store/schema.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { orderScope } from '../scope.js';

export type RemindProvider = { orderId: string; about: ReminderAbout; key: string };

/** Records a reminder to the provider of an acceptance, care plan or approval that is due; once per (order, about, key). */
export async function remindProvider(ctx: UseCaseContext, input: RemindProvider): Promise<Outcome<ReminderView>> {
  const order = await orderRow(ctx.db, input.orderId, true, orderScope(ctx.principal));
  const { about, key } = input;
  const existing = await findReminder(ctx.db, { orderId: order.order_id, about, key });
  if (existing) return { result: toReminder(existing), created: false, events: [] };
  const reminder = { reminder_id: ctx.newId(), order_id: order.order_id, about, key, created_at: ctx.now };
  await insertReminder(ctx.db, reminder);
  await audit(ctx.db, ctx.actor, { action: 'order.reminded', entity: 'order', entityId: order.order_id, after: { about, key }, correlationId: ctx.correlationId });
  return { result: toReminder(reminder), created: true, events: [] };
}

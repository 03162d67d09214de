import { audit, conflict, invalid } from '@kundval/platform';
import { deliveriesOfMonth, disputeResolution, insertDisputeResolution, monthApproval, setDeliveryStatus } from '../../store/months.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';

export type ResolveDisputes = { orderId: string; month: string; approve: readonly string[]; reject: readonly string[] };
export type Resolution = { orderId: string; month: string; approvedVisits: number; rejectedVisits: number; resolvedAt: string };

/**
 * A case handler resolves the disputed deliveries of an approved month, each listed once under
 * `approve` (delivered: paid from now on) or `reject` (never paid). A month is resolved once, and
 * every disputed delivery must be listed.
 */
export async function resolveDisputes(ctx: UseCaseContext, input: ResolveDisputes): Promise<Outcome<Resolution>> {
  const { month, approve, reject } = input;
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  if (!(await monthApproval(ctx.db, order.order_id, month))) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}; nothing is disputed yet.`);
  if (await disputeResolution(ctx.db, order.order_id, month)) throw conflict('BILLING.DISPUTE_RESOLVED', `The disputes of ${month} were resolved already.`);
  const { visits, days, sessions } = await deliveriesOfMonth(ctx.db, order.order_id, month, 'disputed');
  const disputed = new Set([...visits, ...days, ...sessions]);
  if (disputed.size === 0) throw conflict('BILLING.NO_DISPUTE', `Nothing of ${month} is disputed.`);
  const seen = new Set<string>();
  for (const [list, name] of [[approve, 'approve'], [reject, 'reject']] as const) {
    for (const [i, id] of list.entries()) {
      if (!disputed.has(id)) throw invalid('BILLING.NOT_DISPUTED', `${id} is not a disputed delivery of this order in ${month}.`, { field: `body.${name}.${i}` });
      if (seen.has(id)) throw invalid('BILLING.RESOLVED_TWICE', `${id} is listed twice; approve or reject it once.`, { field: `body.${name}.${i}` });
      seen.add(id);
    }
  }
  const open = [...disputed].filter((id) => !seen.has(id));
  if (open.length > 0) {
    throw invalid('BILLING.DISPUTES_UNRESOLVED', `Resolve every disputed delivery of ${month}: ${open.length} are neither approved nor rejected (${open.slice(0, 5).join(', ')}).`, { field: 'body' });
  }
  await setDeliveryStatus(ctx.db, order.order_id, approve, 'approved');
  await setDeliveryStatus(ctx.db, order.order_id, reject, 'rejected');
  const row = await insertDisputeResolution(ctx.db, { order_id: order.order_id, month, resolved_by: ctx.principal.sub, approve, reject });
  const counts = { approvedVisits: approve.length, rejectedVisits: reject.length };
  await audit(ctx.db, ctx.principal, { action: 'disputes.resolved', entity: 'order', entityId: order.order_id, before: { month, disputed: [...disputed] }, after: { month, approve, reject }, correlationId: ctx.correlationId });
  return {
    result: { orderId: order.order_id, month, ...counts, resolvedAt: row.resolved_at.toISOString() },
    created: true,
    events: [pendingEvent('disputeResolved', { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, month, ...counts })],
  };
}

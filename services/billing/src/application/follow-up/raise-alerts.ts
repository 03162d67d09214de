import { audit } from '@kundval/platform';
import { deviationAlert, grantedDelivered, monthsEndingAt, type DeviationRule, type GrantedDeliveredRow } from '../../follow-up/granted-delivered.js';
import { alertsOfRuns, applicationOfOrder, insertAlert, loadOrderMonthFacts } from '../../store/follow-up.js';
import { pendingEvent, type Outcome, type PendingEvent, type UseCaseContext } from '../context.js';
import { toAlert } from './alert-view.js';

export type { DeviationRule };
export type AlertsRaised = { month: string; raised: ReturnType<typeof toAlert>[]; open: ReturnType<typeof toAlert>[] };

/**
 * Raises the month's alerts for case handlers (ADR 0036): an order whose delivered share of what was
 * ordered stayed outside the rule's band for its months running up to the month. The run's first
 * month is its cause, so asking again, or a month later while the run goes on, raises nothing new.
 * Each alert raised returns `followUpAlertRaised`, for decisions to make it a task (ADR 0040).
 */
export async function raiseAlerts(ctx: UseCaseContext, input: { month: string }, rule: DeviationRule): Promise<Outcome<AlertsRaised>> {
  const { month } = input;
  // A year back finds where a run began; rule.months alone would move the cause forward each month.
  const months = monthsEndingAt(month, Math.max(12, rule.months));
  const byOrder = new Map<string, GrantedDeliveredRow[]>();
  for (const row of (await loadOrderMonthFacts(ctx.db, months)).map(grantedDelivered)) byOrder.set(row.orderId, [...(byOrder.get(row.orderId) ?? []), row]);
  const found = [...byOrder.values()].filter((h) => h.at(-1)?.month === month).flatMap((h) => deviationAlert(gapless(h, months), rule) ?? []);
  const raised = [];
  const events: PendingEvent[] = [];
  for (const a of found) {
    const row = await insertAlert(ctx.db, { ...a, alertId: ctx.newId(), raisedMonth: month, raisedBy: ctx.principal.sub });
    if (!row) continue;
    raised.push(toAlert(row));
    const applicationId = await applicationOfOrder(ctx.db, a.orderId);
    events.push(
      pendingEvent('followUpAlertRaised', { alertId: row.alert_id, applicationId, orderId: a.orderId, customerId: a.customerId, providerId: a.providerId, areaId: a.areaId, kind: a.kind, firstMonth: a.firstMonth, month: a.month, shares: a.shares }),
    );
    await audit(ctx.db, ctx.principal, { action: 'follow-up.alert-raised', entity: 'order', entityId: a.orderId, after: { kind: a.kind, firstMonth: a.firstMonth, month, shares: a.shares }, correlationId: ctx.correlationId });
  }
  const open = await alertsOfRuns(ctx.db, found);
  return { result: { month, raised, open: open.map(toAlert) }, created: false, events };
}

/** Only the months that follow each other up to the last: a month the order was not in force breaks a run. */
function gapless(history: GrantedDeliveredRow[], months: readonly string[]): GrantedDeliveredRow[] {
  const out: GrantedDeliveredRow[] = [];
  for (let i = months.length - 1, j = history.length - 1; i >= 0 && j >= 0 && history[j]!.month === months[i]; i--, j--) out.unshift(history[j]!);
  return out;
}

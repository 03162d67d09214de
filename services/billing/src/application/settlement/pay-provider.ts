import { audit, conflict, invalid } from '@kundval/platform';
import { RateTableCache, deliveryUnitOf } from '../../areas.js';
import { openPeriod } from '../../periods.js';
import { emptyLedger, paymentDelta } from '../../pricing/lines.js';
import { decisionChangeFrom, loadPaidLedgers, lockProviderMonth, orderMonthNow, type PaymentBasis } from '../../payments/order-payments.js';
import { assertAmendmentHeld } from '../../pricing/order-terms.js';
import { rechargeFor, recordRecharges } from '../../payments/municipal-recharges.js';
import type { BillingDb } from '../../store/db.js';
import { areDisputesResolved, hasMovedIn, holdsOrderChange, insertProviderPayment, isMonthApproved } from '../../store/provider-payments.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';
import { findPayment, type PaymentView } from './views.js';

export type PayProvider = {
  orderId: string;
  month: string;
  basis: PaymentBasis;
  /** The amendment the caller made last: while billing does not hold it, nothing is paid (409). */
  expectedAmendment?: { effectiveFrom: string; validTo: string; level: number | null } | undefined;
};

/**
 * Pays the provider for an order's month what it is worth now less what earlier payments of it paid
 * (ADR 0011), once per order, month and basis (a repeat returns the payment, `created: false`). A
 * month now worth less is a credit (`providerCreditCreated`, ADR 0034); a payment for a customer
 * another municipality placed here is recharged to it in the same transaction (ADR 0014).
 */
export async function payProvider(ctx: UseCaseContext, input: PayProvider): Promise<Outcome<PaymentView>> {
  const { orderId, month, basis, expectedAmendment } = input;
  const existing = await findPayment(ctx.db, orderId, month, basis);
  if (existing) return { result: existing, created: false, events: [] };
  const order = await orderInScope(ctx.db, ctx.principal, orderId);
  await assertAmendmentHeld(ctx.db, order.order_id, expectedAmendment);
  await assertPayable(ctx.db, order.order_id, order.area_id, month, basis);
  await lockProviderMonth(ctx.db, order.provider_id, month);
  const now = await orderMonthNow(ctx.db, order, month, new RateTableCache(ctx.db));
  const ledgers = await loadPaidLedgers(ctx.db, order.provider_id, month);
  const orderPaid = ledgers.byOrder.get(order.order_id);
  const previouslyPaid = orderPaid?.totalOre ?? 0;
  const delta = paymentDelta(now, orderPaid ?? emptyLedger(), ledgers.provider);
  const periodMonth = await openPeriod(ctx.db, month);
  const paymentId = ctx.newId();
  const recharge = rechargeFor(order, { payment_id: paymentId, month, period_month: periodMonth, amount_ore: delta.amountOre });
  await insertProviderPayment(ctx.db, {
    payment_id: paymentId,
    order_id: orderId,
    provider_id: order.provider_id,
    month,
    basis,
    period_month: periodMonth,
    amount_ore: delta.amountOre,
    payable_ore: previouslyPaid + delta.amountOre,
    previously_paid_ore: previouslyPaid,
    unpriced_minutes: delta.unpricedMinutes,
    lines: JSON.stringify(delta.lines),
    unit_lines: JSON.stringify(delta.unitLines),
  });
  if (recharge) await recordRecharges(ctx.db, [recharge]);
  // A month now worth less than was paid is a credit, set against the provider's next payment batch (ADR 0034).
  const credit = delta.amountOre < 0;
  const event = credit
    ? pendingEvent('providerCreditCreated', { paymentId, applicationId: order.application_id, orderId, providerId: order.provider_id, month, amountOre: delta.amountOre, cause: basis })
    : pendingEvent('providerPaymentCreated', { paymentId, applicationId: order.application_id, orderId, providerId: order.provider_id, month, amountOre: delta.amountOre, unpricedMinutes: delta.unpricedMinutes });
  await audit(ctx.db, ctx.principal, {
    action: credit ? 'provider-credit.created' : 'provider-payment.created',
    entity: 'order',
    entityId: orderId,
    after: {
      month,
      basis,
      periodMonth,
      totalOre: delta.amountOre,
      previouslyPaidOre: previouslyPaid,
      lines: delta.lines,
      unitLines: delta.unitLines,
      excluded: now.excluded.length,
      ...(recharge ? { recharge: { rechargeId: recharge.recharge_id, decidingMunicipality: recharge.deciding_municipality, amountOre: recharge.amount_ore } } : {}),
    },
    correlationId: ctx.correlationId,
  });
  return { result: (await findPayment(ctx.db, orderId, month, basis))!, created: true, events: [event] };
}

/**
 * The basis must fit the order's area and its precondition must hold: approval (and attendance) after
 * the customer approved the month, dispute-resolution after a case handler resolved its disputes,
 * occupancy once the resident moved in, and a decision change once billing holds the amendment it
 * names (then as the area's own basis: a move-in, or the month's approval). A basis that cannot fit is
 * a 400; one that does not hold yet a 409.
 */
async function assertPayable(trx: BillingDb, orderId: string, areaId: string, month: string, basis: PaymentBasis): Promise<void> {
  const unit = deliveryUnitOf(areaId);
  const changedFrom = decisionChangeFrom(basis);
  // A decision changes what a day is worth only where days are paid by level; time is priced by band whatever the decision.
  const fits =
    changedFrom !== null ? unit !== 'minutes-by-band' : basis === 'occupancy' ? unit === 'occupancy-day' : basis === 'attendance' ? unit === 'attendance-day' : unit !== 'occupancy-day';
  if (!fits) throw invalid('BILLING.BASIS_NOT_FOR_AREA', `A ${basis} payment does not apply to an order of ${areaId} (${unit}).`, { field: 'body.basis' });
  if (changedFrom !== null) {
    if (!(await holdsOrderChange(trx, orderId, changedFrom))) {
      throw conflict('BILLING.ORDER_CHANGE_PENDING', `Billing holds no amendment of the order from ${changedFrom} yet; retry once its orderChanged event is consumed.`, { field: 'body.basis' });
    }
  }
  if (basis === 'occupancy' || (changedFrom !== null && unit === 'occupancy-day')) {
    if (!(await hasMovedIn(trx, orderId))) throw conflict('BILLING.NOT_MOVED_IN', 'The resident has not moved in: there is no occupancy to pay.');
    return;
  }
  if (!(await isMonthApproved(trx, orderId, month))) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}.`);
  if (basis === 'dispute-resolution') {
    if (!(await areDisputesResolved(trx, orderId, month))) throw conflict('BILLING.DISPUTE_NOT_RESOLVED', `The disputes of ${month} are not resolved yet.`);
  }
}

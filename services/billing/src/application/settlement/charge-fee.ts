import { audit, conflict } from '@kundval/platform';
import { openPeriod } from '../../periods.js';
import { computeFee, invoiceOcr, loadDeliveries } from '../../fees/fees.js';
import { lockCustomerMonth } from '../../payments/order-payments.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { findInvoice, type InvoiceView } from './views.js';

export type ChargeFee = { customerId: string; applicationId: string; month: string; basis: string };

/**
 * Charges the customer's fee for an approved month: the month's fee over every area with approved
 * deliveries under one maxtaxa (`computeFee`), less what earlier invoices of the month charged, in
 * the next open period when the month's payment run has gone to the bank. One invoice per customer,
 * month and basis: charging again returns it (`created: false`). A fee now lower than was charged is
 * refused (a credit note is made outside this flow).
 */
export async function chargeFee(ctx: UseCaseContext, input: ChargeFee, terms: { tariffOrePerHour: number }): Promise<Outcome<InvoiceView>> {
  const { customerId, applicationId, month, basis } = input;
  const existing = await findInvoice(ctx.db, customerId, month, basis);
  if (existing) return { result: existing, created: false, events: [] };
  const approvals = await ctx.db
    .selectFrom('month_approvals as m')
    .innerJoin('orders as o', 'o.order_id', 'm.order_id')
    .select('m.order_id')
    .where('o.customer_id', '=', customerId)
    .where('m.month', '=', month)
    .execute();
  if (approvals.length === 0) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}.`);
  await lockCustomerMonth(ctx.db, customerId, month);
  const deliveries = (await loadDeliveries(ctx.db, [customerId], month)).get(customerId);
  const feeBasis = await ctx.db.selectFrom('fee_bases').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
  const computed = computeFee(month, deliveries, feeBasis, terms.tariffOrePerHour);
  const previous = await ctx.db.selectFrom('fee_invoices').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('fee_ore'), eb.lit(0)).as('charged')).where('customer_id', '=', customerId).where('month', '=', month).executeTakeFirstOrThrow();
  const previouslyCharged = Number(previous.charged);
  const feeOre = computed.totalFeeOre - previouslyCharged;
  if (feeOre < 0) {
    throw conflict('BILLING.NEGATIVE_CORRECTION', `The fee of ${month} is now ${computed.totalFeeOre} öre, less than the ${previouslyCharged} öre already charged; a credit note is made outside this flow.`);
  }
  const periodMonth = await openPeriod(ctx.db, month);
  const invoiceId = ctx.newId();
  const inserted = await ctx.db
    .insertInto('fee_invoices')
    .values({
      invoice_id: invoiceId,
      customer_id: customerId,
      application_id: applicationId,
      month,
      basis,
      period_month: periodMonth,
      approved_minutes: computed.approvedMinutes,
      attendance_days: computed.attendanceDays,
      tariff_ore: computed.tariffOre,
      maxtaxa_ore: computed.fee.maxtaxaOre,
      fee_room_ore: computed.fee.feeRoomOre,
      fee_ore: feeOre,
      total_fee_ore: computed.totalFeeOre,
      previously_charged_ore: previouslyCharged,
      applied_cap: computed.fee.appliedCap,
      per_area: JSON.stringify(computed.perArea),
      ocr_reference: null,
    })
    .returning('invoice_number')
    .executeTakeFirstOrThrow();
  // The OCR reference is derived from the invoice number, which the database hands out; nothing to pay, no reference.
  const ocrReference = feeOre > 0 ? invoiceOcr(inserted.invoice_number) : null;
  if (ocrReference) await ctx.db.updateTable('fee_invoices').set({ ocr_reference: ocrReference }).where('invoice_id', '=', invoiceId).execute();
  await audit(ctx.db, ctx.principal, {
    action: 'fee.charged',
    entity: 'customer',
    entityId: customerId,
    after: { ...computed.fee, month, basis, periodMonth, feeOre, totalFeeOre: computed.totalFeeOre, previouslyChargedOre: previouslyCharged, ocrReference },
    correlationId: ctx.correlationId,
  });
  return {
    result: (await findInvoice(ctx.db, customerId, month, basis))!,
    created: true,
    events: [pendingEvent('feeCharged', { invoiceId, applicationId, customerId, month, feeOre, appliedCap: computed.fee.appliedCap, ocrReference: ocrReference ?? '' })],
  };
}

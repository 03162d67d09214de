import { stockholmDate } from '@kundval/domain';
import { audit, conflict } from '@kundval/platform';
import { openPeriod } from '../../periods.js';
import { computeFee, invoiceOcr, loadDeliveries } from '../../fees/fees.js';
import { creditCause, feeChargedEvents, recordFeeCredit, setOffOpenCredits } from '../../fees/fee-credits.js';
import { lockCustomerMonth } from '../../payments/order-payments.js';
import { chargedInMonth, customerApprovalsOfMonth, feeBasisOf, insertFeeInvoice, latestChargeOfMonth, setInvoiceOcr } from '../../store/fee-invoices.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { findInvoice, type InvoiceView } from './views.js';

export type ChargeFee = { customerId: string; applicationId: string; month: string; basis: string };

/**
 * Charges the customer's fee for an approved month: the month's fee over every area with approved
 * deliveries under one maxtaxa (`computeFee`), less what earlier invoices of the month charged, in
 * the next open period when the month's payment run has gone to the bank. One invoice per customer,
 * month and basis: charging again returns it (`created: false`). A fee now lower than was charged is
 * credited to the customer (ADR 0039): a credit note with its cause, set off against the customer's
 * next invoices; an invoice is announced by `feeCharged` v2, and by v1 when it is not a credit.
 */
export async function chargeFee(ctx: UseCaseContext, input: ChargeFee, terms: { tariffOrePerHour: number }): Promise<Outcome<InvoiceView>> {
  const { customerId, applicationId, month, basis } = input;
  const existing = await findInvoice(ctx.db, customerId, month, basis);
  if (existing) return { result: existing, created: false, events: [] };
  const approvals = await customerApprovalsOfMonth(ctx.db, customerId, month);
  if (approvals.length === 0) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}.`);
  await lockCustomerMonth(ctx.db, customerId, month);
  const deliveries = (await loadDeliveries(ctx.db, [customerId], month)).get(customerId);
  const feeBasis = await feeBasisOf(ctx.db, customerId);
  const computed = computeFee(month, deliveries, feeBasis, terms.tariffOrePerHour);
  const previouslyCharged = await chargedInMonth(ctx.db, customerId, month);
  const feeOre = computed.totalFeeOre - previouslyCharged;
  const prior = feeOre < 0 ? await latestChargeOfMonth(ctx.db, customerId, month) : undefined;
  const periodMonth = await openPeriod(ctx.db, month);
  const invoiceId = ctx.newId();
  const invoiceNumber = await insertFeeInvoice(ctx.db, {
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
  });
  const cause = feeOre < 0 ? creditCause(prior, computed) : null;
  if (cause) await recordFeeCredit(ctx.db, { invoiceId, customerId, month, creditOre: -feeOre, cause, today: stockholmDate(ctx.now) });
  const setOffOre = await setOffOpenCredits(ctx.db, { invoiceId, customerId, feeOre, periodMonth });
  // The OCR reference is derived from the invoice number, which the database hands out; nothing to pay, no reference.
  const ocrReference = feeOre - setOffOre > 0 ? invoiceOcr(invoiceNumber) : null;
  if (ocrReference) await setInvoiceOcr(ctx.db, invoiceId, ocrReference);
  await audit(ctx.db, ctx.principal, {
    action: feeOre < 0 ? 'fee.credited' : 'fee.charged',
    entity: 'customer',
    entityId: customerId,
    after: { ...computed.fee, month, basis, periodMonth, feeOre, totalFeeOre: computed.totalFeeOre, previouslyChargedOre: previouslyCharged, ocrReference, setOffOre, cause },
    correlationId: ctx.correlationId,
  });
  return {
    result: (await findInvoice(ctx.db, customerId, month, basis))!,
    created: true,
    events: feeChargedEvents({ invoiceId, applicationId, customerId, month, feeOre, appliedCap: computed.fee.appliedCap, ocrReference, setOffOre, cause }),
  };
}

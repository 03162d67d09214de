import type { Selectable } from 'kysely';
import type { BillingDb } from '../../store/db.js';
import type { BillingTables } from '../../store/schema.js';
import { findInvoiceRow } from '../../store/fee-invoices.js';
import { findPaymentRow } from '../../store/provider-payments.js';

// The bases a payment names (besides a decision change's `decision-change:<date>`).
export { PAYMENT_BASES } from '../../payments/order-payments.js';

/** A fee invoice as the API shows it (the route's `FeeInvoice` schema). */
export type InvoiceView = {
  invoiceId: string;
  customerId: string;
  month: string;
  approvedMinutes: number;
  tariffOre: number;
  maxtaxaOre: number;
  feeRoomOre: number | null;
  feeOre: number;
  setOffOre: number;
  toPayOre: number;
  cause: 'fee-room-lowered' | 'fewer-deliveries' | 'tariff-lowered' | null;
  appliedCap: 'tariff' | 'maxtaxa' | 'fee-room';
  ocrReference: string | null;
  invoiceNumber: number;
  applicationId: string;
  basis: string;
  periodMonth: string;
  totalFeeOre: number;
  previouslyChargedOre: number;
  attendanceDays: number;
  perArea: { areaId: string; tariffOre: number; feeOre: number }[];
  createdAt: string;
};

/** A provider payment (or credit) as the API shows it (the route's `ProviderPayment` schema). */
export type PaymentView = {
  paymentId: string;
  orderId: string;
  providerId: string;
  month: string;
  amountOre: number;
  unpricedMinutes: number;
  lines: { kind: string; band: string; orePerHour: number | null; minutes: number; amountOre: number }[];
  basis: string;
  periodMonth: string;
  payableOre: number;
  previouslyPaidOre: number;
  unitLines: { areaId: string; level: string; orePerUnit: number; units: number; amountOre: number }[];
  createdAt: string;
};

export async function findInvoice(db: BillingDb, customerId: string, month: string, basis: string) {
  const row = await findInvoiceRow(db, customerId, month, basis);
  return row ? toInvoice(row) : undefined;
}

export async function findPayment(db: BillingDb, orderId: string, month: string, basis: string) {
  const row = await findPaymentRow(db, orderId, month, basis);
  return row ? toPayment(row) : undefined;
}

export function toInvoice(r: Selectable<BillingTables['fee_invoices']>): InvoiceView {
  return {
    invoiceId: r.invoice_id,
    customerId: r.customer_id,
    month: r.month,
    approvedMinutes: r.approved_minutes,
    tariffOre: r.tariff_ore,
    maxtaxaOre: r.maxtaxa_ore,
    feeRoomOre: r.fee_room_ore,
    feeOre: r.fee_ore,
    setOffOre: r.set_off_ore,
    toPayOre: Math.max(0, r.fee_ore - r.set_off_ore),
    cause: r.cause,
    appliedCap: r.applied_cap,
    ocrReference: r.ocr_reference,
    invoiceNumber: r.invoice_number,
    applicationId: r.application_id,
    basis: r.basis,
    periodMonth: r.period_month,
    totalFeeOre: r.total_fee_ore,
    previouslyChargedOre: r.previously_charged_ore,
    attendanceDays: r.attendance_days,
    perArea: r.per_area,
    createdAt: r.created_at.toISOString(),
  };
}

export function toPayment(r: Selectable<BillingTables['provider_payments']>): PaymentView {
  return {
    paymentId: r.payment_id,
    orderId: r.order_id,
    providerId: r.provider_id,
    month: r.month,
    amountOre: r.amount_ore,
    unpricedMinutes: r.unpriced_minutes,
    lines: r.lines as PaymentView['lines'],
    basis: r.basis,
    periodMonth: r.period_month,
    payableOre: r.payable_ore,
    previouslyPaidOre: r.previously_paid_ore,
    unitLines: r.unit_lines as PaymentView['unitLines'],
    createdAt: r.created_at.toISOString(),
  };
}

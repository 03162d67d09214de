import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { isValidOcrReference } from '@kundval/domain';
import type { BillingDb } from '../store/db.js';
import { openPeriod } from '../periods.js';
import type { IncomingPaymentFile } from './incoming-file.js';
import { findProviderInvoiceByOcr, paidOnProviderInvoice } from '../payments/provider-invoices.js';

/**
 * Customers' payments of fee invoices, from the bank's files (ADR 0021). A payment is matched to
 * the fee invoice whose OCR reference it carries — exactly, after removing spaces — and settles it;
 * what it pays beyond the invoice's amount is a credit to return to the customer. A payment
 * without a reference, with one that is no OCR number or is no invoice's, and every deduction, is
 * kept unmatched for finance to resolve (`GET /incoming-payments?status=unmatched`).
 */

export type InvoiceStatus = 'unpaid' | 'part-paid' | 'paid' | 'overpaid';
export type UnmatchedReason = 'no-reference' | 'invalid-reference' | 'unknown-reference' | 'deduction';

/** An invoice of `feeOre` after payments of `paidOre`: what is left to pay and what was paid too much. */
export function invoiceSettlement(feeOre: number, paidOre: number): { status: InvoiceStatus; balanceOre: number; surplusOre: number } {
  const balanceOre = Math.max(0, feeOre - paidOre);
  const surplusOre = Math.max(0, paidOre - feeOre);
  const status: InvoiceStatus = paidOre === 0 ? 'unpaid' : paidOre < feeOre ? 'part-paid' : paidOre === feeOre ? 'paid' : 'overpaid';
  return { status, balanceOre, surplusOre };
}

/** How a payment of `amountOre` splits on an invoice already paid `paidBeforeOre`: applied to the invoice, and credited back. */
export function splitPayment(feeOre: number, paidBeforeOre: number, amountOre: number): { appliedOre: number; creditOre: number } {
  const creditOre = invoiceSettlement(feeOre, paidBeforeOre + amountOre).surplusOre - invoiceSettlement(feeOre, paidBeforeOre).surplusOre;
  return { appliedOre: amountOre - creditOre, creditOre };
}

export type ImportedPayment = {
  paymentId: string | null;
  position: string;
  reference: string | null;
  amountOre: number;
  paymentDate: string;
  status: 'matched' | 'unmatched' | 'already-imported';
  unmatchedReason: UnmatchedReason | null;
  invoiceId: string | null;
  invoiceNumber: number | null;
  appliedOre: number;
  creditOre: number;
  invoiceStatus: InvoiceStatus | null;
  invoiceBalanceOre: number | null;
};

export async function importIncomingPayments(trx: BillingDb, file: IncomingPaymentFile, importedBy: string) {
  const known = await trx.selectFrom('incoming_payment_files').select('file_id').where('format', '=', file.format).where('file_reference', '=', file.fileReference).executeTakeFirst();
  if (known) return { duplicate: true as const, fileId: known.file_id, payments: await filePayments(trx, known.file_id) };
  const fileId = randomUUID();
  await trx.insertInto('incoming_payment_files').values({ file_id: fileId, format: file.format, file_reference: file.fileReference, imported_by: importedBy }).execute();
  const periods = new Map<string, string>();
  const payments: ImportedPayment[] = [];
  for (const [seq, p] of file.payments.entries()) {
    if (p.bankReference !== null) {
      const seen = await trx.selectFrom('incoming_payments').select('payment_id').where('format', '=', file.format).where('bank_reference', '=', p.bankReference).executeTakeFirst();
      if (seen) {
        payments.push({ paymentId: seen.payment_id, position: p.position, reference: p.reference, amountOre: p.amountOre, paymentDate: p.paymentDate, status: 'already-imported', unmatchedReason: null, invoiceId: null, invoiceNumber: null, appliedOre: 0, creditOre: 0, invoiceStatus: null, invoiceBalanceOre: null });
        continue;
      }
    }
    const month = p.paymentDate.slice(0, 7);
    const period = periods.get(month) ?? (await openPeriod(trx, month));
    periods.set(month, period);
    const match = await matchInvoice(trx, p.kind, p.reference);
    const paymentId = randomUUID();
    const base = {
      payment_id: paymentId,
      file_id: fileId,
      seq,
      position: p.position,
      kind: p.kind,
      format: file.format,
      bank_reference: p.bankReference,
      reference: p.reference,
      amount_ore: p.amountOre,
      payment_date: p.paymentDate,
      payer_name: p.payerName,
      information: p.information,
      period_month: period,
    };
    // Not a fee invoice's: perhaps a provider paying back its credits (ADR 0039).
    const owed = !('invoice' in match) && match.reason === 'unknown-reference' ? await findProviderInvoiceByOcr(trx, p.reference!) : undefined;
    if (owed) {
      const paidBefore = await paidOnProviderInvoice(trx, owed.invoice_id);
      const { appliedOre, creditOre } = splitPayment(owed.amount_ore, paidBefore, p.amountOre);
      await trx.insertInto('incoming_payments').values({ ...base, status: 'matched', unmatched_reason: null, invoice_id: null, provider_invoice_id: owed.invoice_id, applied_ore: appliedOre, credit_ore: creditOre }).execute();
      const after = invoiceSettlement(owed.amount_ore, paidBefore + p.amountOre);
      payments.push({ paymentId, position: p.position, reference: p.reference, amountOre: p.amountOre, paymentDate: p.paymentDate, status: 'matched', unmatchedReason: null, invoiceId: owed.invoice_id, invoiceNumber: owed.invoice_number, appliedOre, creditOre, invoiceStatus: after.status, invoiceBalanceOre: after.balanceOre });
      continue;
    }
    if (!('invoice' in match)) {
      await trx.insertInto('incoming_payments').values({ ...base, status: 'unmatched', unmatched_reason: match.reason, invoice_id: null, applied_ore: 0, credit_ore: 0 }).execute();
      payments.push({ paymentId, position: p.position, reference: p.reference, amountOre: p.amountOre, paymentDate: p.paymentDate, status: 'unmatched', unmatchedReason: match.reason, invoiceId: null, invoiceNumber: null, appliedOre: 0, creditOre: 0, invoiceStatus: null, invoiceBalanceOre: null });
      continue;
    }
    const { invoice } = match;
    const paidBefore = await paidOn(trx, invoice.invoice_id);
    const { appliedOre, creditOre } = splitPayment(invoice.fee_ore, paidBefore, p.amountOre);
    await trx.insertInto('incoming_payments').values({ ...base, status: 'matched', unmatched_reason: null, invoice_id: invoice.invoice_id, applied_ore: appliedOre, credit_ore: creditOre }).execute();
    if (creditOre > 0) {
      await trx.insertInto('customer_credits').values({ credit_id: randomUUID(), customer_id: invoice.customer_id, invoice_id: invoice.invoice_id, incoming_payment_id: paymentId, amount_ore: creditOre, status: 'to-return' }).execute();
    }
    const after = invoiceSettlement(invoice.fee_ore, paidBefore + p.amountOre);
    payments.push({ paymentId, position: p.position, reference: p.reference, amountOre: p.amountOre, paymentDate: p.paymentDate, status: 'matched', unmatchedReason: null, invoiceId: invoice.invoice_id, invoiceNumber: Number(invoice.invoice_number), appliedOre, creditOre, invoiceStatus: after.status, invoiceBalanceOre: after.balanceOre });
  }
  return { duplicate: false as const, fileId, payments };
}

type MatchedInvoice = { invoice_id: string; invoice_number: number; customer_id: string; fee_ore: number };

async function matchInvoice(trx: BillingDb, kind: 'payment' | 'deduction', reference: string | null): Promise<{ invoice: MatchedInvoice } | { reason: UnmatchedReason }> {
  if (kind === 'deduction') return { reason: 'deduction' };
  if (reference === null) return { reason: 'no-reference' };
  if (!/^\d+$/.test(reference) || !isValidOcrReference(reference)) return { reason: 'invalid-reference' };
  const invoice = await trx
    .selectFrom('fee_invoices')
    // What the customer owes by the OCR: the fee less what their fee credits settled (ADR 0039).
    .select(['invoice_id', 'invoice_number', 'customer_id', sql<number>`fee_ore - set_off_ore`.as('fee_ore')])
    .where('ocr_reference', '=', reference)
    // Two imports paying one invoice at once are serialised here, so the surplus is counted once.
    .forUpdate()
    .executeTakeFirst();
  return invoice ? { invoice: { ...invoice, invoice_number: Number(invoice.invoice_number), fee_ore: Number(invoice.fee_ore) } } : { reason: 'unknown-reference' };
}

async function paidOn(trx: BillingDb, invoiceId: string): Promise<number> {
  const row = await trx.selectFrom('incoming_payments').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_ore'), eb.lit(0)).as('paid')).where('invoice_id', '=', invoiceId).where('status', '=', 'matched').executeTakeFirstOrThrow();
  return Number(row.paid);
}

/** The payments a file brought, as its import answered them (for a repeated import). */
async function filePayments(db: BillingDb, fileId: string): Promise<ImportedPayment[]> {
  const rows = await db
    .selectFrom('incoming_payments as p')
    .leftJoin('fee_invoices as f', 'f.invoice_id', 'p.invoice_id')
    .select(['p.payment_id', 'p.position', 'p.reference', 'p.amount_ore', 'p.payment_date', 'p.status', 'p.unmatched_reason', 'p.invoice_id', 'f.invoice_number', 'p.applied_ore', 'p.credit_ore'])
    .where('p.file_id', '=', fileId)
    .orderBy('p.seq')
    .execute();
  return rows.map((r) => ({
    paymentId: r.payment_id,
    position: r.position,
    reference: r.reference,
    amountOre: Number(r.amount_ore),
    paymentDate: r.payment_date,
    status: r.status,
    unmatchedReason: r.unmatched_reason as UnmatchedReason | null,
    invoiceId: r.invoice_id,
    invoiceNumber: r.invoice_number === null ? null : Number(r.invoice_number),
    appliedOre: Number(r.applied_ore),
    creditOre: Number(r.credit_ore),
    invoiceStatus: null,
    invoiceBalanceOre: null,
  }));
}

/** Incoming payments for finance's list, newest first. */
export async function listIncomingPayments(db: BillingDb, filter: { status?: 'matched' | 'unmatched'; limit: number }) {
  let q = db
    .selectFrom('incoming_payments as p')
    .innerJoin('incoming_payment_files as f', 'f.file_id', 'p.file_id')
    .leftJoin('fee_invoices as i', 'i.invoice_id', 'p.invoice_id')
    .select(['p.payment_id', 'p.format', 'f.file_reference', 'p.position', 'p.kind', 'p.bank_reference', 'p.reference', 'p.amount_ore', 'p.payment_date', 'p.payer_name', 'p.information', 'p.status', 'p.unmatched_reason', 'p.invoice_id', 'i.invoice_number', 'p.applied_ore', 'p.credit_ore', 'p.period_month'])
    .orderBy('p.payment_date', 'desc')
    .orderBy('p.created_at', 'desc')
    .orderBy('p.seq')
    .limit(filter.limit);
  if (filter.status) q = q.where('p.status', '=', filter.status);
  const rows = await q.execute();
  return rows.map((r) => ({
    paymentId: r.payment_id,
    format: r.format,
    fileReference: r.file_reference,
    position: r.position,
    kind: r.kind,
    bankReference: r.bank_reference,
    reference: r.reference,
    amountOre: Number(r.amount_ore),
    paymentDate: r.payment_date,
    payerName: r.payer_name,
    information: r.information,
    status: r.status,
    unmatchedReason: r.unmatched_reason,
    invoiceId: r.invoice_id,
    invoiceNumber: r.invoice_number === null ? null : Number(r.invoice_number),
    appliedOre: Number(r.applied_ore),
    creditOre: Number(r.credit_ore),
    periodMonth: r.period_month,
  }));
}

/** Overpayments to return to customers, oldest first. */
export async function listCustomerCredits(db: BillingDb) {
  const rows = await db
    .selectFrom('customer_credits as c')
    .innerJoin('fee_invoices as i', 'i.invoice_id', 'c.invoice_id')
    .innerJoin('incoming_payments as p', 'p.payment_id', 'c.incoming_payment_id')
    .select(['c.credit_id', 'c.customer_id', 'c.invoice_id', 'i.invoice_number', 'c.incoming_payment_id', 'p.payment_date', 'c.amount_ore', 'c.status'])
    .orderBy('p.payment_date')
    .orderBy('c.created_at')
    .orderBy('c.credit_id')
    .execute();
  return rows.map((r) => ({
    creditId: r.credit_id,
    customerId: r.customer_id,
    invoiceId: r.invoice_id,
    invoiceNumber: Number(r.invoice_number),
    paymentId: r.incoming_payment_id,
    paymentDate: r.payment_date,
    amountOre: Number(r.amount_ore),
    status: r.status,
  }));
}

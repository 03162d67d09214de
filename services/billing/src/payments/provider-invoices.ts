import { randomUUID } from 'node:crypto';
import { createOcrReference } from '@kundval/domain';
import type { BillingDb } from '../store/db.js';
import { stockholmDate } from '@kundval/domain';
import { openPeriod } from '../periods.js';
import { addDays } from '../fees/fee-credits.js';

/**
 * Invoicing a provider back (ADR 0039): a credit against a provider (ADR 0034) waits to be set off
 * against the provider's next payment; when none has come `PROVIDER_CREDIT_INVOICE_DAYS` after the
 * oldest, and no payment to the provider is waiting for a batch, the platform invoices the provider
 * for all its credits not yet set off. The invoice carries an OCR reference; the provider's payment
 * is matched by the existing camt.054/BgMax import.
 */

/** A provider invoice's OCR: `8` and its number in seven digits, with length and check digits, apart from fee invoices' (their number). */
export function providerInvoiceOcr(invoiceNumber: number): string {
  return createOcrReference(`8${String(invoiceNumber).padStart(7, '0')}`);
}

export type IssuedProviderInvoice = { invoiceId: string | null; invoiceNumber: number | null; providerId: string; amountOre: number; ocrReference: string | null; dueDate: string; credits: { paymentId: string; orderId: string; month: string; amountOre: number }[] };

/** Credits not set off in a batch nor invoiced yet, per provider. */
async function outstandingCredits(trx: BillingDb) {
  return trx
    .selectFrom('provider_payments as p')
    .select(['p.payment_id', 'p.order_id', 'p.provider_id', 'p.month', 'p.amount_ore', 'p.created_at'])
    .where('p.amount_ore', '<', 0)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('payment_batch_items as i').select('i.payment_id').whereRef('i.payment_id', '=', 'p.payment_id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('provider_invoice_items as x').select('x.payment_id').whereRef('x.payment_id', '=', 'p.payment_id'))))
    .orderBy('p.provider_id')
    .orderBy('p.created_at')
    .orderBy('p.payment_id')
    .forUpdate()
    .execute();
}

/** Providers with a payment waiting for a batch: their credits will be set off there. */
async function providersWithPaymentComing(trx: BillingDb): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('provider_payments as p')
    .select('p.provider_id')
    .distinct()
    .where('p.amount_ore', '>', 0)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('payment_batch_items as i').select('i.payment_id').whereRef('i.payment_id', '=', 'p.payment_id'))))
    .execute();
  return new Set(rows.map((r) => r.provider_id));
}

export async function invoiceProviderCredits(
  trx: BillingDb,
  args: { asOf: string; afterDays: number; paymentTermDays: number; issuedBy: string; dryRun: boolean },
): Promise<IssuedProviderInvoice[]> {
  const lastCreditDay = addDays(args.asOf, -args.afterDays);
  const coming = await providersWithPaymentComing(trx);
  const byProvider = new Map<string, Awaited<ReturnType<typeof outstandingCredits>>>();
  for (const c of await outstandingCredits(trx)) byProvider.set(c.provider_id, [...(byProvider.get(c.provider_id) ?? []), c]);
  const dueDate = addDays(args.asOf, args.paymentTermDays);
  const issued: IssuedProviderInvoice[] = [];
  const period = args.dryRun ? null : await openPeriod(trx, args.asOf.slice(0, 7));
  for (const [providerId, credits] of byProvider) {
    // The oldest credit must have waited long enough, and no payment may be coming to set them off.
    if (coming.has(providerId) || stockholmDate(credits[0]!.created_at) > lastCreditDay) continue;
    const amountOre = -credits.reduce((s, c) => s + Number(c.amount_ore), 0);
    const lines = credits.map((c) => ({ paymentId: c.payment_id, orderId: c.order_id, month: c.month, amountOre: Number(c.amount_ore) }));
    if (args.dryRun) {
      issued.push({ invoiceId: null, invoiceNumber: null, providerId, amountOre, ocrReference: null, dueDate, credits: lines });
      continue;
    }
    const invoiceId = randomUUID();
    // The OCR is made from the number the database hands out: insert, then set it.
    const { invoice_number } = await trx
      .insertInto('provider_invoices')
      .values({ invoice_id: invoiceId, provider_id: providerId, amount_ore: amountOre, ocr_reference: `pending-${invoiceId}`, issued_on: args.asOf, due_date: dueDate, period_month: period!, issued_by: args.issuedBy })
      .returning('invoice_number')
      .executeTakeFirstOrThrow();
    const ocrReference = providerInvoiceOcr(invoice_number);
    await trx.updateTable('provider_invoices').set({ ocr_reference: ocrReference }).where('invoice_id', '=', invoiceId).execute();
    await trx.insertInto('provider_invoice_items').values(credits.map((c) => ({ payment_id: c.payment_id, invoice_id: invoiceId, amount_ore: Number(c.amount_ore) }))).execute();
    issued.push({ invoiceId, invoiceNumber: invoice_number, providerId, amountOre, ocrReference, dueDate, credits: lines });
  }
  return issued;
}

/** The provider invoice carrying this OCR reference, locked: its payments are serialised on it. */
export async function findProviderInvoiceByOcr(trx: BillingDb, reference: string) {
  return trx.selectFrom('provider_invoices').select(['invoice_id', 'invoice_number', 'provider_id', 'amount_ore']).where('ocr_reference', '=', reference).forUpdate().executeTakeFirst();
}

/** What the provider has paid on the invoice so far. */
export async function paidOnProviderInvoice(trx: BillingDb, invoiceId: string): Promise<number> {
  const row = await trx.selectFrom('incoming_payments').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_ore'), eb.lit(0)).as('paid')).where('provider_invoice_id', '=', invoiceId).executeTakeFirstOrThrow();
  return Number(row.paid);
}

/** Provider invoices with what was paid on them, newest first. */
export async function listProviderInvoices(db: BillingDb, q: { providerId?: string | undefined }) {
  let query = db
    .selectFrom('provider_invoices as v')
    .select((eb) => [
      'v.invoice_id',
      'v.invoice_number',
      'v.provider_id',
      'v.amount_ore',
      'v.ocr_reference',
      'v.issued_on',
      'v.due_date',
      'v.period_month',
      eb.fn.coalesce(eb.selectFrom('incoming_payments as p').select((s) => s.fn.sum<number>('p.amount_ore').as('x')).whereRef('p.provider_invoice_id', '=', 'v.invoice_id'), eb.lit(0)).as('paid_ore'),
    ]);
  if (q.providerId) query = query.where('v.provider_id', '=', q.providerId);
  const rows = await query.orderBy('v.invoice_number', 'desc').execute();
  return rows.map((r) => {
    const amountOre = r.amount_ore;
    const paidOre = Number(r.paid_ore);
    return {
      invoiceId: r.invoice_id,
      invoiceNumber: r.invoice_number,
      providerId: r.provider_id,
      amountOre,
      ocrReference: r.ocr_reference,
      issuedOn: r.issued_on,
      dueDate: r.due_date,
      periodMonth: r.period_month,
      paidOre,
      balanceOre: Math.max(0, amountOre - paidOre),
      status: paidOre === 0 ? ('unpaid' as const) : paidOre < amountOre ? ('part-paid' as const) : paidOre === amountOre ? ('paid' as const) : ('overpaid' as const),
    };
  });
}

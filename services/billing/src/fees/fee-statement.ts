import type { BillingDb } from '../store/db.js';
import type { FeeCreditCause } from '../store/schema.js';
import { dateText } from './fee-credits.js';

export type FeeCreditView = {
  creditId: string;
  customerId: string;
  creditInvoiceNumber: number;
  month: string;
  cause: FeeCreditCause;
  amountOre: number;
  setOffOre: number;
  remainingOre: number;
  returnedOre: number;
  status: 'open' | 'set-off' | 'to-return';
  createdOn: string;
  returnDecidedOn: string | null;
};

function creditsQuery(db: BillingDb) {
  return db
    .selectFrom('fee_credits as c')
    .innerJoin('fee_invoices as i', 'i.invoice_id', 'c.credit_id')
    .select((eb) => [
      'c.credit_id',
      'c.customer_id',
      'i.invoice_number',
      'c.month',
      'c.cause',
      'c.amount_ore',
      'c.remaining_ore',
      'c.returned_ore',
      'c.status',
      'c.created_on',
      'c.return_decided_on',
      eb.fn.coalesce(eb.selectFrom('fee_credit_set_offs as s').select((s) => s.fn.sum<number>('s.amount_ore').as('x')).whereRef('s.credit_id', '=', 'c.credit_id'), eb.lit(0)).as('set_off_ore'),
    ]);
}

type CreditRow = Awaited<ReturnType<ReturnType<typeof creditsQuery>['execute']>>[number];

const toCredit = (r: CreditRow): FeeCreditView => ({
  creditId: r.credit_id,
  customerId: r.customer_id,
  creditInvoiceNumber: Number(r.invoice_number),
  month: r.month,
  cause: r.cause,
  amountOre: r.amount_ore,
  setOffOre: Number(r.set_off_ore),
  remainingOre: r.remaining_ore,
  returnedOre: r.returned_ore,
  status: r.status,
  createdOn: dateText(r.created_on),
  returnDecidedOn: r.return_decided_on === null ? null : dateText(r.return_decided_on),
});

/** Fee credits, oldest first, of one status or all. */
export async function listFeeCredits(db: BillingDb, q: { status?: FeeCreditView['status'] | undefined; limit: number }): Promise<FeeCreditView[]> {
  let query = creditsQuery(db);
  if (q.status) query = query.where('c.status', '=', q.status);
  return (await query.orderBy('c.created_at').orderBy('c.credit_id').limit(q.limit).execute()).map(toCredit);
}

/**
 * What a customer sees of their fees: every invoice in number order — a charge with what credits
 * settled of it and what the bank files matched to its OCR, or a credit note with its cause — and
 * their credits, with what is still owed either way.
 */
export async function customerFeeStatement(db: BillingDb, customerId: string) {
  const invoices = await db
    .selectFrom('fee_invoices as i')
    .select((eb) => [
      'i.invoice_id',
      'i.invoice_number',
      'i.month',
      'i.period_month',
      'i.fee_ore',
      'i.cause',
      'i.set_off_ore',
      'i.ocr_reference',
      eb.fn.coalesce(eb.selectFrom('incoming_payments as p').select((s) => s.fn.sum<number>('p.applied_ore').as('x')).whereRef('p.invoice_id', '=', 'i.invoice_id').where('p.status', '=', 'matched'), eb.lit(0)).as('paid_ore'),
    ])
    .where('i.customer_id', '=', customerId)
    .orderBy('i.invoice_number')
    .execute();
  const setOffs = await db
    .selectFrom('fee_credit_set_offs as s')
    .innerJoin('fee_invoices as c', 'c.invoice_id', 's.credit_id')
    .innerJoin('fee_invoices as i', 'i.invoice_id', 's.invoice_id')
    .select(['s.invoice_id', 's.amount_ore', 'c.invoice_number'])
    .where('i.customer_id', '=', customerId)
    .orderBy('c.invoice_number')
    .execute();
  const lines = invoices.map((i) => {
    const feeOre = Number(i.fee_ore);
    const toPayOre = Math.max(0, feeOre - i.set_off_ore);
    const paidOre = Number(i.paid_ore);
    return {
      invoiceId: i.invoice_id,
      invoiceNumber: Number(i.invoice_number),
      month: i.month,
      periodMonth: i.period_month,
      kind: feeOre < 0 ? ('credit-note' as const) : ('charge' as const),
      feeOre,
      cause: i.cause,
      setOffOre: i.set_off_ore,
      setOffs: setOffs.filter((s) => s.invoice_id === i.invoice_id).map((s) => ({ creditInvoiceNumber: Number(s.invoice_number), amountOre: s.amount_ore })),
      paidOre,
      toPayOre,
      balanceOre: Math.max(0, toPayOre - paidOre),
      ocrReference: i.ocr_reference,
    };
  });
  const credits = (await creditsQuery(db).where('c.customer_id', '=', customerId).orderBy('c.created_at').orderBy('c.credit_id').execute()).map(toCredit);
  return {
    customerId,
    lines,
    credits,
    openCreditOre: credits.reduce((s, c) => s + c.remainingOre, 0),
    toReturnOre: credits.reduce((s, c) => s + (c.status === 'to-return' ? c.returnedOre : 0), 0),
    balanceOre: lines.reduce((s, l) => s + l.balanceOre, 0),
  };
}

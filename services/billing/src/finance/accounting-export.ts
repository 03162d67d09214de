import type { BillingDb } from '../store/db.js';
import type { FinanceSettings } from './config.js';
import type { SieVoucher } from './sie.js';

/**
 * The period's vouchers for the ledger: one per provider payment (cost against accounts payable),
 * one per recharge of such a payment to the municipality that placed the customer here (receivable
 * from other municipalities against the voucher cost, ADR 0014) and one per customer fee invoice
 * (receivable against fee revenue) booked in `month` — the month's own and corrections of earlier
 * months booked after those were paid (ADR 0011) — dated the period's last day; and one per
 * customer payment booked in the period (bank against the receivable, a surplus against customer
 * credits, an unmatched payment against the suspense account; ADR 0021). Zero amounts make no
 * voucher: nothing happened.
 */
export async function monthVouchers(db: BillingDb, month: string, settings: FinanceSettings): Promise<SieVoucher[]> {
  const { accounts, sie } = settings;
  const date = lastDayOfMonth(month);
  const payments = await db
    .selectFrom('provider_payments')
    .select(['provider_id', 'order_id', 'amount_ore', 'month'])
    .where('period_month', '=', month)
    .where('amount_ore', '>', 0)
    .orderBy('provider_id')
    .orderBy('order_id')
    .execute();
  const recharges = await db
    .selectFrom('municipal_recharges')
    .select(['deciding_municipality', 'provider_id', 'order_id', 'amount_ore', 'month'])
    .where('period_month', '=', month)
    .where('amount_ore', '>', 0)
    .orderBy('deciding_municipality')
    .orderBy('provider_id')
    .orderBy('order_id')
    .orderBy('month')
    .orderBy('recharge_id')
    .execute();
  const invoices = await db
    .selectFrom('fee_invoices')
    .select(['invoice_number', 'ocr_reference', 'fee_ore', 'month'])
    .where('period_month', '=', month)
    .where('fee_ore', '>', 0)
    .orderBy('invoice_number')
    .execute();
  const received = await db
    .selectFrom('incoming_payments as p')
    .leftJoin('fee_invoices as i', 'i.invoice_id', 'p.invoice_id')
    .select(['p.payment_id', 'p.kind', 'p.payment_date', 'p.amount_ore', 'p.applied_ore', 'p.credit_ore', 'p.status', 'p.reference', 'p.bank_reference', 'i.invoice_number'])
    .where('p.period_month', '=', month)
    .where('p.amount_ore', '>', 0)
    .orderBy('p.payment_date')
    .orderBy('p.created_at')
    .orderBy('p.seq')
    .execute();
  return [
    ...payments.map((p) => ({
      series: sie.series,
      date,
      text: `Ersättning ${p.month} ${p.provider_id} order ${p.order_id}`,
      transactions: [
        { account: accounts.providerPayments, amountOre: p.amount_ore },
        { account: accounts.payable, amountOre: -p.amount_ore },
      ],
    })),
    ...recharges.map((r) => ({
      series: sie.series,
      date,
      text: `Interkommunal ersättning ${r.month} ${r.deciding_municipality} order ${r.order_id}`,
      transactions: [
        { account: accounts.rechargeReceivable, amountOre: r.amount_ore },
        { account: accounts.rechargeCredit, amountOre: -r.amount_ore },
      ],
    })),
    ...invoices.map((i) => ({
      series: sie.series,
      date,
      text: `Avgift ${i.month} faktura ${i.invoice_number}${i.ocr_reference ? ` OCR ${i.ocr_reference}` : ''}`,
      transactions: [
        { account: accounts.receivable, amountOre: i.fee_ore },
        { account: accounts.customerFees, amountOre: -i.fee_ore },
      ],
    })),
    // The receivables' settlement: the bank against the invoice's receivable, a surplus owed back to
    // the customer, an unmatched payment parked on the suspense account until finance resolves it.
    // A BgMax deduction (TK21) is money the deposit lacks: the bank less, the suspense account more.
    ...received.map((p) => ({
      series: sie.series,
      // The day the money came, when it is in the period; a payment booked in a later open period is dated its last day.
      date: p.payment_date.slice(0, 7) === month ? p.payment_date : date,
      text:
        p.kind === 'deduction'
          ? `Avdrag inbetalning${p.reference ? ` ref ${p.reference}` : ''}${p.bank_reference ? ` bankref ${p.bank_reference}` : ''}`
          : p.status === 'matched'
            ? `Inbetalning avgift faktura ${String(p.invoice_number)} OCR ${p.reference ?? ''}`.trim()
            : `Inbetalning ej matchad${p.reference ? ` ref ${p.reference}` : ''}${p.bank_reference ? ` bankref ${p.bank_reference}` : ''}`,
      transactions:
        p.kind === 'deduction'
          ? [
              { account: accounts.bank, amountOre: -p.amount_ore },
              { account: accounts.unmatchedPayments, amountOre: p.amount_ore },
            ]
          : [
              { account: accounts.bank, amountOre: p.amount_ore },
              ...(p.status === 'matched'
                ? [
                    ...(p.applied_ore > 0 ? [{ account: accounts.receivable, amountOre: -p.applied_ore }] : []),
                    ...(p.credit_ore > 0 ? [{ account: accounts.customerCredits, amountOre: -p.credit_ore }] : []),
                  ]
                : [{ account: accounts.unmatchedPayments, amountOre: -p.amount_ore }]),
            ],
    })),
  ];
}

/** `2024-02` → `2024-02-29`. */
export function lastDayOfMonth(month: string): string {
  const [year, mm] = month.split('-').map(Number) as [number, number];
  // Day 0 of the next month is the last day of this one; UTC keeps the time zone out of it.
  return new Date(Date.UTC(year, mm, 0)).toISOString().slice(0, 10);
}

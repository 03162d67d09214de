import { lastDayOfMonth } from '@kundval/domain';
import type { BillingDb } from '../store/db.js';
import type { FinanceSettings } from './config.js';
import type { SieVoucher } from './sie.js';
import { nettedFees } from '../payments/recharge-netting.js';

/** What a voucher records, so that it keeps its number across exports (ADR 0031). */
export type VoucherSource = { kind: 'payment' | 'recharge' | 'invoice' | 'incoming' | 'netting' | 'set-off' | 'provider-invoice'; id: string };
export type SourcedVoucher = SieVoucher & { source: VoucherSource };

/**
 * The period's vouchers for the ledger: one per provider payment (cost against accounts payable),
 * one per recharge of such a payment to the municipality that placed the customer here (receivable
 * from other municipalities against the voucher cost, ADR 0014) and one per customer fee invoice
 * (receivable against fee revenue) booked in `month` — the month's own and corrections of earlier
 * months booked after those were paid (ADR 0011) — dated the period's last day; one per fee invoice
 * of a customer another municipality placed here, setting the fee off against that municipality's
 * receivable (fee revenue against the recharge receivable, ADR 0036); and one per
 * customer payment booked in the period (bank against the receivable, a surplus against customer
 * credits, an unmatched payment against the suspense account; ADR 0021). Zero amounts make no
 * voucher: nothing happened.
 */
export async function monthVouchers(db: BillingDb, month: string, settings: FinanceSettings): Promise<SourcedVoucher[]> {
  const { accounts, sie } = settings;
  const date = lastDayOfMonth(month);
  const payments = await db
    .selectFrom('provider_payments')
    .select(['payment_id', 'provider_id', 'order_id', 'amount_ore', 'month'])
    .where('period_month', '=', month)
    // A credit (ADR 0034) is booked as a payment in reverse.
    .where('amount_ore', '<>', 0)
    .orderBy('provider_id')
    .orderBy('order_id')
    .execute();
  const recharges = await db
    .selectFrom('municipal_recharges')
    .select(['recharge_id', 'deciding_municipality', 'provider_id', 'order_id', 'amount_ore', 'month'])
    .where('period_month', '=', month)
    .where('amount_ore', '<>', 0)
    .orderBy('deciding_municipality')
    .orderBy('provider_id')
    .orderBy('order_id')
    .orderBy('month')
    .orderBy('recharge_id')
    .execute();
  const invoices = await db
    .selectFrom('fee_invoices')
    .select(['invoice_id', 'invoice_number', 'ocr_reference', 'fee_ore', 'month', 'cause'])
    .where('period_month', '=', month)
    // A credit note (ADR 0039) is booked too: fee revenue back, owed to the customer.
    .where('fee_ore', '<>', 0)
    .orderBy('invoice_number')
    .execute();
  const setOffs = await db
    .selectFrom('fee_credit_set_offs as s')
    .innerJoin('fee_invoices as c', 'c.invoice_id', 's.credit_id')
    .innerJoin('fee_invoices as i', 'i.invoice_id', 's.invoice_id')
    .select(['s.credit_id', 's.invoice_id', 's.amount_ore', 'c.invoice_number as credit_number', 'i.invoice_number'])
    .where('s.period_month', '=', month)
    .orderBy('i.invoice_number')
    .orderBy('c.invoice_number')
    .execute();
  const netted = await nettedFees(db, month);
  const providerInvoices = await db
    .selectFrom('provider_invoices')
    .select(['invoice_id', 'invoice_number', 'provider_id', 'amount_ore', 'ocr_reference'])
    .where('period_month', '=', month)
    .orderBy('invoice_number')
    .execute();
  const received = await db
    .selectFrom('incoming_payments as p')
    .leftJoin('fee_invoices as i', 'i.invoice_id', 'p.invoice_id')
    .leftJoin('provider_invoices as v', 'v.invoice_id', 'p.provider_invoice_id')
    .select(['p.payment_id', 'p.kind', 'p.payment_date', 'p.amount_ore', 'p.applied_ore', 'p.credit_ore', 'p.status', 'p.reference', 'p.bank_reference', 'i.invoice_number', 'v.invoice_number as provider_invoice_number'])
    .where('p.period_month', '=', month)
    .where('p.amount_ore', '>', 0)
    .orderBy('p.payment_date')
    .orderBy('p.created_at')
    .orderBy('p.seq')
    .execute();
  return [
    ...payments.map((p) => ({
      source: { kind: 'payment' as const, id: p.payment_id },
      series: sie.series,
      date,
      text: `${p.amount_ore < 0 ? 'Kreditering' : 'Ersättning'} ${p.month} ${p.provider_id} order ${p.order_id}`,
      transactions: [
        { account: accounts.providerPayments, amountOre: p.amount_ore },
        { account: accounts.payable, amountOre: -p.amount_ore },
      ],
    })),
    ...recharges.map((r) => ({
      source: { kind: 'recharge' as const, id: r.recharge_id },
      series: sie.series,
      date,
      text: `Interkommunal ersättning ${r.month} ${r.deciding_municipality} order ${r.order_id}`,
      transactions: [
        { account: accounts.rechargeReceivable, amountOre: r.amount_ore },
        { account: accounts.rechargeCredit, amountOre: -r.amount_ore },
      ],
    })),
    ...invoices.map((i) => ({
      source: { kind: 'invoice' as const, id: i.invoice_id },
      series: sie.series,
      date,
      text:
        i.fee_ore < 0
          ? `Kreditering avgift ${i.month} faktura ${i.invoice_number} (${CREDIT_CAUSE_TEXT[i.cause ?? 'tariff-lowered']})`
          : `Avgift ${i.month} faktura ${i.invoice_number}${i.ocr_reference ? ` OCR ${i.ocr_reference}` : ''}`,
      // A credit note takes the revenue back and owes it to the customer until set off or paid back (ADR 0039).
      transactions:
        i.fee_ore < 0
          ? [
              { account: accounts.customerFees, amountOre: -i.fee_ore },
              { account: accounts.customerCredits, amountOre: i.fee_ore },
            ]
          : [
              { account: accounts.receivable, amountOre: i.fee_ore },
              { account: accounts.customerFees, amountOre: -i.fee_ore },
            ],
    })),
    // A credit set off against a later invoice settles that much of its receivable.
    ...setOffs.map((o) => ({
      source: { kind: 'set-off' as const, id: `${o.credit_id}:${o.invoice_id}` },
      series: sie.series,
      date,
      text: `Kvittning kredit faktura ${o.credit_number} mot faktura ${o.invoice_number}`,
      transactions: [
        { account: accounts.customerCredits, amountOre: o.amount_ore },
        { account: accounts.receivable, amountOre: -o.amount_ore },
      ],
    })),
    // A placed customer's fee is the deciding municipality's: it is set off against what that
    // municipality owes for the voucher (ADR 0036), so the receivable on 1511 is the net to invoice.
    ...netted.map((f) => ({
      source: { kind: 'netting' as const, id: f.invoiceId },
      series: sie.series,
      date,
      text: `Kvittning avgift ${f.month} faktura ${f.invoiceNumber} mot ${f.decidingMunicipality}`,
      transactions: [
        { account: accounts.customerFees, amountOre: f.feeOre },
        { account: accounts.rechargeReceivable, amountOre: -f.feeOre },
      ],
    })),
    // A provider invoiced back for its credits (ADR 0039): what was owed on paper becomes a receivable.
    ...providerInvoices.map((v) => ({
      source: { kind: 'provider-invoice' as const, id: v.invoice_id },
      series: sie.series,
      date,
      text: `Faktura ${v.provider_id} krediteringar faktura ${v.invoice_number} OCR ${v.ocr_reference}`,
      transactions: [
        { account: accounts.receivable, amountOre: v.amount_ore },
        { account: accounts.payable, amountOre: -v.amount_ore },
      ],
    })),
    // The receivables' settlement: the bank against the invoice's receivable, a surplus owed back to
    // the customer, an unmatched payment parked on the suspense account until finance resolves it.
    // A BgMax deduction (TK21) is money the deposit lacks: the bank less, the suspense account more.
    ...received.map((p) => ({
      source: { kind: 'incoming' as const, id: p.payment_id },
      series: sie.series,
      // The day the money came, when it is in the period; a payment booked in a later open period is dated its last day.
      date: p.payment_date.slice(0, 7) === month ? p.payment_date : date,
      text:
        p.kind === 'deduction'
          ? `Avdrag inbetalning${p.reference ? ` ref ${p.reference}` : ''}${p.bank_reference ? ` bankref ${p.bank_reference}` : ''}`
          : p.status === 'matched' && p.provider_invoice_number !== null
            ? `Inbetalning leverantörsfaktura ${String(p.provider_invoice_number)} OCR ${p.reference ?? ''}`.trim()
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
                    // Paid beyond the invoice: owed back, to the customer or to the provider.
                    ...(p.credit_ore > 0 ? [{ account: p.provider_invoice_number !== null ? accounts.payable : accounts.customerCredits, amountOre: -p.credit_ore }] : []),
                  ]
                : [{ account: accounts.unmatchedPayments, amountOre: -p.amount_ore }]),
            ],
    })),
  ];
}

/** A credit note's cause, as the voucher text says it. */
const CREDIT_CAUSE_TEXT = { 'fee-room-lowered': 'lägre avgiftsutrymme', 'fewer-deliveries': 'färre utförda insatser', 'tariff-lowered': 'lägre taxa' } as const;

/**
 * Gives each voucher its number in the series: the one it was given at an earlier export, or the
 * next free ones, in the vouchers' order. The counter row is updated in place, so two exports at
 * once queue on it and never hand out a number twice. A voucher keeps its number whatever is
 * exported later, so a ledger that has imported it finds the same voucher again, not a new one.
 */
export async function numberVouchers(trx: BillingDb, series: string, vouchers: readonly SourcedVoucher[]): Promise<{ vouchers: SieVoucher[]; numbered: { first: number; last: number } | null }> {
  if (vouchers.length === 0) return { vouchers: [], numbered: null };
  const known = new Map<string, number>();
  const ids = (kind: VoucherSource['kind']) => vouchers.filter((v) => v.source.kind === kind).map((v) => v.source.id);
  for (const kind of ['payment', 'recharge', 'invoice', 'incoming', 'netting'] as const) {
    const wanted = ids(kind);
    if (wanted.length === 0) continue;
    const rows = await trx.selectFrom('sie_voucher_numbers').select(['source_id', 'number']).where('source', '=', kind).where('series', '=', series).where('source_id', 'in', wanted).execute();
    for (const r of rows) known.set(`${kind}|${r.source_id}`, r.number);
  }
  const fresh = vouchers.filter((v) => !known.has(`${v.source.kind}|${v.source.id}`));
  let numbered: { first: number; last: number } | null = null;
  if (fresh.length > 0) {
    const counter = await trx
      .insertInto('sie_series')
      .values({ series, last_number: fresh.length })
      .onConflict((oc) => oc.column('series').doUpdateSet((eb) => ({ last_number: eb('sie_series.last_number', '+', fresh.length) })))
      .returning('last_number')
      .executeTakeFirstOrThrow();
    const first = counter.last_number - fresh.length + 1;
    const rows = fresh.map((v, i) => ({ source: v.source.kind, source_id: v.source.id, series, number: first + i }));
    await trx.insertInto('sie_voucher_numbers').values(rows).execute();
    for (const r of rows) known.set(`${r.source}|${r.source_id}`, r.number);
    numbered = { first, last: counter.last_number };
  }
  return { vouchers: vouchers.map(({ source, ...v }) => ({ ...v, number: known.get(`${source.kind}|${source.id}`)! })), numbered };
}

/** The accounts the export books to, with the names the chart gives them, for #KONTO. */
export function chartAccounts(settings: FinanceSettings): { number: string; name: string }[] {
  const { accounts } = settings;
  const named: [string, string][] = [
    [accounts.bank, 'Bank'],
    [accounts.receivable, 'Kundfordringar avgifter'],
    [accounts.rechargeReceivable, 'Fordringar andra kommuner'],
    [accounts.customerCredits, 'Förskott från kunder'],
    [accounts.payable, 'Leverantörsskulder'],
    [accounts.unmatchedPayments, 'Oredovisade inbetalningar'],
    [accounts.customerFees, 'Avgifter kundval'],
    [accounts.providerPayments, 'Ersättning utförare kundval'],
    [accounts.rechargeCredit, 'Ersättning utförare kundval'],
  ];
  // One record per account: the recharge credit is the provider payments' account unless set apart.
  const byNumber = new Map<string, string>();
  for (const [number, name] of named) if (!byNumber.has(number)) byNumber.set(number, name);
  return [...byNumber].map(([number, name]) => ({ number, name })).sort((a, b) => a.number.localeCompare(b.number));
}

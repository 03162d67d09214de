import { sql } from 'kysely';
import type { BillingDb } from '../store/db.js';

/**
 * What a deciding municipality is invoiced for a period once its customers' fees are netted (ADR
 * 0036, amending ADR 0014): the fee a placed customer pays here is the deciding municipality's, so it
 * is set off against the voucher that municipality pays back. Per customer, service month and
 * deciding municipality, booked in the period: the recharge, the fee charged, and the net to invoice
 * (recharge less fee; negative when the fee was the larger, owed to the deciding municipality).
 */
export type NettingLine = { decidingMunicipality: string; customerId: string; month: string; rechargeOre: number; feeOre: number; netOre: number };
export type NettingTotal = { decidingMunicipality: string; rechargeOre: number; feeOre: number; netOre: number };

/** A fee invoice of a customer another municipality placed here, booked in the period: what the netting voucher sets off. */
export type NettedFee = { invoiceId: string; invoiceNumber: number; customerId: string; month: string; decidingMunicipality: string; feeOre: number };

/**
 * The period's fee invoices of customers placed here by another municipality. An invoice's
 * application names the orders, and so the decider; an application's orders share one decision.
 */
export async function nettedFees(db: BillingDb, periodMonth: string, municipality?: string): Promise<NettedFee[]> {
  let q = db
    .selectFrom('fee_invoices as f')
    .innerJoin(
      (eb) =>
        eb
          .selectFrom('orders')
          .select(['application_id', sql<string>`min(deciding_municipality)`.as('decider')])
          .where('deciding_municipality', 'is not', null)
          .whereRef('deciding_municipality', '<>', 'municipality')
          .groupBy('application_id')
          .as('o'),
      (join) => join.onRef('o.application_id', '=', 'f.application_id'),
    )
    .select(['f.invoice_id', 'f.invoice_number', 'f.customer_id', 'f.month', 'f.fee_ore', 'o.decider'])
    .where('f.period_month', '=', periodMonth)
    .where('f.fee_ore', '<>', 0);
  if (municipality !== undefined) q = q.where('o.decider', '=', municipality);
  const rows = await q.orderBy('o.decider').orderBy('f.invoice_number').execute();
  return rows.map((r) => ({ invoiceId: r.invoice_id, invoiceNumber: r.invoice_number, customerId: r.customer_id, month: r.month, decidingMunicipality: r.decider, feeOre: r.fee_ore }));
}

export async function rechargeNetting(db: BillingDb, periodMonth: string, municipality?: string): Promise<{ lines: NettingLine[]; totals: NettingTotal[] }> {
  let recharges = db
    .selectFrom('municipal_recharges')
    .select((eb) => ['deciding_municipality', 'customer_id', 'month', eb.fn.sum<number>('amount_ore').as('ore')])
    .where('period_month', '=', periodMonth)
    .groupBy(['deciding_municipality', 'customer_id', 'month']);
  if (municipality !== undefined) recharges = recharges.where('deciding_municipality', '=', municipality);
  const lines = new Map<string, NettingLine>();
  const line = (decidingMunicipality: string, customerId: string, month: string) => {
    const key = `${decidingMunicipality}|${customerId}|${month}`;
    const l = lines.get(key) ?? { decidingMunicipality, customerId, month, rechargeOre: 0, feeOre: 0, netOre: 0 };
    lines.set(key, l);
    return l;
  };
  for (const r of await recharges.execute()) line(r.deciding_municipality, r.customer_id, r.month).rechargeOre += Number(r.ore);
  for (const f of await nettedFees(db, periodMonth, municipality)) line(f.decidingMunicipality, f.customerId, f.month).feeOre += f.feeOre;
  const sorted = [...lines.values()]
    .map((l) => ({ ...l, netOre: l.rechargeOre - l.feeOre }))
    .sort((a, b) => a.decidingMunicipality.localeCompare(b.decidingMunicipality) || a.customerId.localeCompare(b.customerId) || a.month.localeCompare(b.month));
  const totals = new Map<string, NettingTotal>();
  for (const l of sorted) {
    const t = totals.get(l.decidingMunicipality) ?? { decidingMunicipality: l.decidingMunicipality, rechargeOre: 0, feeOre: 0, netOre: 0 };
    t.rechargeOre += l.rechargeOre;
    t.feeOre += l.feeOre;
    t.netOre += l.netOre;
    totals.set(l.decidingMunicipality, t);
  }
  return { lines: sorted, totals: [...totals.values()] };
}

import { rechargesOfPeriod } from '../../store/recharges.js';
import type { QueryContext } from '../context.js';

/**
 * What other municipalities owe back for the customers their decisions placed here (ADR 0014), by
 * the period the payments were booked in: each recharge, and the total per municipality.
 */
export async function municipalRecharges(ctx: QueryContext, input: { periodMonth: string; municipality?: string | undefined }) {
  const { periodMonth, municipality } = input;
  const rows = await rechargesOfPeriod(ctx.db, periodMonth, municipality);
  const totals = new Map<string, { decidingMunicipality: string; recharges: number; amountOre: number }>();
  for (const r of rows) {
    const total = totals.get(r.deciding_municipality) ?? { decidingMunicipality: r.deciding_municipality, recharges: 0, amountOre: 0 };
    total.recharges++;
    total.amountOre += r.amount_ore;
    totals.set(r.deciding_municipality, total);
  }
  return {
    periodMonth,
    recharges: rows.map((r) => ({
      rechargeId: r.recharge_id,
      paymentId: r.payment_id,
      orderId: r.order_id,
      customerId: r.customer_id,
      providerId: r.provider_id,
      month: r.month,
      periodMonth: r.period_month,
      decidingMunicipality: r.deciding_municipality,
      amountOre: r.amount_ore,
      createdAt: r.created_at.toISOString(),
    })),
    totals: [...totals.values()],
    totalOre: rows.reduce((s, r) => s + r.amount_ore, 0),
  };
}

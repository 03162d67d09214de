import { outstandingCreditRows } from '../../store/provider-credits.js';
import type { QueryContext } from '../context.js';

export type ProviderCredits = {
  providerId: string;
  outstandingOre: number;
  oldestAt: string | null;
  credits: Array<{ paymentId: string; orderId: string; month: string; periodMonth: string; amountOre: number; cause: string; createdAt: string }>;
};

/**
 * Credits against providers (ADR 0034) that no payment batch has set off and no provider invoice
 * has taken yet, grouped per provider, the provider with the oldest credit first.
 */
export async function outstandingCredits(ctx: QueryContext, input: { providerId?: string | undefined }): Promise<ProviderCredits[]> {
  const byProvider = new Map<string, ProviderCredits>();
  for (const r of await outstandingCreditRows(ctx.db, input.providerId)) {
    const group = byProvider.get(r.provider_id) ?? { providerId: r.provider_id, outstandingOre: 0, oldestAt: new Date(r.created_at).toISOString(), credits: [] };
    group.outstandingOre += Number(r.amount_ore);
    group.credits.push({
      paymentId: r.payment_id,
      orderId: r.order_id,
      month: r.month,
      periodMonth: r.period_month,
      amountOre: Number(r.amount_ore),
      cause: r.basis,
      createdAt: new Date(r.created_at).toISOString(),
    });
    byProvider.set(r.provider_id, group);
  }
  return [...byProvider.values()];
}

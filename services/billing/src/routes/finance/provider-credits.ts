import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { assertOwnerNamed } from '../../application/scope.js';

const Credit = z.object({
  paymentId: z.uuid(),
  orderId: z.uuid(),
  month: z.string().describe('The service month the credit corrects'),
  periodMonth: z.string().describe('The period it was booked in'),
  amountOre: z.number().int().negative(),
  cause: z.string().describe('Why the month is worth less: the basis, `decision-change:<YYYY-MM-DD>`'),
  createdAt: z.string(),
});
const ProviderCredits = z.object({
  providerId: z.string(),
  outstandingOre: z.number().int().describe('The sum of the credits not yet set against a payment batch (negative)'),
  oldestAt: z.string().nullable(),
  credits: z.array(Credit),
});

/**
 * Credits against providers (ADR 0034) that no payment batch has set off yet: what finance sees
 * before invoicing a provider back that has no payment coming (an order ended, a provider that left).
 */
export function providerCreditRoutes({ db }: Pick<BillingDeps, 'db'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/provider-credits',
      {
        config: { roles: ['finance', 'operator'] },
        schema: {
          summary: 'Credits against providers not yet set off, per provider, oldest first',
          tags: ['payments'],
          querystring: z.object({ providerId: z.string().min(1).max(100).optional() }),
          response: { 200: z.array(ProviderCredits), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (req) => outstandingCredits(db, req.query.providerId),
    );

    app.get(
      '/providers/:providerId/credits',
      {
        config: { roles: ['provider', 'finance', 'operator'] },
        schema: {
          summary: "The provider's credits not yet set off against a payment",
          tags: ['payments'],
          params: z.object({ providerId: z.string().min(1).max(100) }),
          response: { 200: ProviderCredits, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (req) => {
        assertOwnerNamed(req.principal, { providerId: req.params.providerId });
        const [found] = await outstandingCredits(db, req.params.providerId);
        return found ?? { providerId: req.params.providerId, outstandingOre: 0, oldestAt: null, credits: [] };
      },
    );
  };
}

/** Negative payments in no payment batch, grouped per provider, oldest provider first. */
async function outstandingCredits(db: BillingDeps['db'], providerId: string | undefined): Promise<z.infer<typeof ProviderCredits>[]> {
  let q = db
    .selectFrom('provider_payments as p')
    .select(['p.payment_id', 'p.order_id', 'p.provider_id', 'p.month', 'p.period_month', 'p.amount_ore', 'p.basis', 'p.created_at'])
    .where('p.amount_ore', '<', 0)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('payment_batch_items as i').select('i.payment_id').whereRef('i.payment_id', '=', 'p.payment_id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('provider_invoice_items as x').select('x.payment_id').whereRef('x.payment_id', '=', 'p.payment_id'))));
  if (providerId !== undefined) q = q.where('p.provider_id', '=', providerId);
  const rows = await q.orderBy('p.created_at').orderBy('p.payment_id').execute();
  const byProvider = new Map<string, z.infer<typeof ProviderCredits>>();
  for (const r of rows) {
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

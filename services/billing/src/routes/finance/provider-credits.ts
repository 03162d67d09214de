import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { queryContext } from '../use-case.js';
import { outstandingCredits } from '../../application/finance/outstanding-credits.js';
import { providerCredits } from '../../application/finance/provider-credits.js';

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
export function providerCreditRoutes(deps: Pick<BillingDeps, 'db' | 'clock'>): FastifyPluginAsyncZod {
  const queryOf = queryContext(deps);
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
      async (req) => outstandingCredits(queryOf(req), req.query),
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
      async (req) => providerCredits(queryOf(req), req.params),
    );
  };
}

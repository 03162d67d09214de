import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { municipalRecharges } from '../../application/statements/municipal-recharges.js';
import { rechargeNetting } from '../../application/statements/recharge-netting.js';
import { queryContext } from '../use-case.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;

const Recharge = z.object({
  rechargeId: z.uuid(),
  paymentId: z.uuid().describe('The provider payment this recharge mirrors, amount for amount'),
  orderId: z.uuid(),
  customerId: z.uuid(),
  providerId: z.string(),
  month: z.string().describe('The service month the payment is for'),
  periodMonth: z.string().describe("The period it is booked in: the payment's"),
  decidingMunicipality: z.string(),
  amountOre: z.number(),
  createdAt: z.string(),
});

const RechargePeriod = z.object({
  periodMonth: z.string(),
  recharges: z.array(Recharge).describe('By deciding municipality, provider, order, service month and time'),
  totals: z.array(z.object({ decidingMunicipality: z.string(), recharges: z.number(), amountOre: z.number() })).describe('Per deciding municipality: what to invoice it for the period'),
  totalOre: z.number(),
});

const Netting = z.object({
  periodMonth: z.string(),
  lines: z
    .array(z.object({ decidingMunicipality: z.string(), customerId: z.uuid(), month: z.string(), rechargeOre: z.number(), feeOre: z.number(), netOre: z.number() }))
    .describe('Per deciding municipality, customer and service month: the recharge, the fee the customer was charged here, and the net (recharge less fee)'),
  totals: z.array(z.object({ decidingMunicipality: z.string(), rechargeOre: z.number(), feeOre: z.number(), netOre: z.number() })).describe('Per deciding municipality: what to invoice it for the period'),
});

/** Recharges to municipalities whose decisions placed customers here (interkommunal ersättning, ADR 0014). */
export function rechargeRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const queryOf = queryContext(deps);
  return async (app) => {
    app.get(
      '/municipal-recharges',
      {
        config: { roles: ['finance', 'operator'] },
        schema: {
          summary: "The period's recharges to the municipalities that placed customers here",
          description:
            "Every provider payment of more than 0 for an order whose decision another municipality made is recharged to that municipality, the same amount in the same period (sv. interkommunal ersättning). Lists the recharges booked in `periodMonth` — the period's own payments and corrections of earlier months booked in it — with a total per deciding municipality, all in öre; `municipality` narrows it to one. They are also in the period's SIE export: a receivable from other municipalities against the voucher cost.",
          tags: ['accounting'],
          querystring: z.object({
            periodMonth: Month.describe('The period the recharges are booked in'),
            municipality: z.string().min(1).max(100).optional().describe('Only the recharges to this deciding municipality'),
          }),
          response: { 200: RechargePeriod, ...errors },
        },
      },
      async (req) => municipalRecharges(queryOf(req), req.query),
    );

    app.get(
      '/municipal-recharges/netting',
      {
        config: { roles: ['finance', 'operator'] },
        schema: {
          summary: "The period's recharges with the placed customers' own fees netted",
          description:
            "A customer another municipality placed here pays their fee here, and the fee is that municipality's: it is set off against the voucher recharged to it. Per deciding municipality, customer and service month, booked in `periodMonth`: the recharge, the customer's fee, and the net (recharge less fee; negative when the fee was the larger, owed to the deciding municipality), with totals per municipality — what to invoice each. The period's SIE export books the same set-off: fee revenue against the receivable from the other municipality (ADR 0036).",
          tags: ['accounting'],
          querystring: z.object({ periodMonth: Month, municipality: z.string().min(1).max(100).optional() }),
          response: { 200: Netting, ...errors },
        },
      },
      async (req) => rechargeNetting(queryOf(req), req.query),
    );
  };
}

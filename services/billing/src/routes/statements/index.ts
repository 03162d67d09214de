import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { assertOwnerNamed } from '../../application/scope.js';
import { RateTableCache } from '../../areas.js';
import { priceProviderMonth } from '../../billing-run/provider-month.js';
import { statementReference } from '../../finance/payment-batches.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;

export const ProviderStatement = z.object({
  providerId: z.string(),
  month: z.string(),
  providerKind: z.enum(['municipal', 'private']).nullable(),
  lines: z
    .array(z.object({ kind: z.enum(['care', 'service']), band: z.string(), orePerHour: z.number().nullable(), minutes: z.number(), amountOre: z.number() }))
    .describe("Approved minutes per (kind, band, rate) across all the provider's orders, each line rounded once (DOMAIN.md §2)"),
  unitLines: z.array(z.object({ areaId: z.string(), level: z.string(), orePerUnit: z.number(), units: z.number(), amountOre: z.number() })).describe('Attendance and occupied days per (area, level, rate)'),
  totalOre: z.number(),
  unpricedMinutes: z.number(),
  visitCount: z.number(),
  excluded: z.array(z.object({ deliveryId: z.string(), orderId: z.uuid(), reason: z.enum(['disputed', 'rejected', 'not-approved', 'outside-month']) })).describe('Deliveries not paid, and why'),
  refused: z.array(z.object({ orderId: z.uuid(), code: z.string(), message: z.string() })).describe('Orders that could not be priced (a rate table missing, say) and are left off'),
  paymentReference: z.string().describe("The OCR reference the month's payments carry to a Bankgiro or Plusgiro payee (in the text to an IBAN payee), for matching them to this statement"),
  paidOre: z.number().describe('What payments of the month have paid the provider so far'),
  outstandingOre: z.number().describe('The statement less what is paid'),
});

/** A provider's statement of a month, priced live from its approved deliveries. */
export function statementRoutes({ db }: BillingDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/providers/:providerId/statements/:month',
      {
        config: { roles: ['provider', 'finance', 'operator'] },
        schema: {
          summary: "A provider's statement of a month",
          description:
            "Every approved delivery of the month across the provider's orders: minutes per (kind, band, rate) rounded once per line, unit-area days per (area, level, rate), the disputed and rejected deliveries left out, and what has been paid. A provider sees only its own.",
          tags: ['payments'],
          params: z.object({ providerId: z.string().min(1).max(100), month: Month }),
          response: { 200: ProviderStatement, ...errors },
        },
      },
      async (req) => {
        const { providerId, month } = req.params;
        assertOwnerNamed(req.principal, { providerId });
        const known = await db.selectFrom('orders').select('order_id').where('provider_id', '=', providerId).limit(1).executeTakeFirst();
        if (!known) throw notFound('BILLING.PROVIDER_NOT_FOUND', 'Billing knows no order of this provider.');
        const statement = await priceProviderMonth(db, { providerId, month, tables: new RateTableCache(db) });
        const paid = await db
          .selectFrom('provider_payments')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_ore'), eb.lit(0)).as('ore'))
          .where('provider_id', '=', providerId)
          .where('month', '=', month)
          .executeTakeFirstOrThrow();
        const paidOre = Number(paid.ore);
        return {
          providerId,
          month,
          providerKind: statement.providerKind,
          lines: statement.lines,
          unitLines: statement.unitLines,
          totalOre: statement.totalOre,
          unpricedMinutes: statement.unpricedMinutes,
          visitCount: statement.visitCount,
          excluded: statement.excluded.map((e) => ({ deliveryId: e.id, orderId: e.orderId, reason: e.reason })),
          refused: statement.refused,
          paymentReference: statementReference(month),
          paidOre,
          outstandingOre: statement.totalOre - paidOre,
        };
      },
    );
  };
}

import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { providerStatement } from '../../application/statements/provider-statement.js';
import { queryContext } from '../use-case.js';

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
export function statementRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const queryOf = queryContext(deps);
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
      async (req) => providerStatement(queryOf(req), req.params),
    );
  };
}

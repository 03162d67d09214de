import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import { financeSettingsOf, type BillingDeps } from '../../deps.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { invoiceProviderCredits } from '../../application/finance/invoice-provider-credits.js';
import { listProviderInvoices } from '../../application/finance/list-provider-invoices.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const Issued = z.object({
  invoiceId: z.uuid().nullable().describe('Null in a dry run'),
  invoiceNumber: z.number().int().nullable(),
  providerId: z.string(),
  amountOre: z.number().int().positive().describe('What the provider owes: its credits not set off, summed'),
  ocrReference: z.string().nullable(),
  dueDate: z.string(),
  credits: z.array(z.object({ paymentId: z.uuid(), orderId: z.uuid(), month: z.string(), amountOre: z.number().int().negative() })),
});

const ProviderInvoice = z.object({
  invoiceId: z.uuid(),
  invoiceNumber: z.number().int(),
  providerId: z.string(),
  amountOre: z.number().int(),
  ocrReference: z.string(),
  issuedOn: z.string(),
  dueDate: z.string(),
  periodMonth: z.string(),
  paidOre: z.number().int().describe('What the bank files matched to its OCR'),
  balanceOre: z.number().int(),
  status: z.enum(['unpaid', 'part-paid', 'paid', 'overpaid']),
});

/** Invoicing providers back for credits no payment came to set off against (ADR 0039). */
export function providerInvoiceRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  const settings = financeSettingsOf(deps).providerInvoices;
  return async (app) => {
    app.post(
      '/provider-credits/invoices',
      {
        config: { roles: ['finance', 'system'] },
        schema: {
          summary: 'Invoice providers for credits no payment came to set off against',
          description: `A provider whose oldest credit not yet set off is PROVIDER_CREDIT_INVOICE_DAYS (${settings.afterDays}) old, and who has no payment waiting for a batch to set it off against, is invoiced for all its credits: an invoice with an OCR reference, due PROVIDER_INVOICE_PAYMENT_TERM_DAYS (${settings.paymentTermDays}) later, whose payment the camt.054 and BgMax imports match. The credits invoiced leave GET /provider-credits and are no longer set off in payment batches. \`dryRun\` lists without invoicing.`,
          tags: ['payments'],
          body: z.object({ asOf: z.iso.date().optional().describe('The day to judge by; today in Stockholm if left out'), dryRun: z.boolean().default(false) }).nullish(),
          response: { 200: z.object({ asOf: z.string(), dryRun: z.boolean(), invoices: z.array(Issued) }), ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => invoiceProviderCredits(ctx, { asOf: req.body?.asOf, dryRun: req.body?.dryRun ?? false }, settings)),
    );

    app.get(
      '/provider-invoices',
      {
        config: { roles: ['finance', 'operator'] },
        schema: { summary: 'Invoices to providers for their credits, newest first, with what was paid', tags: ['payments'], querystring: z.object({ providerId: z.string().min(1).max(100).optional() }), response: { 200: z.array(ProviderInvoice), ...errors } },
      },
      async (req) => listProviderInvoices(queryOf(req), req.query),
    );
  };
}

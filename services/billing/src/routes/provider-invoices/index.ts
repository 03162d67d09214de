import { z } from 'zod';
import { ErrorBody, audit, commandRunner, invalid, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { loadFinanceSettings } from '../../finance/config.js';
import { stockholmDate } from '@kundval/domain';
import { invoiceProviderCredits, listProviderInvoices } from '../../payments/provider-invoices.js';

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
export function providerInvoiceRoutes({ db, afterCommit, clock, finance }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
  const settings = (finance ?? loadFinanceSettings()).providerInvoices;
  const today = () => stockholmDate(clock?.() ?? new Date());
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
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const asOf = req.body?.asOf ?? today();
          if (asOf > today()) throw invalid('BILLING.INVOICE_DATE_FUTURE', `Provider invoices are judged by today (${today()}) or an earlier day, not ${asOf}.`, { field: 'body.asOf' });
          const dryRun = req.body?.dryRun ?? false;
          const invoices = await invoiceProviderCredits(trx, { asOf, afterDays: settings.afterDays, paymentTermDays: settings.paymentTermDays, issuedBy: req.principal.sub, dryRun });
          if (!dryRun) {
            for (const i of invoices) {
              await audit(trx, req.principal, { action: 'provider-invoice.issued', entity: 'provider', entityId: i.providerId, after: { invoiceId: i.invoiceId, invoiceNumber: i.invoiceNumber, amountOre: i.amountOre, ocrReference: i.ocrReference, credits: i.credits.map((c) => c.paymentId) }, correlationId: req.correlationId });
            }
          }
          return { status: 200, body: { asOf, dryRun, invoices } };
        }),
    );

    app.get(
      '/provider-invoices',
      {
        config: { roles: ['finance', 'operator'] },
        schema: { summary: 'Invoices to providers for their credits, newest first, with what was paid', tags: ['payments'], querystring: z.object({ providerId: z.string().min(1).max(100).optional() }), response: { 200: z.array(ProviderInvoice), ...errors } },
      },
      async (req) => listProviderInvoices(db, req.query),
    );
  };
}

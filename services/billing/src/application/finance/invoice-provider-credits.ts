import { stockholmDate } from '@kundval/domain';
import { audit, invalid } from '@kundval/platform';
import type { FinanceSettings } from '../../finance/config.js';
import { invoiceProviderCredits as issueInvoices, type IssuedProviderInvoice } from '../../payments/provider-invoices.js';
import type { Outcome, UseCaseContext } from '../context.js';

export type ProviderInvoicing = { asOf: string; dryRun: boolean; invoices: IssuedProviderInvoice[] };

/**
 * Finance invoices the providers whose credits no payment came to set off against (ADR 0039),
 * judged by `asOf` (today in Stockholm, or an earlier day); `dryRun` lists without invoicing.
 */
export async function invoiceProviderCredits(
  ctx: UseCaseContext,
  input: { asOf?: string | undefined; dryRun: boolean },
  rules: FinanceSettings['providerInvoices'],
): Promise<Outcome<ProviderInvoicing>> {
  const today = stockholmDate(ctx.now);
  const asOf = input.asOf ?? today;
  if (asOf > today) throw invalid('BILLING.INVOICE_DATE_FUTURE', `Provider invoices are judged by today (${today}) or an earlier day, not ${asOf}.`, { field: 'body.asOf' });
  const { dryRun } = input;
  const invoices = await issueInvoices(ctx.db, { asOf, afterDays: rules.afterDays, paymentTermDays: rules.paymentTermDays, issuedBy: ctx.principal.sub, dryRun });
  if (!dryRun) {
    for (const i of invoices) {
      await audit(ctx.db, ctx.principal, {
        action: 'provider-invoice.issued',
        entity: 'provider',
        entityId: i.providerId,
        after: { invoiceId: i.invoiceId, invoiceNumber: i.invoiceNumber, amountOre: i.amountOre, ocrReference: i.ocrReference, credits: i.credits.map((c) => c.paymentId) },
        correlationId: ctx.correlationId,
      });
    }
  }
  return { result: { asOf, dryRun, invoices }, created: false, events: [] };
}

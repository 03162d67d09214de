import { listProviderInvoices as providerInvoices } from '../../payments/provider-invoices.js';
import type { QueryContext } from '../context.js';

/** Invoices to providers for their credits, newest first, with what the bank files matched to each. */
export function listProviderInvoices(ctx: QueryContext, input: { providerId?: string | undefined }) {
  return providerInvoices(ctx.db, input);
}

import { notFound } from '@kundval/platform';
import { invoicesOfCustomer, invoicesOfMonth } from '../../store/fee-invoices.js';
import type { QueryContext } from '../context.js';
import { assertOwnerNamed, withinScope } from '../scope.js';
import { toInvoice, type InvoiceView } from './views.js';

/** A customer's fee invoices, by month and number; a citizen asks only for their own. */
export async function customerInvoices(ctx: QueryContext, input: { customerId: string }): Promise<InvoiceView[]> {
  assertOwnerNamed(ctx.principal, { customerId: input.customerId });
  return (await invoicesOfCustomer(ctx.db, input.customerId)).map(toInvoice);
}

/** One fee invoice; one outside the caller's scope (another citizen's) is not found, as an unknown id. */
export async function readInvoice(ctx: QueryContext, input: { invoiceId: string }): Promise<InvoiceView> {
  const row = await withinScope(ctx.db.selectFrom('fee_invoices'), ctx.principal, { customer: 'fee_invoices.customer_id' })
    .selectAll()
    .where('invoice_id', '=', input.invoiceId)
    .executeTakeFirst();
  if (!row) throw notFound('BILLING.INVOICE_NOT_FOUND', 'No such invoice.');
  return toInvoice(row);
}

export type InvoicePage = { invoices: InvoiceView[]; nextAfter: number | null };

/** The month's fee invoices for finance, by service month or by the period charged in, a page at a time in invoice-number order. */
export async function monthInvoices(ctx: QueryContext, input: { month: string; by: 'service' | 'period'; after?: number | undefined; limit: number }): Promise<InvoicePage> {
  const { month, by, after, limit } = input;
  // One more than the page: whether there is a next page.
  const rows = await invoicesOfMonth(ctx.db, { month, by, after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  return { invoices: page.map(toInvoice), nextAfter: rows.length > limit ? page[page.length - 1]!.invoice_number : null };
}

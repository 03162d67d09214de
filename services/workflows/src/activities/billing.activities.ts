import type { ServiceClient } from './service-client.js';

export type FeeInvoice = { invoiceId: string; feeOre: number; appliedCap: 'tariff' | 'maxtaxa' | 'fee-room'; ocrReference: string };
export type ProviderPayment = { paymentId: string; amountOre: number; unpricedMinutes: number };
/** Why a payment is made; `decision-change:<date>` pays the difference a changed level makes to a month already paid. */
export type PaymentBasis = 'approval' | 'dispute-resolution' | 'occupancy' | 'attendance' | `decision-change:${string}`;

/** The journey's commands to the billing service; each is idempotent per customer or order, month and basis. */
export function createBillingActivities(call: ServiceClient) {
  return {
    /** Charges what the customer now owes for the month across all areas, less what earlier invoices charged. */
    async chargeFee(input: { customerId: string; applicationId: string; month: string; basis?: string }): Promise<FeeInvoice> {
      return call<FeeInvoice>('POST', '/fees', input);
    },
    /**
     * Pays the provider what is now payable for the order's month, less what earlier payments paid.
     * `orderChangesSeen`: how many amendments of the order the journey has made; billing answers 409,
     * and the activity retries, until its copy of the order has them all, so no month is priced on old terms.
     */
    async payProvider(input: { orderId: string; month: string; basis?: PaymentBasis; orderChangesSeen?: number }): Promise<ProviderPayment> {
      return call<ProviderPayment>('POST', '/provider-payments', input);
    },
    /** Runs the month's billing for the whole municipality (idempotent per month at the service). */
    async runBillingMonth(input: { month: string }): Promise<unknown> {
      return call('POST', '/billing-runs', input, { timeoutMs: 2 * 3600_000 });
    },
    /** Records the customer's approval (the journey's approve-month update). */
    async approveMonth(input: { orderId: string; month: string; disputedVisitIds: string[] }): Promise<{ approvedVisits: number; disputedVisits: number }> {
      return call('POST', `/orders/${input.orderId}/months/${input.month}/approval`, { disputedVisitIds: input.disputedVisitIds });
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;

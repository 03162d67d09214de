import { refusedWith, type ServiceClient } from './service-client.js';

export type FeeInvoice = { invoiceId: string; feeOre: number; appliedCap: 'tariff' | 'maxtaxa' | 'fee-room'; ocrReference: string };
export type ProviderPayment = { paymentId: string; amountOre: number; unpricedMinutes: number };
/** Why a payment is made; `decision-change:<date>` pays the difference a changed level makes to a month already paid. */
/** An order's amendment as billing must hold it before pricing the order: its first day, last day and level. */
export type Amendment = { effectiveFrom: string; validTo: string; level: number | null };
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
     * `expectedAmendment`: the amendment of the order the journey made last; billing answers 409, and
     * the activity retries, until its copy of the order holds it, so no month is priced on old terms.
     */
    async payProvider(input: { orderId: string; month: string; basis?: PaymentBasis; expectedAmendment?: Amendment }): Promise<ProviderPayment> {
      return call<ProviderPayment>('POST', '/provider-payments', input);
    },
    /**
     * Pays what a changed decision adds to a month already paid (`decision-change:<date>`). Null when
     * the month is now worth less than was paid: billing does not reclaim, so the journey hands it to
     * the case handler instead of retrying a refusal that cannot change.
     */
    async correctPayment(input: { orderId: string; month: string; basis: `decision-change:${string}`; expectedAmendment: Amendment }): Promise<ProviderPayment | null> {
      try {
        return await call<ProviderPayment>('POST', '/provider-payments', input);
      } catch (err) {
        if (refusedWith(err, 'BILLING.NEGATIVE_CORRECTION')) return null;
        throw err;
      }
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

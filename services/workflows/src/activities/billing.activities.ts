import type { ServiceClient } from './service-client.js';

export type FeeInvoice = { invoiceId: string; feeOre: number; appliedCap: 'tariff' | 'maxtaxa' | 'fee-room'; ocrReference: string };
export type ProviderPayment = { paymentId: string; amountOre: number; unpricedMinutes: number };

/** The journey's commands to the billing service; each is idempotent per customer or order and month. */
export function createBillingActivities(call: ServiceClient) {
  return {
    async chargeFee(input: { customerId: string; applicationId: string; month: string }): Promise<FeeInvoice> {
      return call<FeeInvoice>('POST', '/fees', input);
    },
    async payProvider(input: { orderId: string; month: string }): Promise<ProviderPayment> {
      return call<ProviderPayment>('POST', '/provider-payments', input);
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;

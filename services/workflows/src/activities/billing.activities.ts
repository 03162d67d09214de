import {
  BillingRunAnswer,
  FeeInvoiceAnswer,
  MonthApprovalAnswer,
  ProviderPaymentAnswer,
  type Amendment as AmendmentShape,
  type PaymentBasis as PaymentBasisShape,
} from '@kundval/contracts';
import { refusedWith, type ServiceClient } from './service-client.js';

export type FeeInvoice = FeeInvoiceAnswer;
export type ProviderPayment = ProviderPaymentAnswer;
/** An order's amendment as billing must hold it before pricing the order: its first day, last day and level. */
export type Amendment = AmendmentShape;
/** Why a payment is made; `decision-change:<date>` pays the difference a changed level makes to a month already paid. */
export type PaymentBasis = PaymentBasisShape;

/** The journey's commands to the billing service; each is idempotent per customer or order, month and basis. */
export function createBillingActivities(call: ServiceClient) {
  return {
    /**
     * Charges what the customer now owes for the month across all areas, less what earlier invoices
     * charged; a negative `feeOre` is a credit note, set off against the customer's next invoice (ADR 0039).
     */
    async chargeFee(input: { customerId: string; applicationId: string; month: string; basis?: string }): Promise<FeeInvoice> {
      return call({ command: 'chargeFee', key: `${input.customerId}:${input.month}:${input.basis ?? 'approval'}`, method: 'POST', path: '/fees', body: input, answer: FeeInvoiceAnswer });
    },
    /**
     * Pays the provider what is now payable for the order's month, less what earlier payments paid.
     * `expectedAmendment`: the amendment of the order the journey made last; billing answers 409, and
     * the activity retries, until its copy of the order holds it, so no month is priced on old terms.
     */
    async payProvider(input: { orderId: string; month: string; basis?: PaymentBasis; expectedAmendment?: Amendment }): Promise<ProviderPayment> {
      return call({ command: 'payProvider', key: paymentKey(input), method: 'POST', path: '/provider-payments', body: input, answer: ProviderPaymentAnswer });
    },
    /**
     * Pays what a changed decision adds to a month already paid (`decision-change:<date>`), or credits
     * what it takes away (a negative `amountOre`: billing sets it against the provider's next payment
     * batch; ADR 0034). Null when billing refuses to credit (`BILLING.NEGATIVE_CORRECTION`, as billing
     * did before credits): the journey then hands the month to the case handler.
     */
    async correctPayment(input: { orderId: string; month: string; basis: `decision-change:${string}`; expectedAmendment: Amendment }): Promise<ProviderPayment | null> {
      try {
        return await call({ command: 'correctPayment', key: paymentKey(input), method: 'POST', path: '/provider-payments', body: input, answer: ProviderPaymentAnswer });
      } catch (err) {
        if (refusedWith(err, 'BILLING.NEGATIVE_CORRECTION')) return null;
        throw err;
      }
    },
    /** Runs the month's billing for the whole municipality (idempotent per month at the service). */
    async runBillingMonth(input: { month: string }): Promise<unknown> {
      return call({ command: 'runBillingMonth', key: input.month, method: 'POST', path: '/billing-runs', body: input, answer: BillingRunAnswer, timeoutMs: 2 * 3600_000 });
    },
    /** Records the customer's approval (the journey's approve-month update). */
    async approveMonth(input: { orderId: string; month: string; disputedVisitIds: string[] }): Promise<{ approvedVisits: number; disputedVisits: number }> {
      return call({
        command: 'approveMonth',
        key: `${input.orderId}:${input.month}`,
        method: 'POST',
        path: `/orders/${input.orderId}/months/${input.month}/approval`,
        body: { disputedVisitIds: input.disputedVisitIds },
        answer: MonthApprovalAnswer,
        // Nothing reported for the month: the customer has it at once rather than after the update's minute of retries (ADR 0044).
        finalCodes: ['BILLING.NO_VISITS'],
      });
    },
  };
}

/**
 * One payment per order, month and basis at billing. The amendment the journey expects is part of
 * the key too: asked with other terms, it is another request, and billing's own rule answers it.
 */
const paymentKey = (input: { orderId: string; month: string; basis?: string; expectedAmendment?: Amendment }) => {
  const a = input.expectedAmendment;
  return `${input.orderId}:${input.month}:${input.basis ?? 'approval'}${a ? `:${a.effectiveFrom}:${a.validTo}:${a.level ?? '-'}` : ''}`;
};

export type BillingActivities = ReturnType<typeof createBillingActivities>;

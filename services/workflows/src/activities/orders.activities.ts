import { refusedWith, type ServiceClient } from './service-client.js';

export type Choice = { choiceId: string; decisionId: string; providerId: string; chosenBy: 'customer' | 'default' };
export type OrderChange = { effectiveFrom: string; validTo: string; careHoursPerMonth: number; serviceHoursPerMonth: number; level: number | null };
export type Order = { orderId: string; decisionId: string; providerId: string; status: string; validFrom: string };

/** The journey's commands to the orders service; each is idempotent on the service side. */
export function createOrdersActivities(call: ServiceClient) {
  return {
    /** Assigns the area's default provider unless a choice exists; returns whichever choice stands. */
    async assignDefaultProvider(input: { decisionId: string }): Promise<Choice> {
      return call<Choice>('POST', `/decisions/${input.decisionId}/default-choice`);
    },
    /** Records the customer's choice on their behalf (the journey's choose-provider update). */
    async recordChoice(input: { decisionId: string; providerId: string }): Promise<Choice> {
      return call<Choice>('POST', `/decisions/${input.decisionId}/choice`, { providerId: input.providerId });
    },
    /**
     * Places the order with the choice in force from `effectiveFrom`; placing it again returns the same order.
     * `providerId` names which choice, where the area allows several providers at once.
     */
    async placeOrder(input: { decisionId: string; effectiveFrom?: string; providerId?: string }): Promise<Order> {
      return call<Order>('POST', '/orders', {
        decisionId: input.decisionId,
        ...(input.effectiveFrom ? { effectiveFrom: input.effectiveFrom } : {}),
        ...(input.providerId ? { providerId: input.providerId } : {}),
      });
    },
    /** Ends an order on its last day (a switch, a changed or ended decision, a resident's move-out). */
    async endOrder(input: { orderId: string; endDate: string; reason: 'switched' | 'decision-ended' | 'decision-changed' | 'moved-out' }): Promise<Order> {
      return call<Order>('POST', `/orders/${input.orderId}/end`, { endDate: input.endDate, reason: input.reason });
    },
    /**
     * Amends an order in force to the decision's changed terms from `effectiveFrom` (new hours or level,
     * a later or earlier last day); the same change again changes nothing. Orders answers 409, and the
     * activity retries, until its copy of the decision has the change too. Null: the order had ended.
     */
    async changeOrder(input: OrderChange & { orderId: string }): Promise<Order | null> {
      const { orderId, ...change } = input;
      try {
        return await call<Order>('POST', `/orders/${orderId}/changes`, change);
      } catch (err) {
        // The order ended before the change took effect (the customer left that provider meanwhile): nothing to amend.
        if (refusedWith(err, 'ORDERS.ORDER_ENDED')) return null;
        throw err;
      }
    },
    /** Reminds the provider of something overdue; the key makes a repeated reminder one reminder. */
    async remindProvider(input: { orderId: string; about: 'acceptance' | 'care-plan' | 'approval'; key: string }): Promise<void> {
      await call('POST', `/orders/${input.orderId}/reminders`, { about: input.about, key: input.key });
    },
  };
}

export type OrdersActivities = ReturnType<typeof createOrdersActivities>;

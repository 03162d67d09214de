import type { ServiceClient } from './service-client.js';

export type Choice = { choiceId: string; decisionId: string; providerId: string; chosenBy: 'customer' | 'default' };
export type Order = { orderId: string; decisionId: string; providerId: string; status: 'placed' | 'accepted' };

/** The journey's commands to the orders service; each is idempotent on the service side. */
export function createOrdersActivities(call: ServiceClient) {
  return {
    /** Assigns the area's default provider unless a choice exists; returns whichever choice stands. */
    async assignDefaultProvider(input: { decisionId: string }): Promise<Choice> {
      return call<Choice>('POST', `/decisions/${input.decisionId}/default-choice`);
    },
    /** Places the order with the chosen provider; placing it again returns the same order. */
    async placeOrder(input: { decisionId: string }): Promise<Order> {
      return call<Order>('POST', '/orders', { decisionId: input.decisionId });
    },
  };
}

export type OrdersActivities = ReturnType<typeof createOrdersActivities>;

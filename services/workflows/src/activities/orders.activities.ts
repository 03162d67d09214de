import {
  ChoiceAnswer,
  OrderAnswer,
  RecordChoiceAnswer,
  type RecordChoiceRequest,
  ReminderAnswer,
  type ChangeOrderRequest,
  type EndOrderRequest,
  type OrderEndReason,
} from '@kundval/contracts';
import { refusedWith, type ServiceClient } from './service-client.js';

export type Choice = ChoiceAnswer;
export type OrderChange = ChangeOrderRequest;
export type Order = OrderAnswer;

/**
 * `round`: how many times the customer's choice has been voided by a refused order. It is part of
 * the business key of the choice commands, so choosing (or placing an order with) the same provider
 * again after a refusal is a new command with a new Idempotency-Key, not a replay of the old answer.
 */
type Round = { round?: number };

/** The journey's commands to the orders service; each is idempotent on the service side and carries its Idempotency-Key. */
export function createOrdersActivities(call: ServiceClient) {
  return {
    /** Assigns the area's default provider unless a choice exists; returns whichever choice stands. */
    async assignDefaultProvider(input: { decisionId: string } & Round): Promise<Choice> {
      return call({ command: 'assignDefaultProvider', key: `${input.decisionId}#${input.round ?? 0}`, method: 'POST', path: `/decisions/${input.decisionId}/default-choice`, answer: ChoiceAnswer });
    },
    /**
     * Records the customer's choice on their behalf (a person's request to the journey), with what
     * they said beside the provider; a nursing home without a free place answers the customer queued.
     * What they said is part of the key only when said, so the keys of choices without it stay as they were.
     */
    async recordChoice(input: RecordChoiceRequest & { decisionId: string } & Round): Promise<RecordChoiceAnswer> {
      const { decisionId, round, ...body } = input;
      const said = [body.district, body.stayInQueueFor, body.effectiveFrom].map((v) => v ?? '-').join(':');
      return call({
        command: 'recordChoice',
        key: `${decisionId}:${body.providerId}#${round ?? 0}${said === '-:-:-' ? '' : `:${said}`}`,
        method: 'POST',
        path: `/decisions/${decisionId}/choice`,
        body,
        answer: RecordChoiceAnswer,
      });
    },
    /**
     * Places the order with the choice in force from `effectiveFrom`; placing it again returns the same order.
     * `providerId` names which choice, where the area allows several providers at once.
     */
    async placeOrder(input: { decisionId: string; effectiveFrom?: string; providerId?: string } & Round): Promise<Order> {
      return call({
        command: 'placeOrder',
        key: `${input.decisionId}:${input.providerId ?? '-'}:${input.effectiveFrom ?? '-'}#${input.round ?? 0}`,
        method: 'POST',
        path: '/orders',
        body: {
          decisionId: input.decisionId,
          ...(input.effectiveFrom ? { effectiveFrom: input.effectiveFrom } : {}),
          ...(input.providerId ? { providerId: input.providerId } : {}),
        },
        answer: OrderAnswer,
      });
    },
    /** Ends an order on its last day (a switch, a changed or ended decision, a resident's move-out). */
    async endOrder(input: { orderId: string; endDate: string; reason: OrderEndReason }): Promise<Order> {
      const body: EndOrderRequest = { endDate: input.endDate, reason: input.reason };
      return call({ command: 'endOrder', key: `${input.orderId}:${input.endDate}:${input.reason}`, method: 'POST', path: `/orders/${input.orderId}/end`, body, answer: OrderAnswer });
    },
    /**
     * Amends an order in force to the decision's changed terms from `effectiveFrom` (new hours or level,
     * a later or earlier last day); the same change again changes nothing. Orders answers 409, and the
     * activity retries, until its copy of the decision has the change too. Null: the order had ended.
     */
    async changeOrder(input: OrderChange & { orderId: string }): Promise<Order | null> {
      const { orderId, ...change } = input;
      try {
        return await call({
          command: 'changeOrder',
          key: `${orderId}:${change.effectiveFrom}:${change.validTo}:${change.careHoursPerMonth}:${change.serviceHoursPerMonth}:${change.level ?? '-'}`,
          method: 'POST',
          path: `/orders/${orderId}/changes`,
          body: change,
          answer: OrderAnswer,
        });
      } catch (err) {
        // The order ended before the change took effect (the customer left that provider meanwhile): nothing to amend.
        if (refusedWith(err, 'ORDERS.ORDER_ENDED')) return null;
        throw err;
      }
    },
    /** Reminds the provider of something overdue; the key makes a repeated reminder one reminder. */
    async remindProvider(input: { orderId: string; about: 'acceptance' | 'care-plan' | 'approval'; key: string }): Promise<void> {
      await call({
        command: 'remindProvider',
        key: `${input.orderId}:${input.about}:${input.key}`,
        method: 'POST',
        path: `/orders/${input.orderId}/reminders`,
        body: { about: input.about, key: input.key },
        answer: ReminderAnswer,
      });
    },
  };
}

export type OrdersActivities = ReturnType<typeof createOrdersActivities>;

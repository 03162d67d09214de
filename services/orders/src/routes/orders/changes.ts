import { z } from 'zod';
import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { amendOrder } from '../../application/orders/amend-order.js';
import { errors, useCaseRunner } from '../command.js';
import { Order, OrderParams } from './index.js';

/** Hours a month: at most every hour of the longest month, which also keeps them within the `decimal(6, 2)` columns. */
const HoursPerMonth = z.number().min(0).max(744);

const OrderChangeBody = z.object({
  /** The first day the new terms apply: the decision change's, or the order's first day when that is later. */
  effectiveFrom: z.iso.date(),
  /** The order's last day after the change: the decision's changed validity end. */
  validTo: z.iso.date(),
  careHoursPerMonth: HoursPerMonth,
  serviceHoursPerMonth: HoursPerMonth,
  /** The voucher level from `effectiveFrom` where the area has levels; null otherwise. */
  level: z.number().int().positive().nullable(),
});

/** Amendments as journeys recorded before ADR 0029 part 2 still command them; new ones come from the decisions consumer. */
export function orderChangeRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  return async (app) => {
    app.post(
      '/orders/:orderId/changes',
      {
        config: { roles: ['system'] },
        schema: {
          summary: "Amend an order to its decision's changed terms from a date (omprövning or renewal)",
          description:
            "Orders amends every order in force itself when it applies `decisionChanged` (ADR 0029); this command stays for journeys recorded before that, which still send it, and for them only (role `system`): " +
            "the change the consumer made already answers 200 with the order. From `effectiveFrom` the order runs on the new hours and level, and its last day becomes `validTo` " +
            '(a renewal moves it later, a shortened decision earlier); an end already set stays, but never after `validTo`. Emits `orderChanged` and answers 201. ' +
            'The same change again (same order, `effectiveFrom` and terms) answers 200 and records nothing; a different change from the same day is recorded as a correction, ' +
            'and an amendment replaces those from its day or later: the latest wins. ' +
            "409 ORDERS.DECISION_NOT_CURRENT until the service's copy of the decision has these terms (it follows `decisionChanged`): retry. " +
            '409 ORDERS.ORDER_REFUSED for a refused order, ORDERS.ORDER_ENDED for an order that ended before `effectiveFrom`, ORDERS.CHANGE_OUTSIDE_ORDER when `effectiveFrom` is before the order began or after `validTo`, ' +
            "ORDERS.ORDER_OVERLAPS when the longer order would run into the decision's next order.",
          tags: ['orders'],
          params: OrderParams,
          body: OrderChangeBody,
          response: { 200: Order, 201: Order, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => amendOrder(ctx, { orderId: req.params.orderId, ...req.body })),
    );
  };
}


import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { audit, conflict, enqueueEvent, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { grantedDecision } from '../../store/decisions.js';
import { centsToColumn, decisionHasTerms, hoursInCents, sameAmendment, type ChangeTerms } from '../../store/order-changes.js';
import { orderRow, overlappingOrder, readOrder, type OrderRow } from '../../store/orders.js';
import type { Tx } from '../../store/tx.js';
import { commandRunner, errors } from '../command.js';
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

/** Amendments: an order in force takes its decision's changed terms (omprövning, renewal) from a date. */
export function orderChangeRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const command = commandRunner(deps);
  return async (app) => {
    app.post(
      '/orders/:orderId/changes',
      {
        config: { roles: ['system'] },
        schema: {
          summary: "Amend an order to its decision's changed terms from a date (omprövning or renewal)",
          description:
            "Sent by the journey for every order in force when a decision is changed or renewed. From `effectiveFrom` the order runs on the new hours and level, and its last day becomes `validTo` " +
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
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const { effectiveFrom, validTo } = req.body;
          const terms: ChangeTerms = {
            validTo,
            careCents: hoursInCents(req.body.careHoursPerMonth),
            serviceCents: hoursInCents(req.body.serviceHoursPerMonth),
            level: req.body.level,
          };
          // The decision first, then the order, as every command locks: an order placed meanwhile
          // cannot slip into the days a renewal is about to give this one.
          const seen = await orderRow(tx.db, req.params.orderId);
          const decision = await grantedDecision(tx.db, seen.decision_id, true);
          const order = await orderRow(tx.db, req.params.orderId, true);
          // A retried amendment finds itself recorded whatever happened to the order since.
          if (await sameAmendment(tx.db, order.order_id, effectiveFrom, terms)) return { status: 200, body: await readOrder(tx.db, order.order_id, tx.today) };

          if (order.status === 'refused') throw conflict('ORDERS.ORDER_REFUSED', 'A refused order was never in force: it takes no change.');
          if (order.end_date !== null && order.end_date < effectiveFrom) {
            throw conflict('ORDERS.ORDER_ENDED', `The order ended on ${order.end_date}, before ${effectiveFrom}: a change from then on is not its to take.`);
          }
          if (effectiveFrom < order.valid_from) {
            throw conflict('ORDERS.CHANGE_OUTSIDE_ORDER', `The order begins on ${order.valid_from}: a change takes effect on that day at the earliest.`, { field: 'body.effectiveFrom' });
          }
          if (effectiveFrom > validTo) {
            throw conflict('ORDERS.CHANGE_OUTSIDE_ORDER', `A change from ${effectiveFrom} cannot end the order before it, on ${validTo}.`, { field: 'body.effectiveFrom' });
          }
          // Transient, so asked last: every other refusal is final and the journey should hear it instead.
          if (!(await decisionHasTerms(tx.db, decision, effectiveFrom, terms))) {
            throw conflict(
              'ORDERS.DECISION_NOT_CURRENT',
              `The decision as this service knows it does not have these terms yet (valid to ${decision.valid_to}); retry once its change has arrived.`,
            );
          }
          // An end already set stands (a renewal does not undo it), but never after the new last day.
          const endDate = order.end_date !== null && order.end_date > validTo ? validTo : order.end_date;
          await assertNoOverlap(tx, order, endDate ?? validTo);

          const changeId = randomUUID();
          await tx.db
            .insertInto('order_changes')
            .values({
              change_id: changeId,
              order_id: order.order_id,
              effective_from: effectiveFrom,
              valid_to: validTo,
              care_hours_per_month: centsToColumn(terms.careCents),
              service_hours_per_month: centsToColumn(terms.serviceCents),
              level: terms.level,
              changed_at: tx.now,
            })
            .execute();
          // A correction: the amendments from this day or later give way to this one (the latest wins).
          const supersedes = await tx.db
            .updateTable('order_changes')
            .set({ superseded_by: changeId })
            .where('order_id', '=', order.order_id)
            .where('change_id', '<>', changeId)
            .where('effective_from', '>=', effectiveFrom)
            .where('superseded_by', 'is', null)
            .returning(['change_id', 'effective_from'])
            .execute();
          const after = {
            valid_to: validTo,
            care_hours_per_month: centsToColumn(terms.careCents),
            service_hours_per_month: centsToColumn(terms.serviceCents),
            level: terms.level,
            end_date: endDate,
          };
          await tx.db.updateTable('orders').set(after).where('order_id', '=', order.order_id).execute();
          const careHoursPerMonth = terms.careCents / 100;
          const serviceHoursPerMonth = terms.serviceCents / 100;
          await enqueueEvent(
            tx.db,
            'orderChanged',
            {
              orderId: order.order_id,
              applicationId: order.application_id,
              customerId: order.customer_id,
              providerId: order.provider_id,
              effectiveFrom,
              validTo,
              careHoursPerMonth,
              serviceHoursPerMonth,
              level: terms.level,
            },
            { correlationId: tx.correlationId, occurredAt: tx.now },
          );
          await audit(tx.db, tx.actor, {
            action: 'order.changed',
            entity: 'order',
            entityId: order.order_id,
            before: {
              validTo: order.valid_to,
              careHoursPerMonth: Number(order.care_hours_per_month),
              serviceHoursPerMonth: Number(order.service_hours_per_month),
              level: order.level,
              endDate: order.end_date,
            },
            after: {
              changeId,
              effectiveFrom,
              validTo,
              careHoursPerMonth,
              serviceHoursPerMonth,
              level: terms.level,
              endDate,
              ...(supersedes.length > 0 ? { supersedes: supersedes.map((c) => ({ changeId: c.change_id, effectiveFrom: c.effective_from })) } : {}),
            },
            correlationId: tx.correlationId,
          });
          return { status: 201, body: await readOrder(tx.db, order.order_id, tx.today) };
        }),
    );
  };
}

/**
 * A renewal may not carry an order into the days of the decision's next order (409
 * `ORDERS.ORDER_OVERLAPS`): one that ran out at the old end and was followed by another, placed
 * from the renewed copy before the journey amended this one. Where the customer uses several
 * providers at once only the same provider's orders follow one another.
 */
async function assertNoOverlap(tx: Tx, order: OrderRow, lastDay: string): Promise<void> {
  const overlapping = await overlappingOrder(tx.db, {
    decisionId: order.decision_id,
    from: order.valid_from,
    to: lastDay,
    exceptOrderId: order.order_id,
    ...(order.one_of_several ? { providerId: order.provider_id } : {}),
  });
  if (overlapping) {
    throw conflict('ORDERS.ORDER_OVERLAPS', `Order ${overlapping.order_id} is in force from ${overlapping.valid_from}: this order may not run on into it.`, {
      orderId: overlapping.order_id,
    });
  }
}

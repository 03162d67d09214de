import { audit, conflict } from '@kundval/platform';
import { grantedDecision } from '../../store/decisions.js';
import { centsToColumn, decisionHasTerms, hoursInCents, insertOrderChange, sameAmendment, supersedeChangesFrom, type ChangeTerms } from '../../store/order-changes.js';
import { orderRow, overlappingOrder, readOrder, updateOrder, type OrderRow, type OrderView } from '../../store/orders.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';
import { orderScope } from '../scope.js';

export type AmendOrder = {
  orderId: string;
  /** The first day the new terms apply. */
  effectiveFrom: string;
  /** The order's last day after the change. */
  validTo: string;
  careHoursPerMonth: number;
  serviceHoursPerMonth: number;
  level: number | null;
};

/**
 * Why an order is amended when no person asked: the decisions event its consumer applied (the
 * change's id and the event's), recorded in the audit row beside the system actor.
 */
export type AmendmentCause = { event: 'decisionChanged'; eventId: string; decisionChangeId: string };

/**
 * Amends an order in force to its decision's changed terms from a date (omprövning, renewal): the
 * same change again is answered without recording anything; a different one from the same day or
 * earlier supersedes the amendments from its day on. Refused while the service's copy of the
 * decision lacks these terms: only a journey that still sends the command (histories from before
 * ADR 0029's part 2) can meet that, since the consumer amends in the transaction that copies the change.
 * `cause`: the decisions event, when the consumer amends (`amend-orders-in-force.ts`).
 */
export async function amendOrder(ctx: UseCaseContext, input: AmendOrder, cause?: AmendmentCause): Promise<Outcome<OrderView>> {
  const { effectiveFrom, validTo } = input;
  const terms: ChangeTerms = {
    validTo,
    careCents: hoursInCents(input.careHoursPerMonth),
    serviceCents: hoursInCents(input.serviceHoursPerMonth),
    level: input.level,
  };
  // The decision first, then the order, as every command locks: an order placed meanwhile
  // cannot slip into the days a renewal is about to give this one.
  const seen = await orderRow(ctx.db, input.orderId, false, orderScope(ctx.principal));
  const decision = await grantedDecision(ctx.db, seen.decision_id, true);
  const order = await orderRow(ctx.db, input.orderId, true);
  // A retried amendment finds itself recorded whatever happened to the order since.
  if (await sameAmendment(ctx.db, order.order_id, effectiveFrom, terms)) return { result: await readOrder(ctx.db, order.order_id, ctx.today), created: false, events: [] };

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
  if (!(await decisionHasTerms(ctx.db, decision, effectiveFrom, terms))) {
    throw conflict(
      'ORDERS.DECISION_NOT_CURRENT',
      `The decision as this service knows it does not have these terms yet (valid to ${decision.valid_to}); retry once its change has arrived.`,
    );
  }
  // An end already set stands (a renewal does not undo it), but never after the new last day.
  const endDate = order.end_date !== null && order.end_date > validTo ? validTo : order.end_date;
  await assertNoOverlap(ctx, order, endDate ?? validTo);

  const changeId = ctx.newId();
  await insertOrderChange(ctx.db, {
    change_id: changeId,
    order_id: order.order_id,
    effective_from: effectiveFrom,
    valid_to: validTo,
    care_hours_per_month: centsToColumn(terms.careCents),
    service_hours_per_month: centsToColumn(terms.serviceCents),
    level: terms.level,
    changed_at: ctx.now,
  });
  // A correction: the amendments from this day or later give way to this one (the latest wins).
  const supersedes = await supersedeChangesFrom(ctx.db, order.order_id, changeId, effectiveFrom);
  const after = {
    valid_to: validTo,
    care_hours_per_month: centsToColumn(terms.careCents),
    service_hours_per_month: centsToColumn(terms.serviceCents),
    level: terms.level,
    end_date: endDate,
  };
  await updateOrder(ctx.db, order.order_id, after);
  const careHoursPerMonth = terms.careCents / 100;
  const serviceHoursPerMonth = terms.serviceCents / 100;
  await audit(ctx.db, ctx.actor, {
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
      ...(cause ? { cause } : {}),
    },
    correlationId: ctx.correlationId,
  });
  return {
    result: await readOrder(ctx.db, order.order_id, ctx.today),
    created: true,
    events: [
      pendingEvent('orderChanged', {
        orderId: order.order_id,
        applicationId: order.application_id,
        customerId: order.customer_id,
        providerId: order.provider_id,
        effectiveFrom,
        validTo,
        careHoursPerMonth,
        serviceHoursPerMonth,
        level: terms.level,
      }),
    ],
  };
}

/**
 * A renewal may not carry an order into the days of the decision's next order (409
 * `ORDERS.ORDER_OVERLAPS`): one that ran out at the old end and was followed by another, placed
 * from the renewed copy before the journey amended this one. Where the customer uses several
 * providers at once only the same provider's orders follow one another.
 */
async function assertNoOverlap(ctx: UseCaseContext, order: OrderRow, lastDay: string): Promise<void> {
  const overlapping = await overlappingOrder(ctx.db, {
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

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { addDays } from '@kundval/domain';
import {
  assertCustomerScope,
  assertProviderScope,
  audit,
  conflict,
  enqueueEvent,
  forbidden,
  isUniqueViolation,
  notFound,
  type FastifyPluginAsyncZod,
} from '@kundval/platform';
import type { OrdersDeps } from '../../app.js';
import { stockholmDate, systemClock } from '../../calendar.js';
import { choiceAt } from '../../store/choices.js';
import { grantedDecision, lastDay } from '../../store/decisions.js';
import { findOrder, listOrders, orderRow, readOrder, remindersOf, toReminder, type OrderRow } from '../../store/orders.js';
import { freePlaces, offerFreePlaces } from '../../store/places.js';
import { carePlanDeadlineDays, coversDistrict, customersHeld, isPlaceArea } from '../../store/providers.js';
import type { Tx } from '../../store/tx.js';
import { CommandHeaders, commandRunner, errors } from '../command.js';

const OrderStatus = z.enum(['placed', 'accepted', 'refused']);
export const Order = z.object({
  orderId: z.uuid(),
  decisionId: z.uuid(),
  applicationId: z.uuid(),
  customerId: z.uuid(),
  providerId: z.string(),
  areaId: z.string(),
  status: OrderStatus,
  /** First and last day the order is in force; `endDate`, when set, ends it earlier. */
  validFrom: z.string(),
  validTo: z.string(),
  level: z.number().nullable(),
  careHoursPerMonth: z.number(),
  serviceHoursPerMonth: z.number(),
  endDate: z.string().nullable(),
  endReason: z.enum(['switched', 'decision-ended', 'decision-changed']).nullable(),
  refusal: z.object({ reason: z.enum(['over-capacity', 'outside-service-area']), explanation: z.string() }).nullable(),
  carePlanAgreedOn: z.string().nullable(),
  /** Acceptance date + the area's care-plan deadline (null where the area requires no care plan). */
  carePlanDueBy: z.string().nullable(),
  carePlanOverdue: z.boolean(),
});
const ReminderAbout = z.enum(['acceptance', 'care-plan', 'approval']);
const Reminder = z.object({ reminderId: z.uuid(), orderId: z.uuid(), about: ReminderAbout, key: z.string(), createdAt: z.string() });
const OrderDetail = Order.extend({ reminders: z.array(Reminder) });
const OrderParams = z.object({ orderId: z.uuid() });

/** Orders: placing, accepting or refusing, care plans and their deadline, reminders, ending. */
export function orderRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  const command = commandRunner(deps);
  const clock = deps.clock ?? systemClock;
  return async (app) => {
    app.post(
      '/orders',
      {
        config: { roles: ['system', 'case-handler'] },
        schema: {
          summary: 'Place an order (beställning) with the provider chosen for its start date',
          description:
            "Orders the provider whose choice is in force on `effectiveFrom` (default: the decision's first day) until the decision's last day, " +
            'with the decision\'s hours and level. Idempotent per decision and start date: placing it again returns the order already placed (200). ' +
            'A new order may not overlap one in force: end that one first (switch, changed decision).',
          tags: ['orders'],
          headers: CommandHeaders,
          body: z.object({ decisionId: z.uuid(), effectiveFrom: z.iso.date().optional() }),
          response: { 200: Order, 201: Order, ...errors },
        },
      },
      async (req, reply) => {
        try {
          return await command(req, reply, async (tx) => {
            const decision = await grantedDecision(tx.db, req.body.decisionId, true);
            const from = req.body.effectiveFrom ?? decision.valid_from;
            const existing = await tx.db
              .selectFrom('orders')
              .select('order_id')
              .where('decision_id', '=', decision.decision_id)
              .where('valid_from', '=', from)
              .where('status', '<>', 'refused')
              .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`)
              .executeTakeFirst();
            if (existing) return { status: 200, body: await readOrder(tx.db, existing.order_id, tx.today) };
            const to = lastDay(decision);
            if (from < decision.valid_from || from > to) {
              throw conflict('ORDERS.OUTSIDE_DECISION', `The decision is in force from ${decision.valid_from} to ${to}.`, { field: 'body.effectiveFrom' });
            }
            const choice = await choiceAt(tx.db, decision.decision_id, from);
            if (choice?.status !== 'active') throw conflict('ORDERS.NO_CHOICE', `No provider is chosen for ${from} yet.`);
            const overlapping = await tx.db
              .selectFrom('orders')
              .select(['order_id', 'valid_from'])
              .where('decision_id', '=', decision.decision_id)
              .where('status', '<>', 'refused')
              .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`)
              .where(sql<boolean>`coalesce(end_date, valid_to) >= ${from}::date`)
              .where('valid_from', '<=', to)
              .executeTakeFirst();
            if (overlapping) {
              throw conflict('ORDERS.ORDER_OVERLAPS', `Order ${overlapping.order_id} is in force on ${from} or later; end it before placing a new one.`, {
                orderId: overlapping.order_id,
              });
            }
            const provider = await tx.db.selectFrom('providers').select(['provider_id', 'kind']).where('provider_id', '=', choice.provider_id).executeTakeFirstOrThrow();
            const orderId = randomUUID();
            await tx.db
              .insertInto('orders')
              .values({
                order_id: orderId,
                decision_id: decision.decision_id,
                application_id: decision.application_id,
                customer_id: decision.customer_id,
                provider_id: provider.provider_id,
                status: 'placed',
                accepted_at: null,
                choice_id: choice.choice_id,
                area_id: decision.area_id,
                valid_from: from,
                valid_to: to,
                level: decision.level,
                care_hours_per_month: decision.care_hours_per_month,
                service_hours_per_month: decision.service_hours_per_month,
                placed_at: tx.now,
              })
              .execute();
            await enqueueEvent(
              tx.db,
              'orderPlaced',
              {
                orderId,
                applicationId: decision.application_id,
                decisionId: decision.decision_id,
                customerId: decision.customer_id,
                providerId: provider.provider_id,
                providerKind: provider.kind,
                areaId: decision.area_id,
                municipality: decision.municipality,
                careHoursPerMonth: Number(decision.care_hours_per_month),
                serviceHoursPerMonth: Number(decision.service_hours_per_month),
                validFrom: from,
                validTo: to,
                level: decision.level,
              },
              { correlationId: tx.correlationId, occurredAt: tx.now },
            );
            await audit(tx.db, tx.actor, {
              action: 'order.placed',
              entity: 'order',
              entityId: orderId,
              after: { decisionId: decision.decision_id, providerId: provider.provider_id, validFrom: from, validTo: to },
              correlationId: tx.correlationId,
            });
            return { status: 201, body: await readOrder(tx.db, orderId, tx.today) };
          });
        } catch (err) {
          // Two placements of the same start date at once: the second finds the first's order.
          if (!isUniqueViolation(err)) throw err;
          throw conflict('ORDERS.ORDER_CONCURRENT', 'The order was placed by a concurrent request; ask again to read it.');
        }
      },
    );

    app.get(
      '/orders',
      {
        config: { roles: ['provider', 'case-handler', 'operator'] },
        schema: {
          summary: 'List orders',
          description: 'A provider sees only its own orders.',
          tags: ['orders'],
          querystring: z.object({ status: OrderStatus.optional(), providerId: z.string().optional(), decisionId: z.uuid().optional() }),
          response: { 200: z.array(Order), ...errors },
        },
      },
      async (req) => {
        // A provider token without its provider id would otherwise see every provider's orders.
        if (req.principal.role === 'provider' && !req.principal.providerId) throw forbidden('A provider token must name its provider.');
        const providerId = req.principal.role === 'provider' ? req.principal.providerId : req.query.providerId;
        return listOrders(db, { providerId, decisionId: req.query.decisionId, status: req.query.status }, stockholmDate(clock()));
      },
    );

    app.get(
      '/orders/:orderId',
      {
        config: { roles: ['provider', 'case-handler', 'operator', 'citizen', 'system'] },
        schema: {
          summary: 'Read an order, with its care-plan deadline and the reminders sent to the provider',
          tags: ['orders'],
          params: OrderParams,
          response: { 200: OrderDetail, ...errors },
        },
      },
      async (req) => {
        const order = await findOrder(db, req.params.orderId, stockholmDate(clock()));
        if (!order) throw notFound('ORDERS.ORDER_NOT_FOUND', 'No such order.');
        assertProviderScope(req.principal, order.providerId);
        assertCustomerScope(req.principal, order.customerId);
        return { ...order, reminders: await remindersOf(db, order.orderId) };
      },
    );

    app.post(
      '/orders/:orderId/accept',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'The provider accepts the order',
          description:
            "Authorized providers are obliged to accept orders within their declared capacity and service area. The care plan is due within the area's deadline from today.",
          tags: ['orders'],
          headers: CommandHeaders,
          params: OrderParams,
          response: { 200: Order, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const order = await orderRow(tx.db, req.params.orderId, true);
          assertProviderScope(req.principal, order.provider_id);
          if (order.status === 'refused') throw conflict('ORDERS.ORDER_REFUSED', 'The order was refused.');
          if (order.status !== 'placed') throw conflict('ORDERS.ALREADY_ACCEPTED', 'The order is already accepted.');
          const deadline = carePlanDeadlineDays(order.area_id);
          const dueBy = deadline === null ? null : addDays(tx.today, deadline);
          await tx.db.updateTable('orders').set({ status: 'accepted', accepted_at: tx.now, care_plan_due_by: dueBy }).where('order_id', '=', order.order_id).execute();
          await enqueueEvent(
            tx.db,
            'orderAccepted',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id },
            { correlationId: tx.correlationId, occurredAt: tx.now },
          );
          await audit(tx.db, tx.actor, {
            action: 'order.accepted',
            entity: 'order',
            entityId: order.order_id,
            before: { status: 'placed' },
            after: { status: 'accepted' },
            correlationId: tx.correlationId,
          });
          return { status: 200, body: await readOrder(tx.db, order.order_id, tx.today) };
        }),
    );

    app.post(
      '/orders/:orderId/refuse',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'The provider refuses the order, outside its capacity or service area only',
          description:
            'Allowed only when it is true: the customers it has accepted in the area (places taken, for a nursing home) already reach its declared capacity, ' +
            "or the customer's district lies outside its declared service area. Otherwise 409 ORDERS.MUST_ACCEPT. " +
            'The refusal voids the choice (the customer chooses again) and emits `orderRefused`.',
          tags: ['orders'],
          headers: CommandHeaders,
          params: OrderParams,
          body: z.object({ reason: z.enum(['over-capacity', 'outside-service-area']), explanation: z.string().trim().min(1).max(2000) }),
          response: { 200: Order, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const order = await orderRow(tx.db, req.params.orderId, true);
          assertProviderScope(req.principal, order.provider_id);
          if (order.status === 'refused') throw conflict('ORDERS.ALREADY_REFUSED', 'The order is already refused.');
          if (order.status !== 'placed') throw conflict('ORDERS.ALREADY_ACCEPTED', 'An accepted order cannot be refused.');
          const authorization = await tx.db
            .selectFrom('authorizations')
            .selectAll()
            .where('provider_id', '=', order.provider_id)
            .where('area_id', '=', order.area_id)
            .forUpdate()
            .executeTakeFirstOrThrow();
          await assertRefusalTrue(tx, order, authorization, req.body.reason);
          await tx.db
            .updateTable('orders')
            .set({ status: 'refused', refusal_reason: req.body.reason, refusal_explanation: req.body.explanation, refused_at: tx.now })
            .where('order_id', '=', order.order_id)
            .execute();
          if (order.choice_id) await tx.db.updateTable('choices').set({ status: 'voided' }).where('choice_id', '=', order.choice_id).where('status', '=', 'active').execute();
          if (isPlaceArea(order.area_id)) {
            // The place held for this customer goes to the first in the home's queue.
            await freePlaces(tx.db, order.provider_id, order.area_id, 1);
            await offerFreePlaces(tx, order.provider_id, order.area_id);
          }
          await enqueueEvent(
            tx.db,
            'orderRefused',
            {
              orderId: order.order_id,
              applicationId: order.application_id,
              customerId: order.customer_id,
              providerId: order.provider_id,
              reason: req.body.reason,
              explanation: req.body.explanation,
            },
            { correlationId: tx.correlationId, occurredAt: tx.now },
          );
          await audit(tx.db, tx.actor, {
            action: 'order.refused',
            entity: 'order',
            entityId: order.order_id,
            before: { status: 'placed' },
            after: { status: 'refused', reason: req.body.reason, explanation: req.body.explanation, voidedChoiceId: order.choice_id },
            correlationId: tx.correlationId,
          });
          return { status: 200, body: await readOrder(tx.db, order.order_id, tx.today) };
        }),
    );

    app.post(
      '/orders/:orderId/care-plan',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'Record the agreed care plan (genomförandeplan)',
          description: 'Provider and customer agree how the help is carried out. The order must be accepted first.',
          tags: ['orders'],
          headers: CommandHeaders,
          params: OrderParams,
          body: z.object({ agreedOn: z.iso.date(), summary: z.string().min(1).max(5000) }),
          response: { 201: Order, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const order = await orderRow(tx.db, req.params.orderId, true);
          assertProviderScope(req.principal, order.provider_id);
          if (order.status !== 'accepted') throw conflict('ORDERS.NOT_ACCEPTED', 'Accept the order before recording its care plan.');
          const existing = await tx.db.selectFrom('care_plans').select('care_plan_id').where('order_id', '=', order.order_id).executeTakeFirst();
          if (existing) throw conflict('ORDERS.CARE_PLAN_EXISTS', 'A care plan is already agreed for this order.');
          const carePlanId = randomUUID();
          await tx.db
            .insertInto('care_plans')
            .values({ care_plan_id: carePlanId, order_id: order.order_id, agreed_on: req.body.agreedOn, summary: req.body.summary, recorded_by: req.principal.sub })
            .execute();
          await enqueueEvent(
            tx.db,
            'carePlanAgreed',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, carePlanId, agreedOn: req.body.agreedOn },
            { correlationId: tx.correlationId, occurredAt: tx.now },
          );
          await audit(tx.db, tx.actor, { action: 'care-plan.agreed', entity: 'order', entityId: order.order_id, after: req.body, correlationId: tx.correlationId });
          return { status: 201, body: await readOrder(tx.db, order.order_id, tx.today) };
        }),
    );

    app.post(
      '/orders/:orderId/end',
      {
        config: { roles: ['system', 'case-handler'] },
        schema: {
          summary: 'End an order on a date',
          description:
            "The order's last day becomes `endDate`: the day before a switch or a changed decision takes effect, or the decision's last day. " +
            'The day before the order began ends it before it starts. Asking again for the same or a later day changes nothing (200); ' +
            'an earlier day moves the end earlier (a decision that ended sooner).',
          tags: ['orders'],
          headers: CommandHeaders,
          params: OrderParams,
          body: z.object({ endDate: z.iso.date(), reason: z.enum(['switched', 'decision-ended', 'decision-changed']) }),
          response: { 200: Order, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const order = await orderRow(tx.db, req.params.orderId, true);
          const { endDate, reason } = req.body;
          if (order.status === 'refused') throw conflict('ORDERS.ORDER_REFUSED', 'A refused order was never in force.');
          if (order.end_date !== null && endDate >= order.end_date) return { status: 200, body: await readOrder(tx.db, order.order_id, tx.today) };
          if (endDate < addDays(order.valid_from, -1) || endDate > order.valid_to) {
            throw conflict('ORDERS.END_DATE_OUTSIDE_ORDER', `The order is in force from ${order.valid_from} to ${order.valid_to}.`, { field: 'body.endDate' });
          }
          await tx.db.updateTable('orders').set({ end_date: endDate, end_reason: reason, ended_at: tx.now }).where('order_id', '=', order.order_id).execute();
          await enqueueEvent(
            tx.db,
            'orderEnded',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, endDate, reason },
            { correlationId: tx.correlationId, occurredAt: tx.now },
          );
          await audit(tx.db, tx.actor, {
            action: 'order.ended',
            entity: 'order',
            entityId: order.order_id,
            before: { endDate: order.end_date, endReason: order.end_reason },
            after: { endDate, endReason: reason },
            correlationId: tx.correlationId,
          });
          return { status: 200, body: await readOrder(tx.db, order.order_id, tx.today) };
        }),
    );

    app.post(
      '/orders/:orderId/reminders',
      {
        config: { roles: ['system'] },
        schema: {
          summary: 'Remind the provider of an acceptance, care plan or approval that is due',
          description: 'Sent by the journey on its timers; idempotent on (order, about, key): the same reminder is recorded once (200 the second time).',
          tags: ['orders'],
          headers: CommandHeaders,
          params: OrderParams,
          body: z.object({ about: ReminderAbout, key: z.string().min(1).max(100) }),
          response: { 200: Reminder, 201: Reminder, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const order = await orderRow(tx.db, req.params.orderId, true);
          const { about, key } = req.body;
          const existing = await tx.db.selectFrom('reminders').selectAll().where('order_id', '=', order.order_id).where('about', '=', about).where('key', '=', key).executeTakeFirst();
          if (existing) return { status: 200, body: toReminder(existing) };
          const reminder = { reminder_id: randomUUID(), order_id: order.order_id, about, key, created_at: tx.now };
          await tx.db.insertInto('reminders').values(reminder).execute();
          await audit(tx.db, tx.actor, { action: 'order.reminded', entity: 'order', entityId: order.order_id, after: { about, key }, correlationId: tx.correlationId });
          return { status: 201, body: toReminder(reminder) };
        }),
    );
  };
}

/**
 * A provider may refuse an order only outside what it declared (DOMAIN.md §8): at capacity — the
 * customers it has accepted in the area other than this one, or for a nursing home the places
 * taken other than the one held for this customer — or for a customer outside its service area.
 */
async function assertRefusalTrue(
  tx: Tx,
  order: OrderRow,
  authorization: { capacity_customers: number; occupied_places: number; service_area: string[] },
  reason: 'over-capacity' | 'outside-service-area',
): Promise<void> {
  if (reason === 'over-capacity') {
    const used = isPlaceArea(order.area_id)
      ? authorization.occupied_places - 1
      : await customersHeld(tx.db, order.provider_id, order.area_id, tx.today, { acceptedOnly: true, excludeOrderId: order.order_id });
    if (used >= authorization.capacity_customers) return;
    throw conflict('ORDERS.MUST_ACCEPT', `Within the declared capacity (${used} of ${authorization.capacity_customers} taken) the order must be accepted.`);
  }
  const decision = await tx.db.selectFrom('decisions').select('district').where('decision_id', '=', order.decision_id).executeTakeFirstOrThrow();
  if (decision.district !== null && !coversDistrict(authorization.service_area, decision.district)) return;
  throw conflict(
    'ORDERS.MUST_ACCEPT',
    decision.district === null
      ? "The customer's district is not known, so it is not outside the service area: the order must be accepted."
      : `District ${decision.district} lies within the declared service area: the order must be accepted.`,
  );
}

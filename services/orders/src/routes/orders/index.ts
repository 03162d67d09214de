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
  invalid,
  isUniqueViolation,
  notFound,
  type FastifyPluginAsyncZod,
} from '@kundval/platform';
import { FreeText, type Role } from '@kundval/contracts';
import type { OrdersDeps } from '../../deps.js';
import { stockholmDate, systemClock } from '../../calendar.js';
import { activeChoicesOn, choiceAt, chosenTracks, latestChoiceOf, type ChoiceRow } from '../../store/choices.js';
import { grantedDecision, lastDay, type DecisionRow } from '../../store/decisions.js';
import { changesOf } from '../../store/order-changes.js';
import { findOrder, listOrders, orderRow, overlappingOrder, readOrder, remindersOf, toReminder, type OrderRow } from '../../store/orders.js';
import type { OrderEndReason } from '../../store/schema.js';
import { freePlaces, offerFreePlaces } from '../../store/places.js';
import { allowsSeveralProviders, carePlanDeadlineDays, coversDistrict, customersHeld, isAttendanceArea, isPlaceArea } from '../../store/providers.js';
import type { Tx } from '../../store/tx.js';
import { commandRunner, errors } from '../command.js';

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
  endReason: z.enum(['switched', 'decision-ended', 'decision-changed', 'moved-out', 'left']).nullable(),
  refusal: z.object({ reason: z.enum(['over-capacity', 'outside-service-area']), explanation: z.string() }).nullable(),
  carePlanAgreedOn: z.string().nullable(),
  /** Acceptance date + the area's care-plan deadline (null where the area requires no care plan). */
  carePlanDueBy: z.string().nullable(),
  carePlanOverdue: z.boolean(),
  /** Areas paid per attendance day: the first day of attendance agreed in the care plan (null until agreed, or when not given). */
  startsOn: z.string().nullable(),
  /** Areas paid per attendance day: the days a week agreed in the care plan. */
  daysPerWeek: z.number().nullable(),
});
const ReminderAbout = z.enum(['acceptance', 'care-plan', 'approval']);
const Reminder = z.object({ reminderId: z.uuid(), orderId: z.uuid(), about: ReminderAbout, key: z.string(), createdAt: z.string() });
/** An amendment in force: the order's terms from `effectiveFrom`, after its decision changed. */
const OrderChange = z.object({
  effectiveFrom: z.string(),
  /** The order's last day as this amendment set it. */
  validTo: z.string(),
  careHoursPerMonth: z.number(),
  serviceHoursPerMonth: z.number(),
  level: z.number().nullable(),
  changedAt: z.string(),
});
const OrderDetail = Order.extend({
  reminders: z.array(Reminder),
  /** Amendments by first day; the order's own terms are the latest one's. A correction replaces those from its day on. */
  changes: z.array(OrderChange),
});
export const OrderParams = z.object({ orderId: z.uuid() });

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
            'A new order may not overlap one in force: end that one first (switch, changed decision). ' +
            'Where the area allows several providers at once, `providerId` names whose choice is ordered (required while more than one is in use: ' +
            "400 ORDERS.PROVIDER_REQUIRED; the default start is then that provider's choice), and idempotency and overlaps are per provider.",
          tags: ['orders'],
          body: z.object({
            decisionId: z.uuid(),
            effectiveFrom: z.iso.date().optional(),
            /** The provider whose choice is ordered: required where the customer uses several at once. */
            providerId: z.string().min(1).optional(),
          }),
          response: { 200: Order, 201: Order, ...errors },
        },
      },
      async (req, reply) => {
        try {
          return await command(req, reply, async (tx) => {
            const decision = await grantedDecision(tx.db, req.body.decisionId, true);
            const several = allowsSeveralProviders(decision.area_id);
            const providerId = several ? await providerToOrder(tx, decision, req.body.providerId, req.body.effectiveFrom) : req.body.providerId;
            const from = req.body.effectiveFrom ?? (several && providerId !== undefined ? await choiceStart(tx, decision, providerId) : decision.valid_from);
            let existingQuery = tx.db
              .selectFrom('orders')
              .select('order_id')
              .where('decision_id', '=', decision.decision_id)
              .where('valid_from', '=', from)
              .where('status', '<>', 'refused')
              .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`);
            if (providerId !== undefined) existingQuery = existingQuery.where('provider_id', '=', providerId);
            const existing = await existingQuery.executeTakeFirst();
            if (existing) return { status: 200, body: await readOrder(tx.db, existing.order_id, tx.today) };
            const to = lastDay(decision);
            if (from < decision.valid_from || from > to) {
              throw conflict('ORDERS.OUTSIDE_DECISION', `The decision is in force from ${decision.valid_from} to ${to}.`, { field: 'body.effectiveFrom' });
            }
            const choice = await choiceToOrder(tx, decision, several, providerId, from);
            const overlapping = await overlappingOrder(tx.db, { decisionId: decision.decision_id, from, to, ...(several ? { providerId: choice.provider_id } : {}) });
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
                one_of_several: several,
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
                decidingMunicipality: decision.deciding_municipality,
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
          summary: 'Read an order, with its care-plan deadline, the reminders sent to the provider and its amendments',
          description:
            "The order's hours, level and last day are its current terms: those of its latest amendment (`changes`) when its decision was changed or renewed, else those it was placed with.",
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
        return { ...order, reminders: await remindersOf(db, order.orderId), changes: await changesOf(db, order.orderId) };
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
          params: OrderParams,
          body: z.object({ reason: z.enum(['over-capacity', 'outside-service-area']), explanation: FreeText(2000).describe('Why; an identity number typed here is masked before it is stored or published') }),
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
          description:
            'Provider and customer agree how the help is carried out. The order must be accepted first. ' +
            'Where the area is paid per attendance day they also agree the first day (`startsOn`, within the order) and the days a week (`daysPerWeek`); ' +
            "the days agreed across the decision's orders in force may not exceed the days a week the decision grants (409 ORDERS.DAYS_EXCEED_DECISION).",
          tags: ['orders'],
          params: OrderParams,
          body: z.object({
            agreedOn: z.iso.date(),
            summary: z.string().min(1).max(5000),
            /** Areas paid per attendance day: the first day the customer attends. */
            startsOn: z.iso.date().optional(),
            /** Areas paid per attendance day: the days a week the customer attends this provider. */
            daysPerWeek: z.number().int().min(1).max(7).optional(),
          }),
          response: { 201: Order, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const { startsOn, daysPerWeek } = req.body;
          const seen = await orderRow(tx.db, req.params.orderId);
          assertProviderScope(req.principal, seen.provider_id);
          // The days a week are counted over the decision's orders: its lock, taken before the order's as in
          // every command, keeps two providers' plans from taking the same last day at once.
          const decision = daysPerWeek === undefined ? undefined : await grantedDecision(tx.db, seen.decision_id, true);
          const order = await orderRow(tx.db, req.params.orderId, true);
          if ((startsOn !== undefined || daysPerWeek !== undefined) && !isAttendanceArea(order.area_id)) {
            throw invalid('ORDERS.NOT_AN_ATTENDANCE_AREA', `${order.area_id} is not paid per attendance day: its care plan has no start or days a week.`, {
              field: startsOn !== undefined ? 'body.startsOn' : 'body.daysPerWeek',
            });
          }
          if (order.status !== 'accepted') throw conflict('ORDERS.NOT_ACCEPTED', 'Accept the order before recording its care plan.');
          const existing = await tx.db.selectFrom('care_plans').select('care_plan_id').where('order_id', '=', order.order_id).executeTakeFirst();
          if (existing) throw conflict('ORDERS.CARE_PLAN_EXISTS', 'A care plan is already agreed for this order.');
          const lastDayOfOrder = order.end_date ?? order.valid_to;
          if (startsOn !== undefined && (startsOn < order.valid_from || startsOn > lastDayOfOrder)) {
            throw conflict('ORDERS.STARTS_OUTSIDE_ORDER', `The order is in force from ${order.valid_from} to ${lastDayOfOrder}.`, { field: 'body.startsOn' });
          }
          if (decision && daysPerWeek !== undefined && decision.days_per_week !== null) {
            const agreed = await daysAgreedAlongside(tx, order, startsOn ?? order.valid_from, lastDayOfOrder);
            if (agreed + daysPerWeek > decision.days_per_week) {
              throw conflict(
                'ORDERS.DAYS_EXCEED_DECISION',
                `The decision grants ${decision.days_per_week} days a week and ${agreed} are agreed with the customer's other providers: at most ${Math.max(decision.days_per_week - agreed, 0)} here.`,
                { field: 'body.daysPerWeek' },
              );
            }
          }
          const carePlanId = randomUUID();
          await tx.db
            .insertInto('care_plans')
            .values({
              care_plan_id: carePlanId,
              order_id: order.order_id,
              agreed_on: req.body.agreedOn,
              summary: req.body.summary,
              recorded_by: req.principal.sub,
              starts_on: startsOn ?? null,
              days_per_week: daysPerWeek ?? null,
            })
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
        config: { roles: ['system', 'case-handler', 'citizen'] },
        schema: {
          summary: 'End an order on a date',
          description:
            "The order's last day becomes `endDate`: the day before a switch or a changed decision takes effect, or the decision's last day. " +
            "It may not be after the order's `validTo`, as its latest amendment set it (a renewal moves it later). " +
            'The day before the order began ends it before it starts. Asking again for the same or a later day changes nothing (200); ' +
            'an earlier day moves the end earlier (a decision that ended sooner). ' +
            '`left`: the customer stops using one of several providers (areas that allow several at once) while another order of the decision stays in force; ' +
            'the citizen (their own order), the case handler or the journey sends it, the last day is today at the earliest, and that provider\'s choice ends. ' +
            '`moved-out`: the journey, when a resident has moved out of a home (areas paid per occupancy day); the last day is the day before the move-out day. ' +
            'The citizen may only leave; the case handler may not record a move-out.',
          tags: ['orders'],
          params: OrderParams,
          body: z.object({ endDate: z.iso.date(), reason: z.enum(['switched', 'decision-ended', 'decision-changed', 'moved-out', 'left']) }),
          response: { 200: Order, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const { endDate, reason } = req.body;
          const seen = await orderRow(tx.db, req.params.orderId);
          assertCustomerScope(req.principal, seen.customer_id);
          if (!END_REASONS[req.principal.role]?.includes(reason)) throw forbidden(`The role ${req.principal.role} may not end an order as ${reason}.`);
          // Leaving reads the decision's other orders: its lock, taken before the order's as in every
          // command, keeps two of the customer's providers from being left at once.
          if (reason === 'left') await grantedDecision(tx.db, seen.decision_id, true);
          const order = await orderRow(tx.db, req.params.orderId, true);
          if (order.status === 'refused') throw conflict('ORDERS.ORDER_REFUSED', 'A refused order was never in force.');
          if (reason === 'left' && !allowsSeveralProviders(order.area_id)) {
            throw conflict('ORDERS.REASON_NOT_FOR_AREA', `In ${order.area_id} the customer has one provider at a time: a provider is left by switching, or the decision ends.`, {
              field: 'body.reason',
            });
          }
          if (reason === 'moved-out' && !isPlaceArea(order.area_id)) {
            throw conflict('ORDERS.REASON_NOT_FOR_AREA', `${order.area_id} is not a home the customer lives in: nobody moves out of it.`, { field: 'body.reason' });
          }
          if (order.end_date !== null && endDate >= order.end_date) return { status: 200, body: await readOrder(tx.db, order.order_id, tx.today) };
          // Like a switch, leaving never reaches back over days already delivered: tomorrow is the first day without the provider.
          if (reason === 'left' && endDate < tx.today) {
            throw conflict('ORDERS.END_DATE_PAST', `A provider is left from tomorrow at the earliest: the last day is ${tx.today} or later.`, { field: 'body.endDate' });
          }
          if (endDate < addDays(order.valid_from, -1) || endDate > order.valid_to) {
            throw conflict('ORDERS.END_DATE_OUTSIDE_ORDER', `The order is in force from ${order.valid_from} to ${order.valid_to}.`, { field: 'body.endDate' });
          }
          if (reason === 'left') await assertAnotherProviderStays(tx, order, endDate);
          await tx.db.updateTable('orders').set({ end_date: endDate, end_reason: reason, ended_at: tx.now }).where('order_id', '=', order.order_id).execute();
          // The provider left is no longer one of the customer's: a choice of it again is a new one.
          const endedChoice =
            reason === 'left' && order.choice_id !== null
              ? Number((await tx.db.updateTable('choices').set({ status: 'ended' }).where('choice_id', '=', order.choice_id).where('status', '=', 'active').executeTakeFirst()).numUpdatedRows) > 0
              : false;
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
            after: { endDate, endReason: reason, ...(endedChoice ? { endedChoiceId: order.choice_id } : {}) },
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
 * Who may end an order for which reason. The journey sends every one; the case handler all but a
 * move-out, which comes from the home's occupancy report through the journey; the citizen may only
 * leave one of several providers, on their own order.
 */
const END_REASONS: Partial<Record<Role, readonly OrderEndReason[]>> = {
  system: ['switched', 'decision-ended', 'decision-changed', 'moved-out', 'left'],
  'case-handler': ['switched', 'decision-ended', 'decision-changed', 'left'],
  citizen: ['left'],
};

/**
 * Refuses to leave the customer's last provider: another provider's order of the decision must stay
 * in force after `endDate` (409 `ORDERS.LAST_PROVIDER`). Without one the customer switches, or the
 * case handler ends the decision.
 */
async function assertAnotherProviderStays(tx: Tx, order: OrderRow, endDate: string): Promise<void> {
  const other = await tx.db
    .selectFrom('orders')
    .select('order_id')
    .where('decision_id', '=', order.decision_id)
    .where('provider_id', '<>', order.provider_id)
    .where('status', '<>', 'refused')
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`)
    .where(sql<boolean>`coalesce(end_date, valid_to) > ${endDate}::date`)
    .executeTakeFirst();
  if (!other) {
    throw conflict('ORDERS.LAST_PROVIDER', `No other provider's order stays in force after ${endDate}: switch provider instead, or the case handler ends the decision.`);
  }
}

/**
 * The days a week agreed in the care plans of the decision's other orders that overlap `from`–`to`:
 * what the customer attends elsewhere while this plan runs (a provider left earlier no longer counts,
 * and a decision that lies in the past is checked the same way as a current one).
 */
async function daysAgreedAlongside(tx: Tx, order: OrderRow, from: string, to: string): Promise<number> {
  const row = await tx.db
    .selectFrom('orders as o')
    .innerJoin('care_plans as cp', 'cp.order_id', 'o.order_id')
    .select(sql<string | null>`sum(cp.days_per_week)`.as('days'))
    .where('o.decision_id', '=', order.decision_id)
    .where('o.order_id', '<>', order.order_id)
    .where('o.status', '<>', 'refused')
    .where(sql<boolean>`coalesce(o.end_date, o.valid_to) >= o.valid_from`)
    .where(sql<boolean>`coalesce(o.end_date, o.valid_to) >= ${from}::date`)
    .where(sql<boolean>`coalesce(cp.starts_on, o.valid_from) <= ${to}::date`)
    .executeTakeFirstOrThrow();
  return Number(row.days ?? 0);
}

/**
 * Whose choice an order is for where the area allows several providers at once: the provider named,
 * or the only one in use (on `effectiveFrom` when given, else now). Naming none while several are in
 * use is 400 `ORDERS.PROVIDER_REQUIRED`; undefined when none is.
 */
async function providerToOrder(tx: Tx, decision: DecisionRow, named: string | undefined, effectiveFrom: string | undefined): Promise<string | undefined> {
  if (named !== undefined) return named;
  const inUse =
    effectiveFrom === undefined
      ? (await chosenTracks(tx.db, decision.decision_id, tx.today)).map((track) => track[0] as ChoiceRow)
      : await activeChoicesOn(tx.db, decision.decision_id, effectiveFrom);
  if (inUse.length > 1) {
    throw invalid('ORDERS.PROVIDER_REQUIRED', `The customer uses ${inUse.length} providers (${inUse.map((c) => c.provider_id).join(', ')}): name the one to order.`, {
      field: 'body.providerId',
    });
  }
  return inUse[0]?.provider_id;
}

/**
 * The default start of an order for one of several providers: the first day of its latest choice (an
 * additional provider is chosen from today, not from the decision's start), so that placing it again
 * without a date finds the same order.
 */
async function choiceStart(tx: Tx, decision: DecisionRow, providerId: string): Promise<string> {
  return (await latestChoiceOf(tx.db, decision.decision_id, providerId))?.effective_from ?? decision.valid_from;
}

/**
 * The active choice an order from `from` is placed with: the one in force that day, or with several
 * providers at once the named provider's. 409 `ORDERS.NO_CHOICE` when there is none, and
 * `ORDERS.NOT_CHOSEN` when a provider is named that another choice replaces on that day.
 */
async function choiceToOrder(tx: Tx, decision: DecisionRow, several: boolean, providerId: string | undefined, from: string): Promise<ChoiceRow> {
  const choice = several
    ? (await activeChoicesOn(tx.db, decision.decision_id, from)).find((c) => c.provider_id === providerId)
    : await choiceAt(tx.db, decision.decision_id, from);
  if (choice?.status !== 'active') {
    throw conflict('ORDERS.NO_CHOICE', providerId === undefined ? `No provider is chosen for ${from} yet.` : `Provider ${providerId} is not chosen for ${from}.`);
  }
  if (providerId !== undefined && choice.provider_id !== providerId) {
    throw conflict('ORDERS.NOT_CHOSEN', `Provider ${providerId} is not the provider chosen for ${from}; ${choice.provider_id} is.`, { field: 'body.providerId' });
  }
  return choice;
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

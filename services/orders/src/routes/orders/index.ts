import { z } from 'zod';
import { conflict, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import { FreeText } from '@kundval/contracts';
import type { OrdersDeps } from '../../deps.js';
import { acceptOrder } from '../../application/orders/accept-order.js';
import { endOrder } from '../../application/orders/end-order.js';
import { listOrders } from '../../application/orders/list-orders.js';
import { placeOrder } from '../../application/orders/place-order.js';
import { readOrder } from '../../application/orders/read-order.js';
import { recordCarePlan } from '../../application/orders/record-care-plan.js';
import { refuseOrder } from '../../application/orders/refuse-order.js';
import { remindProvider } from '../../application/orders/remind-provider.js';
import { errors, queryContext, useCaseRunner } from '../command.js';

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

/** Orders over HTTP: placing, accepting or refusing, care plans and their deadline, reminders, ending. Each route runs one use case of `application/orders/`. */
export function orderRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const query = queryContext(deps);
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
          return await run(req, reply, (ctx) => placeOrder(ctx, req.body));
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
      async (req) => listOrders(query(req), req.query),
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
      async (req) => readOrder(query(req), req.params),
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
      async (req, reply) => run(req, reply, (ctx) => acceptOrder(ctx, req.params)),
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
      async (req, reply) => run(req, reply, (ctx) => refuseOrder(ctx, { orderId: req.params.orderId, ...req.body })),
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
      async (req, reply) => run(req, reply, (ctx) => recordCarePlan(ctx, { orderId: req.params.orderId, ...req.body })),
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
      async (req, reply) => run(req, reply, (ctx) => endOrder(ctx, { orderId: req.params.orderId, ...req.body })),
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
      async (req, reply) => run(req, reply, (ctx) => remindProvider(ctx, { orderId: req.params.orderId, ...req.body })),
    );

  };
}


import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ErrorBody,
  assertCustomerScope,
  assertProviderScope,
  audit,
  conflict,
  enqueueEvent,
  invalid,
  notFound,
  type FastifyPluginAsyncZod,
} from '@kundval/platform';
import type { OrdersDb, OrdersDeps } from '../../app.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const Choice = z.object({ choiceId: z.uuid(), decisionId: z.uuid(), providerId: z.string(), chosenBy: z.enum(['customer', 'default']) });
const Order = z.object({
  orderId: z.uuid(),
  decisionId: z.uuid(),
  applicationId: z.uuid(),
  customerId: z.uuid(),
  providerId: z.string(),
  status: z.enum(['placed', 'accepted']),
  carePlanAgreedOn: z.string().nullable(),
});
const DecisionParams = z.object({ decisionId: z.uuid() });
const OrderParams = z.object({ orderId: z.uuid() });

type Trx = OrdersDb;

/** Provider choice, orders and care plans. */
export function orderRoutes({ db, afterCommit }: OrdersDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/decisions/:decisionId/choice',
      {
        config: { roles: ['citizen', 'case-handler'] },
        schema: {
          summary: 'The customer chooses a provider',
          description: 'Among the providers authorized for the decision\'s area. A case handler may record the choice on the customer\'s behalf.',
          tags: ['choice'],
          params: DecisionParams,
          body: z.object({ providerId: z.string().min(1) }),
          response: { 201: Choice, ...errors },
        },
      },
      async (req, reply) => {
        const choice = await db.transaction().execute(async (trx) => {
          const decision = await grantedDecision(trx, req.params.decisionId);
          assertCustomerScope(req.principal, decision.customer_id);
          const existing = await trx.selectFrom('choices').selectAll().where('decision_id', '=', decision.decision_id).executeTakeFirst();
          if (existing) throw conflict('ORDERS.ALREADY_CHOSEN', 'A provider is already chosen for this decision; switching is a separate request.');
          const provider = await approvedProvider(trx, req.body.providerId, decision.area_id);
          if (!provider) throw invalid('ORDERS.PROVIDER_NOT_AUTHORIZED', `Provider ${req.body.providerId} is not authorized for ${decision.area_id}.`, { field: 'body.providerId' });
          return recordChoice(trx, decision, provider, 'customer', req);
        });
        afterCommit();
        return reply.code(201).send(choice);
      },
    );

    app.post(
      '/decisions/:decisionId/default-choice',
      {
        config: { roles: ['system'] },
        schema: {
          summary: 'Assign the default provider (ickevalsalternativ)',
          description: 'Used by the journey when the customer has not chosen in time. Idempotent: an existing choice is returned as it is.',
          tags: ['choice'],
          params: DecisionParams,
          response: { 200: Choice, ...errors },
        },
      },
      async (req) => {
        const choice = await db.transaction().execute(async (trx) => {
          const decision = await grantedDecision(trx, req.params.decisionId);
          const existing = await trx.selectFrom('choices').selectAll().where('decision_id', '=', decision.decision_id).executeTakeFirst();
          if (existing) return toChoice(existing);
          const provider = await trx
            .selectFrom('authorizations as a')
            .innerJoin('providers as p', 'p.provider_id', 'a.provider_id')
            .select(['p.provider_id', 'p.kind'])
            .where('a.area_id', '=', decision.area_id)
            .where('a.is_default', '=', true)
            .where('a.status', '=', 'approved')
            .executeTakeFirst();
          if (!provider) throw conflict('ORDERS.NO_DEFAULT_PROVIDER', `No default provider is registered for ${decision.area_id}.`);
          return recordChoice(trx, decision, provider, 'default', req);
        });
        afterCommit();
        return choice;
      },
    );

    app.post(
      '/orders',
      {
        config: { roles: ['system', 'case-handler'] },
        schema: {
          summary: 'Place the order (beställning) with the chosen provider',
          description: 'Idempotent per decision: placing it again returns the order already placed.',
          tags: ['orders'],
          body: z.object({ decisionId: z.uuid() }),
          response: { 200: Order, 201: Order, ...errors },
        },
      },
      async (req, reply) => {
        const existing = await findOrder(db, 'decision_id', req.body.decisionId);
        if (existing) return reply.code(200).send(existing);
        const order = await db.transaction().execute(async (trx) => {
          const decision = await grantedDecision(trx, req.body.decisionId);
          const choice = await trx
            .selectFrom('choices as c')
            .innerJoin('providers as p', 'p.provider_id', 'c.provider_id')
            .select(['c.provider_id', 'p.kind'])
            .where('c.decision_id', '=', decision.decision_id)
            .executeTakeFirst();
          if (!choice) throw conflict('ORDERS.NO_CHOICE', 'No provider is chosen for this decision yet.');
          const orderId = randomUUID();
          await trx
            .insertInto('orders')
            .values({ order_id: orderId, decision_id: decision.decision_id, application_id: decision.application_id, customer_id: decision.customer_id, provider_id: choice.provider_id, status: 'placed', accepted_at: null })
            .execute();
          await enqueueEvent(
            trx,
            'orderPlaced',
            {
              orderId,
              applicationId: decision.application_id,
              decisionId: decision.decision_id,
              customerId: decision.customer_id,
              providerId: choice.provider_id,
              providerKind: choice.kind,
              areaId: decision.area_id,
              municipality: decision.municipality,
              careHoursPerMonth: Number(decision.care_hours_per_month),
              serviceHoursPerMonth: Number(decision.service_hours_per_month),
              validFrom: decision.valid_from,
              validTo: decision.valid_to,
            },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'order.placed', entity: 'order', entityId: orderId, after: { decisionId: decision.decision_id, providerId: choice.provider_id }, correlationId: req.correlationId });
          return orderId;
        });
        afterCommit();
        return reply.code(201).send((await findOrder(db, 'order_id', order))!);
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
          querystring: z.object({ status: z.enum(['placed', 'accepted']).optional(), providerId: z.string().optional() }),
          response: { 200: z.array(Order), ...errors },
        },
      },
      async (req) => {
        const providerId = req.principal.role === 'provider' ? req.principal.providerId : req.query.providerId;
        let query = db.selectFrom('orders as o').leftJoin('care_plans as cp', 'cp.order_id', 'o.order_id').selectAll('o').select('cp.agreed_on');
        if (providerId) query = query.where('o.provider_id', '=', providerId);
        if (req.query.status) query = query.where('o.status', '=', req.query.status);
        const rows = await query.orderBy('o.placed_at').limit(500).execute();
        return rows.map(toOrder);
      },
    );

    app.get(
      '/orders/:orderId',
      {
        config: { roles: ['provider', 'case-handler', 'operator', 'citizen', 'system'] },
        schema: { summary: 'Read an order', tags: ['orders'], params: OrderParams, response: { 200: Order, ...errors } },
      },
      async (req) => {
        const order = await findOrder(db, 'order_id', req.params.orderId);
        if (!order) throw notFound('ORDERS.ORDER_NOT_FOUND', 'No such order.');
        assertProviderScope(req.principal, order.providerId);
        assertCustomerScope(req.principal, order.customerId);
        return order;
      },
    );

    app.post(
      '/orders/:orderId/accept',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'The provider accepts the order',
          description: 'Authorized providers are obliged to accept orders within their declared capacity.',
          tags: ['orders'],
          params: OrderParams,
          response: { 200: Order, ...errors },
        },
      },
      async (req) => {
        await db.transaction().execute(async (trx) => {
          const order = await trx.selectFrom('orders').selectAll().where('order_id', '=', req.params.orderId).forUpdate().executeTakeFirst();
          if (!order) throw notFound('ORDERS.ORDER_NOT_FOUND', 'No such order.');
          assertProviderScope(req.principal, order.provider_id);
          if (order.status !== 'placed') throw conflict('ORDERS.ALREADY_ACCEPTED', 'The order is already accepted.');
          await trx.updateTable('orders').set({ status: 'accepted', accepted_at: new Date() }).where('order_id', '=', order.order_id).execute();
          await enqueueEvent(trx, 'orderAccepted', { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id }, { correlationId: req.correlationId });
          await audit(trx, req.principal, { action: 'order.accepted', entity: 'order', entityId: order.order_id, before: { status: 'placed' }, after: { status: 'accepted' }, correlationId: req.correlationId });
        });
        afterCommit();
        return (await findOrder(db, 'order_id', req.params.orderId))!;
      },
    );

    app.post(
      '/orders/:orderId/care-plan',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'Record the agreed care plan (genomförandeplan)',
          description: 'Provider and customer agree how the help is carried out. The order must be accepted first.',
          tags: ['orders'],
          params: OrderParams,
          body: z.object({ agreedOn: z.iso.date(), summary: z.string().min(1).max(5000) }),
          response: { 201: Order, ...errors },
        },
      },
      async (req, reply) => {
        await db.transaction().execute(async (trx) => {
          const order = await trx.selectFrom('orders').selectAll().where('order_id', '=', req.params.orderId).forUpdate().executeTakeFirst();
          if (!order) throw notFound('ORDERS.ORDER_NOT_FOUND', 'No such order.');
          assertProviderScope(req.principal, order.provider_id);
          if (order.status !== 'accepted') throw conflict('ORDERS.NOT_ACCEPTED', 'Accept the order before recording its care plan.');
          const existing = await trx.selectFrom('care_plans').select('care_plan_id').where('order_id', '=', order.order_id).executeTakeFirst();
          if (existing) throw conflict('ORDERS.CARE_PLAN_EXISTS', 'A care plan is already agreed for this order.');
          const carePlanId = randomUUID();
          await trx.insertInto('care_plans').values({ care_plan_id: carePlanId, order_id: order.order_id, agreed_on: req.body.agreedOn, summary: req.body.summary, recorded_by: req.principal.sub }).execute();
          await enqueueEvent(
            trx,
            'carePlanAgreed',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, carePlanId, agreedOn: req.body.agreedOn },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'care-plan.agreed', entity: 'order', entityId: order.order_id, after: req.body, correlationId: req.correlationId });
        });
        afterCommit();
        return reply.code(201).send((await findOrder(db, 'order_id', req.params.orderId))!);
      },
    );
  };
}

async function grantedDecision(trx: Trx, decisionId: string) {
  const decision = await trx.selectFrom('decisions').selectAll().where('decision_id', '=', decisionId).executeTakeFirst();
  if (!decision) throw notFound('ORDERS.DECISION_NOT_FOUND', 'No such decision (it may not have reached this service yet).');
  if (decision.outcome === 'denied') throw conflict('ORDERS.DECISION_DENIED', 'A denied decision has no provider.');
  return decision;
}

async function approvedProvider(trx: Trx, providerId: string, areaId: string) {
  return trx
    .selectFrom('authorizations as a')
    .innerJoin('providers as p', 'p.provider_id', 'a.provider_id')
    .select(['p.provider_id', 'p.kind'])
    .where('a.provider_id', '=', providerId)
    .where('a.area_id', '=', areaId)
    .where('a.status', '=', 'approved')
    .executeTakeFirst();
}

async function recordChoice(
  trx: Trx,
  decision: { decision_id: string; application_id: string; customer_id: string },
  provider: { provider_id: string; kind: 'municipal' | 'private' },
  chosenBy: 'customer' | 'default',
  req: { principal: { sub: string; role: string }; correlationId: string },
) {
  const choiceId = randomUUID();
  await trx.insertInto('choices').values({ choice_id: choiceId, decision_id: decision.decision_id, provider_id: provider.provider_id, chosen_by: chosenBy }).execute();
  await enqueueEvent(
    trx,
    'providerChosen',
    { choiceId, applicationId: decision.application_id, decisionId: decision.decision_id, customerId: decision.customer_id, providerId: provider.provider_id, providerKind: provider.kind, chosenBy },
    { correlationId: req.correlationId },
  );
  await audit(trx, req.principal, { action: 'provider.chosen', entity: 'decision', entityId: decision.decision_id, after: { providerId: provider.provider_id, chosenBy }, correlationId: req.correlationId });
  return { choiceId, decisionId: decision.decision_id, providerId: provider.provider_id, chosenBy };
}

function toChoice(row: { choice_id: string; decision_id: string; provider_id: string; chosen_by: 'customer' | 'default' }) {
  return { choiceId: row.choice_id, decisionId: row.decision_id, providerId: row.provider_id, chosenBy: row.chosen_by };
}

async function findOrder(db: OrdersDb, by: 'order_id' | 'decision_id', id: string) {
  const row = await db.selectFrom('orders as o').leftJoin('care_plans as cp', 'cp.order_id', 'o.order_id').selectAll('o').select('cp.agreed_on').where(`o.${by}`, '=', id).executeTakeFirst();
  return row ? toOrder(row) : undefined;
}

function toOrder(row: { order_id: string; decision_id: string; application_id: string; customer_id: string; provider_id: string; status: 'placed' | 'accepted'; agreed_on: string | null }) {
  return {
    orderId: row.order_id,
    decisionId: row.decision_id,
    applicationId: row.application_id,
    customerId: row.customer_id,
    providerId: row.provider_id,
    status: row.status,
    carePlanAgreedOn: row.agreed_on,
  };
}

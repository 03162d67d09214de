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
import type { BillingDb, BillingDeps } from '../../app.js';
import { recordVisit } from '../../visits/record-visit.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM');
const OrderParams = z.object({ orderId: z.uuid() });

/** The longest single visit accepted: a report longer than a day is a typing error, not a visit. */
const MAX_VISIT_MS = 24 * 3600_000;

export const VisitReport = z.object({
  externalId: z.string().min(1).max(100).describe("The provider's own id for the visit; re-sending it is safe"),
  kind: z.enum(['care', 'service']),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
});

export const VisitsBody = z.object({
  visits: z
    .array(VisitReport)
    .min(1)
    .max(1000)
    .superRefine((visits, ctx) => {
      visits.forEach((v, i) => {
        const ms = Date.parse(v.end) - Date.parse(v.start);
        if (ms <= 0) ctx.addIssue({ code: 'custom', path: [i, 'end'], message: 'a visit ends after it starts' });
        else if (ms > MAX_VISIT_MS) ctx.addIssue({ code: 'custom', path: [i, 'end'], message: 'a visit lasts at most 24 hours' });
      });
    }),
});

export const Visit = z.object({
  visitId: z.uuid(),
  orderId: z.uuid(),
  externalId: z.string(),
  kind: z.enum(['care', 'service']),
  start: z.string(),
  end: z.string(),
  month: z.string(),
  status: z.enum(['reported', 'approved', 'disputed']),
});

/** Delivered visits: the provider reports them, the customer approves or disputes the month. */
export function visitRoutes({ db, afterCommit }: BillingDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/orders/:orderId/visits',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: 'Report delivered visits (utförd tid)',
          description:
            'Visit by visit, start and end as instants. A visit may not overlap another visit of the same customer, must fall inside the order\'s validity, and not in a month the customer has already approved. A re-sent visit (same externalId, same times) is returned as it is.',
          tags: ['visits'],
          params: OrderParams,
          body: VisitsBody,
          response: { 201: z.object({ visits: z.array(Visit) }), ...errors },
        },
      },
      async (req, reply) => {
        const saved = await db.transaction().execute(async (trx) => {
          const order = await trx.selectFrom('orders').selectAll().where('order_id', '=', req.params.orderId).executeTakeFirst();
          if (!order) throw notFound('BILLING.ORDER_NOT_FOUND', 'No such order (it may not have reached billing yet).');
          assertProviderScope(req.principal, order.provider_id);
          const out = [];
          for (const [i, v] of req.body.visits.entries()) {
            const { row } = await recordVisit(trx, order, v, `body.visits.${i}`);
            out.push(toVisit(row));
          }
          await audit(trx, req.principal, { action: 'visits.reported', entity: 'order', entityId: order.order_id, after: req.body.visits, correlationId: req.correlationId });
          return out;
        });
        return reply.code(201).send({ visits: saved });
      },
    );

    app.get(
      '/orders/:orderId/visits',
      {
        config: { roles: ['provider', 'citizen', 'case-handler', 'operator', 'finance'] },
        schema: { summary: 'List the visits of an order in a month', tags: ['visits'], params: OrderParams, querystring: z.object({ month: Month }), response: { 200: z.array(Visit), ...errors } },
      },
      async (req) => {
        const order = await scopedOrder(db, req.params.orderId, req.principal);
        const rows = await db.selectFrom('visits').selectAll().where('order_id', '=', order.order_id).where('local_month', '=', req.query.month).orderBy('start_at').execute();
        return rows.map(toVisit);
      },
    );

    app.post(
      '/orders/:orderId/months/:month/approval',
      {
        config: { roles: ['citizen', 'case-handler'] },
        schema: {
          summary: "The customer approves a month's delivered visits",
          description: 'Every reported visit of the month is approved except those listed as disputed; disputed visits are not paid until resolved.',
          tags: ['visits'],
          params: z.object({ orderId: z.uuid(), month: Month }),
          body: z.object({ disputedVisitIds: z.array(z.uuid()).default([]) }),
          response: { 201: z.object({ orderId: z.uuid(), month: z.string(), approvedVisits: z.number(), disputedVisits: z.number() }), ...errors },
        },
      },
      async (req, reply) => {
        const result = await db.transaction().execute(async (trx) => {
          const order = await scopedOrder(trx, req.params.orderId, req.principal);
          const { month } = req.params;
          const already = await trx.selectFrom('month_approvals').select('month').where('order_id', '=', order.order_id).where('month', '=', month).executeTakeFirst();
          if (already) throw conflict('BILLING.MONTH_APPROVED', `${month} is already approved.`);
          const visits = await trx.selectFrom('visits').select(['visit_id']).where('order_id', '=', order.order_id).where('local_month', '=', month).execute();
          if (visits.length === 0) throw conflict('BILLING.NO_VISITS', `No visits are reported for ${month}.`);
          const known = new Set(visits.map((v) => v.visit_id));
          const unknown = req.body.disputedVisitIds.find((id) => !known.has(id));
          if (unknown) throw invalid('BILLING.UNKNOWN_VISIT', `Visit ${unknown} is not a visit of this order in ${month}.`, { field: 'body.disputedVisitIds' });
          const disputed = new Set(req.body.disputedVisitIds);
          for (const v of visits) {
            await trx.updateTable('visits').set({ status: disputed.has(v.visit_id) ? 'disputed' : 'approved' }).where('visit_id', '=', v.visit_id).execute();
          }
          const approvedVisits = visits.length - disputed.size;
          await trx.insertInto('month_approvals').values({ order_id: order.order_id, month, approved_by: req.principal.sub, approved_visits: approvedVisits, disputed_visits: disputed.size }).execute();
          await enqueueEvent(
            trx,
            'monthApproved',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, month, approvedVisits, disputedVisits: disputed.size },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'month.approved', entity: 'order', entityId: order.order_id, after: { month, approvedVisits, disputed: [...disputed] }, correlationId: req.correlationId });
          return { orderId: order.order_id, month, approvedVisits, disputedVisits: disputed.size };
        });
        afterCommit();
        return reply.code(201).send(result);
      },
    );
  };
}

/** The order, if the caller may see it: a provider only its own, a citizen only their own. */
export async function scopedOrder(db: BillingDb, orderId: string, principal: Parameters<typeof assertProviderScope>[0]) {
  const order = await db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!order) throw notFound('BILLING.ORDER_NOT_FOUND', 'No such order.');
  assertProviderScope(principal, order.provider_id);
  assertCustomerScope(principal, order.customer_id);
  return order;
}

type VisitRow = { visit_id: string; order_id: string; external_id: string; kind: 'care' | 'service'; start_at: Date; end_at: Date; local_month: string; status: 'reported' | 'approved' | 'disputed' };
function toVisit(row: VisitRow) {
  return {
    visitId: row.visit_id,
    orderId: row.order_id,
    externalId: row.external_id,
    kind: row.kind,
    start: row.start_at.toISOString(),
    end: row.end_at.toISOString(),
    month: row.local_month,
    status: row.status,
  };
}

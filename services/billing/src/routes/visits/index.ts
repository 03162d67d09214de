import { IsoMonth } from '@kundval/domain';
import { FreeText } from '@kundval/contracts';
import { z } from 'zod';
import {
  ErrorBody,
  assertCustomerScope,
  commandRunner,
  assertProviderScope,
  audit,
  conflict,
  enqueueEvent,
  invalid,
  notFound,
  type FastifyPluginAsyncZod,
} from '@kundval/platform';
import type { BillingDb } from '../../store/db.js';
import type { BillingDeps } from '../../deps.js';
import { deliveryUnitOf, orderEnd } from '../../areas.js';
import { localMonthOf } from '../../local-time.js';
import { firstDayOf, lastDayOf } from '../../periods.js';
import { lockOrderDeliveries, recordVisit } from '../../visits/record-visit.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;
const OrderParams = z.object({ orderId: z.uuid() });

/**
 * The visit report and the resolution of disputed visits may pass the app's 256 KiB JSON limit at
 * their schemas' maxima (1000 visits pretty-printed; 2 × 5000 ids), so they declare 1 MiB (ADR 0024).
 */
const MAX_BATCH_BODY_BYTES = 1024 * 1024;

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
  status: z.enum(['reported', 'approved', 'disputed', 'rejected']),
});

const ResolveBody = z.object({
  approve: z.array(z.uuid()).max(5000).default([]).describe('Disputed deliveries the case handler found delivered: paid from now on'),
  reject: z.array(z.uuid()).max(5000).default([]).describe('Disputed deliveries found not delivered: never paid'),
});
const NothingDeliveredBody = z.object({
  reason: FreeText(500).describe('Why nothing was delivered (the customer was in hospital, declined every visit, …); kept with the month'),
});
const ClosedMonth = z.object({
  orderId: z.uuid(),
  month: z.string(),
  approvedVisits: z.number().describe('Always 0: nothing is paid for the month'),
  disputedVisits: z.number(),
  nothingDelivered: z.literal(true),
  reason: z.string(),
  closedBy: z.string(),
  closedAt: z.string(),
});

const Resolution = z.object({
  orderId: z.uuid(),
  month: z.string(),
  approvedVisits: z.number(),
  rejectedVisits: z.number(),
  resolvedAt: z.string(),
});

/** Delivered visits: the provider reports them, the customer approves or disputes the month. */
export function visitRoutes({ db, afterCommit, clock = () => new Date() }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
  return async (app) => {
    app.post(
      '/orders/:orderId/visits',
      {
        bodyLimit: MAX_BATCH_BODY_BYTES,
        config: { roles: ['provider'] },
        schema: {
          summary: 'Report delivered visits (utförd tid)',
          description:
            'Visit by visit, start and end as instants. A visit may not overlap another visit of the same customer, must fall inside the order\'s validity (its last day as amended by a changed or renewed decision, or ended early), and not in a month the customer has already approved. A re-sent visit (same externalId, same times) is returned as it is.',
          tags: ['visits'],
          params: OrderParams,
          body: VisitsBody,
          response: { 201: z.object({ visits: z.array(Visit) }), ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const order = await trx.selectFrom('orders').selectAll().where('order_id', '=', req.params.orderId).executeTakeFirst();
          if (!order) throw notFound('BILLING.ORDER_NOT_FOUND', 'No such order (it may not have reached billing yet).');
          assertProviderScope(req.principal, order.provider_id);
          await lockOrderDeliveries(trx, order.order_id);
          const out = [];
          for (const [i, v] of req.body.visits.entries()) {
            const { row } = await recordVisit(trx, order, v, `body.visits.${i}`);
            out.push(toVisit(row));
          }
          await audit(trx, req.principal, { action: 'visits.reported', entity: 'order', entityId: order.order_id, after: req.body.visits, correlationId: req.correlationId });
          return { status: 201, body: { visits: out } };
        }),
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
        // `system`: the journey records an approval the customer gave through its approve-month update.
        config: { roles: ['citizen', 'case-handler', 'system'] },
        schema: {
          summary: "The customer approves a month's delivered visits",
          description:
            'Every reported visit, session and attendance day of the month is approved except those listed as disputed (`disputedVisitIds` takes the id of any of them); disputed deliveries are not paid until a case handler resolves them (POST …/disputes/resolve).',
          tags: ['visits'],
          params: z.object({ orderId: z.uuid(), month: Month }),
          body: z.object({ disputedVisitIds: z.array(z.uuid()).default([]) }),
          response: { 201: z.object({ orderId: z.uuid(), month: z.string(), approvedVisits: z.number(), disputedVisits: z.number(), approvedAttendanceDays: z.number().optional().describe('Of the approved deliveries, attendance days (day activities only)'), approvedSessions: z.number().optional().describe('Of the approved deliveries, sessions (areas paid per session only)') }), ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const order = await scopedOrder(trx, req.params.orderId, req.principal);
          const { month } = req.params;
          await lockOrderDeliveries(trx, order.order_id);
          const already = await trx.selectFrom('month_approvals').select('month').where('order_id', '=', order.order_id).where('month', '=', month).executeTakeFirst();
          if (already) throw conflict('BILLING.MONTH_APPROVED', `${month} is already approved.`);
          const visits = await trx.selectFrom('visits').select(['visit_id']).where('order_id', '=', order.order_id).where('local_month', '=', month).execute();
          // Day activities: the month's attendance days are approved (or disputed) with it (DOMAIN.md §5).
          const days = await trx.selectFrom('attendance_days').select(['attendance_id']).where('order_id', '=', order.order_id).where('local_month', '=', month).execute();
          // Areas paid per session: the month's sessions likewise (ADR 0019).
          const sessions = await trx.selectFrom('sessions').select(['session_id']).where('order_id', '=', order.order_id).where('local_month', '=', month).execute();
          if (visits.length + days.length + sessions.length === 0) throw conflict('BILLING.NO_VISITS', `No visits, sessions or attendance days are reported for ${month}; a case handler closes a month without deliveries as nothing delivered.`);
          const known = new Set([...visits.map((v) => v.visit_id), ...days.map((d) => d.attendance_id), ...sessions.map((x) => x.session_id)]);
          const unknown = req.body.disputedVisitIds.find((id) => !known.has(id));
          if (unknown) throw invalid('BILLING.UNKNOWN_VISIT', `Visit ${unknown} is not a visit of this order in ${month}.`, { field: 'body.disputedVisitIds' });
          const disputed = new Set(req.body.disputedVisitIds);
          const approvedIds = visits.map((v) => v.visit_id).filter((id) => !disputed.has(id));
          const disputedIds = visits.map((v) => v.visit_id).filter((id) => disputed.has(id));
          if (approvedIds.length > 0) await trx.updateTable('visits').set({ status: 'approved' }).where('visit_id', 'in', approvedIds).execute();
          if (disputedIds.length > 0) await trx.updateTable('visits').set({ status: 'disputed' }).where('visit_id', 'in', disputedIds).execute();
          const approvedDays = days.map((d) => d.attendance_id).filter((id) => !disputed.has(id));
          const disputedDays = days.map((d) => d.attendance_id).filter((id) => disputed.has(id));
          if (approvedDays.length > 0) await trx.updateTable('attendance_days').set({ status: 'approved' }).where('attendance_id', 'in', approvedDays).execute();
          if (disputedDays.length > 0) await trx.updateTable('attendance_days').set({ status: 'disputed' }).where('attendance_id', 'in', disputedDays).execute();
          const approvedSessions = sessions.map((x) => x.session_id).filter((id) => !disputed.has(id));
          const disputedSessions = sessions.map((x) => x.session_id).filter((id) => disputed.has(id));
          if (approvedSessions.length > 0) await trx.updateTable('sessions').set({ status: 'approved' }).where('session_id', 'in', approvedSessions).execute();
          if (disputedSessions.length > 0) await trx.updateTable('sessions').set({ status: 'disputed' }).where('session_id', 'in', disputedSessions).execute();
          const approvedVisits = known.size - disputed.size;
          await trx.insertInto('month_approvals').values({ order_id: order.order_id, month, approved_by: req.principal.sub, approved_visits: approvedVisits, disputed_visits: disputed.size }).execute();
          await enqueueEvent(
            trx,
            'monthApproved',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, month, approvedVisits, disputedVisits: disputed.size, nothingDelivered: false },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'month.approved', entity: 'order', entityId: order.order_id, after: { month, approvedVisits, ...(days.length > 0 ? { approvedAttendanceDays: approvedDays.length } : {}), ...(sessions.length > 0 ? { approvedSessions: approvedSessions.length } : {}), disputed: [...disputed] }, correlationId: req.correlationId });
          return {
            status: 201,
            body: {
              orderId: order.order_id,
              month,
              approvedVisits,
              disputedVisits: disputed.size,
              ...(days.length > 0 ? { approvedAttendanceDays: approvedDays.length } : {}),
              ...(sessions.length > 0 ? { approvedSessions: approvedSessions.length } : {}),
            },
          };
        }),
    );

    app.post(
      '/orders/:orderId/months/:month/nothing-delivered',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Close a month in which nothing was delivered',
          description:
            "A month of the order that has ended (Europe/Stockholm) and in which no visit, session or attendance day is reported is recorded as approved with 0 visits, with the case handler's reason, and announced as `monthApproved` with `nothingDelivered: true`, so the customer's journey settles it: its payment (basis approval or attendance) is 0 and its fee charges nothing more. Deliveries reported later into the month are refused as for any approved month. Refused with 409: `BILLING.MONTH_NOT_OVER` (the month has not ended), `BILLING.OUTSIDE_ORDER` (the month lies outside the order's validity), `BILLING.DELIVERIES_REPORTED` (the customer approves those instead), `BILLING.MONTH_APPROVED` (approved or closed already), `BILLING.AREA_MISMATCH` (a nursing home's month is settled by its occupancy).",
          tags: ['visits'],
          params: z.object({ orderId: z.uuid(), month: Month }),
          body: NothingDeliveredBody,
          response: { 201: ClosedMonth, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const { month } = req.params;
          const { reason } = req.body;
          const order = await scopedOrder(trx, req.params.orderId, req.principal);
          const unit = deliveryUnitOf(order.area_id);
          if (unit === 'occupancy-day') {
            throw conflict('BILLING.AREA_MISMATCH', `Order ${order.order_id} is in ${order.area_id}, paid by ${unit}: its months are settled by the occupancy, not approved.`);
          }
          const current = localMonthOf(clock());
          if (month >= current) throw conflict('BILLING.MONTH_NOT_OVER', `${month} is not over yet (it is ${current} in Stockholm); close it once it has ended.`, { field: 'params.month' });
          const lastDay = orderEnd(order);
          if (lastDayOf(month) < order.valid_from || firstDayOf(month) > lastDay) {
            throw conflict('BILLING.OUTSIDE_ORDER', `${month} is outside the order's validity ${order.valid_from}–${lastDay}.`, { field: 'params.month' });
          }
          await lockOrderDeliveries(trx, order.order_id);
          const already = await trx.selectFrom('month_approvals').select('nothing_delivered').where('order_id', '=', order.order_id).where('month', '=', month).executeTakeFirst();
          if (already) throw conflict('BILLING.MONTH_APPROVED', already.nothing_delivered ? `${month} is closed as nothing delivered already.` : `${month} is already approved by the customer.`);
          const visits = await trx.selectFrom('visits').select((eb) => eb.fn.countAll<number>().as('n')).where('order_id', '=', order.order_id).where('local_month', '=', month).executeTakeFirstOrThrow();
          const days = await trx.selectFrom('attendance_days').select((eb) => eb.fn.countAll<number>().as('n')).where('order_id', '=', order.order_id).where('local_month', '=', month).executeTakeFirstOrThrow();
          const sessions = await trx.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('order_id', '=', order.order_id).where('local_month', '=', month).executeTakeFirstOrThrow();
          const [visitCount, dayCount, sessionCount] = [Number(visits.n), Number(days.n), Number(sessions.n)];
          if (visitCount + dayCount + sessionCount > 0) {
            throw conflict(
              'BILLING.DELIVERIES_REPORTED',
              `${visitCount} visits, ${sessionCount} sessions and ${dayCount} attendance days are reported for ${month}: the customer approves (or disputes) them instead.`,
            );
          }
          const row = await trx
            .insertInto('month_approvals')
            .values({ order_id: order.order_id, month, approved_by: req.principal.sub, approved_visits: 0, disputed_visits: 0, nothing_delivered: true, nothing_delivered_reason: reason })
            .returning('approved_at')
            .executeTakeFirstOrThrow();
          await enqueueEvent(
            trx,
            'monthApproved',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, month, approvedVisits: 0, disputedVisits: 0, nothingDelivered: true },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'month.closed-nothing-delivered', entity: 'order', entityId: order.order_id, after: { month, reason }, correlationId: req.correlationId });
          return { status: 201, body: { orderId: order.order_id, month, approvedVisits: 0, disputedVisits: 0, nothingDelivered: true as const, reason, closedBy: req.principal.sub, closedAt: row.approved_at.toISOString() } };
        }),
    );

    app.post(
      '/orders/:orderId/months/:month/disputes/resolve',
      {
        bodyLimit: MAX_BATCH_BODY_BYTES,
        config: { roles: ['case-handler'] },
        schema: {
          summary: "Resolve the disputed deliveries of an approved month",
          description:
            'Every delivery the customer disputed in the month is listed once, under `approve` (it was delivered: paid by the next payment of the month, as a delta) or `reject` (never paid). A month is resolved once.',
          tags: ['visits'],
          params: z.object({ orderId: z.uuid(), month: Month }),
          body: ResolveBody,
          response: { 201: Resolution, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const { month } = req.params;
          const order = await scopedOrder(trx, req.params.orderId, req.principal);
          const approval = await trx.selectFrom('month_approvals').select('month').where('order_id', '=', order.order_id).where('month', '=', month).executeTakeFirst();
          if (!approval) throw conflict('BILLING.MONTH_NOT_APPROVED', `The customer has not approved ${month}; nothing is disputed yet.`);
          const resolved = await trx.selectFrom('dispute_resolutions').select('resolved_at').where('order_id', '=', order.order_id).where('month', '=', month).executeTakeFirst();
          if (resolved) throw conflict('BILLING.DISPUTE_RESOLVED', `The disputes of ${month} were resolved already.`);
          const visits = await trx.selectFrom('visits').select('visit_id as id').where('order_id', '=', order.order_id).where('local_month', '=', month).where('status', '=', 'disputed').execute();
          const days = await trx.selectFrom('attendance_days').select('attendance_id as id').where('order_id', '=', order.order_id).where('local_month', '=', month).where('status', '=', 'disputed').execute();
          const sessions = await trx.selectFrom('sessions').select('session_id as id').where('order_id', '=', order.order_id).where('local_month', '=', month).where('status', '=', 'disputed').execute();
          const disputed = new Set([...visits, ...days, ...sessions].map((d) => d.id));
          if (disputed.size === 0) throw conflict('BILLING.NO_DISPUTE', `Nothing of ${month} is disputed.`);
          const { approve, reject } = req.body;
          const seen = new Set<string>();
          for (const [list, name] of [[approve, 'approve'], [reject, 'reject']] as const) {
            for (const [i, id] of list.entries()) {
              if (!disputed.has(id)) throw invalid('BILLING.NOT_DISPUTED', `${id} is not a disputed delivery of this order in ${month}.`, { field: `body.${name}.${i}` });
              if (seen.has(id)) throw invalid('BILLING.RESOLVED_TWICE', `${id} is listed twice; approve or reject it once.`, { field: `body.${name}.${i}` });
              seen.add(id);
            }
          }
          const open = [...disputed].filter((id) => !seen.has(id));
          if (open.length > 0) throw invalid('BILLING.DISPUTES_UNRESOLVED', `Resolve every disputed delivery of ${month}: ${open.length} are neither approved nor rejected (${open.slice(0, 5).join(', ')}).`, { field: 'body' });
          for (const [ids, status] of [[approve, 'approved'], [reject, 'rejected']] as const) {
            if (ids.length === 0) continue;
            await trx.updateTable('visits').set({ status }).where('visit_id', 'in', ids).where('order_id', '=', order.order_id).execute();
            await trx.updateTable('attendance_days').set({ status }).where('attendance_id', 'in', ids).where('order_id', '=', order.order_id).execute();
            await trx.updateTable('sessions').set({ status }).where('session_id', 'in', ids).where('order_id', '=', order.order_id).execute();
          }
          const row = await trx
            .insertInto('dispute_resolutions')
            .values({ order_id: order.order_id, month, resolved_by: req.principal.sub, approved_ids: JSON.stringify(approve), rejected_ids: JSON.stringify(reject) })
            .returning('resolved_at')
            .executeTakeFirstOrThrow();
          const counts = { approvedVisits: approve.length, rejectedVisits: reject.length };
          await enqueueEvent(
            trx,
            'disputeResolved',
            { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, month, ...counts },
            { correlationId: req.correlationId },
          );
          await audit(trx, req.principal, { action: 'disputes.resolved', entity: 'order', entityId: order.order_id, before: { month, disputed: [...disputed] }, after: { month, approve, reject }, correlationId: req.correlationId });
          return { status: 201, body: { orderId: order.order_id, month, ...counts, resolvedAt: row.resolved_at.toISOString() } };
        }),
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

type VisitRow = { visit_id: string; order_id: string; external_id: string; kind: 'care' | 'service'; start_at: Date; end_at: Date; local_month: string; status: 'reported' | 'approved' | 'disputed' | 'rejected' };
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

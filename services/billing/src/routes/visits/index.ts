import { IsoMonth } from '@kundval/domain';
import { FreeText } from '@kundval/contracts';
import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { useCaseRunner, queryContext } from '../use-case.js';
import { VisitReport, reportVisits } from '../../application/visits/report-visits.js';
import { listVisits } from '../../application/visits/list-visits.js';
import { approveMonth } from '../../application/visits/approve-month.js';
import { closeMonthNothingDelivered } from '../../application/visits/close-month-nothing-delivered.js';
import { resolveDisputes } from '../../application/visits/resolve-disputes.js';

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
export function visitRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
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
      async (req, reply) => run(req, reply, (ctx) => reportVisits(ctx, { orderId: req.params.orderId, visits: req.body.visits })),
    );

    app.get(
      '/orders/:orderId/visits',
      {
        config: { roles: ['provider', 'citizen', 'case-handler', 'operator', 'finance'] },
        schema: { summary: 'List the visits of an order in a month', tags: ['visits'], params: OrderParams, querystring: z.object({ month: Month }), response: { 200: z.array(Visit), ...errors } },
      },
      async (req) => listVisits(queryOf(req), { orderId: req.params.orderId, month: req.query.month }),
    );

    app.post(
      '/orders/:orderId/months/:month/approval',
      {
        // Only the journey (ADR 0029): a person approves through POST workflows /journeys/:applicationId/months/:month/approval,
        // and the worker carries it here as `system` on their behalf (ADR 0022), audited as theirs.
        config: { roles: ['system'] },
        schema: {
          summary: "The customer approves a month's delivered visits (the journey's command)",
          description:
            "The journey's command for the customer's approval, which people give through `POST workflows /journeys/:applicationId/months/:month/approval` (ADR 0029); called as `system` on the person's behalf. " +
            'Every reported visit, session and attendance day of the month is approved except those listed as disputed (`disputedVisitIds` takes the id of any of them); disputed deliveries are not paid until a case handler resolves them (POST …/disputes/resolve).',
          tags: ['visits'],
          params: z.object({ orderId: z.uuid(), month: Month }),
          body: z.object({ disputedVisitIds: z.array(z.uuid()).default([]) }),
          response: { 201: z.object({ orderId: z.uuid(), month: z.string(), approvedVisits: z.number(), disputedVisits: z.number(), approvedAttendanceDays: z.number().optional().describe('Of the approved deliveries, attendance days (day activities only)'), approvedSessions: z.number().optional().describe('Of the approved deliveries, sessions (areas paid per session only)') }), ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => approveMonth(ctx, { ...req.params, disputedVisitIds: req.body.disputedVisitIds })),
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
      async (req, reply) => run(req, reply, (ctx) => closeMonthNothingDelivered(ctx, { ...req.params, reason: req.body.reason })),
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
      async (req, reply) => run(req, reply, (ctx) => resolveDisputes(ctx, { ...req.params, approve: req.body.approve, reject: req.body.reject })),
    );
  };
}

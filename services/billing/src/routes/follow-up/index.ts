import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, audit, commandRunner, type FastifyPluginAsyncZod } from '@kundval/platform';
import { providerFilterFor } from '../../application/scope.js';
import type { Principal } from '@kundval/contracts';
import type { BillingDeps } from '../../deps.js';
import { loadDeviationRule } from '../../follow-up/config.js';
import { deviationAlert, grantedDelivered, monthsEndingAt, sumPerProviderAndArea, type DeviationRule, type GrantedDeliveredRow } from '../../follow-up/granted-delivered.js';
import { loadOrderMonthFacts, type FollowUpFilter } from '../../store/follow-up.js';
import { enqueueAlertRaised } from '../../follow-up/alert-event.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Measure = z.enum(['minutes', 'days', 'sessions']);

const Row = z.object({
  orderId: z.uuid(),
  customerId: z.uuid(),
  providerId: z.string(),
  areaId: z.string(),
  month: z.string(),
  measure: Measure.describe('What the numbers count: minutes of visits, attendance days, or sessions'),
  granted: z.number().nullable().describe("The month's grant as the decision states it; null where the area grants no time"),
  ordered: z.number().nullable().describe('The grant for the days the order was in force (each day 1/days-in-month of that day’s terms)'),
  delivered: z.number().describe('Reported by the provider and not rejected'),
  approved: z.number().describe('Approved by the customer, or in a resolved dispute'),
  paidOre: z.number().describe("What the provider has been paid for the order's month, corrections included"),
  deliveredShare: z.number().nullable().describe('delivered / ordered, four decimals'),
});
const Sum = z.object({
  providerId: z.string(),
  areaId: z.string(),
  measure: Measure,
  customers: z.number(),
  granted: z.number(),
  ordered: z.number(),
  delivered: z.number(),
  approved: z.number(),
  paidOre: z.number(),
  deliveredShare: z.number().nullable(),
});
const Query = z.object({
  month: IsoMonth,
  providerId: z.string().min(1).max(100).optional().describe("A provider's own; a provider sees only its own whatever it asks"),
  areaId: z.string().min(1).max(100).optional(),
  customerId: z.uuid().optional(),
});
const Alert = z.object({
  alertId: z.uuid(),
  orderId: z.uuid(),
  customerId: z.uuid(),
  providerId: z.string(),
  areaId: z.string(),
  kind: z.enum(['under-delivery', 'over-delivery']),
  firstMonth: z.string().describe('The first month of the run: the cause, raised once'),
  raisedMonth: z.string(),
  shares: z.array(z.number()).describe('Delivered / ordered in each month of the run when raised'),
  raisedAt: z.string(),
});

const CSV_COLUMNS = ['month', 'customerId', 'orderId', 'providerId', 'areaId', 'measure', 'granted', 'ordered', 'delivered', 'approved', 'paidOre', 'deliveredShare'] as const;

/**
 * Granted against delivered (issue 15; ADR 0036): per customer and month, and per provider and area,
 * as JSON and CSV; and the alerts for case handlers when delivery keeps deviating from the order.
 */
export function followUpRoutes({ db, afterCommit }: BillingDeps, rule: DeviationRule = loadDeviationRule()): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });

  /** A provider asks for its own only: its id is the filter, whatever the query said (403 for another's). */
  const scoped = (principal: Principal, q: z.infer<typeof Query>): FollowUpFilter => ({ providerId: providerFilterFor(principal, q.providerId), areaId: q.areaId, customerId: q.customerId });

  return async (app) => {
    app.get(
      '/follow-up/granted-delivered',
      {
        config: { roles: ['finance', 'case-handler', 'operator', 'provider'] },
        schema: {
          summary: 'Granted against delivered: per customer and month, and per provider and area',
          description:
            'For each order in force in the month (nursing-home placements excepted): the time the decision granted, what the order asked for the days it was in force, what the provider delivered (reported, not rejected), what was approved, and what was paid; and the same summed per provider and area. Home care counts minutes, day activities attendance days, per-session areas sessions. A provider sees only its own.',
          tags: ['follow-up'],
          querystring: Query,
          response: { 200: z.object({ month: z.string(), customers: z.array(Row), providers: z.array(Sum) }), ...errors },
        },
      },
      async (req) => {
        const rows = (await loadOrderMonthFacts(db, [req.query.month], scoped(req.principal, req.query))).map(grantedDelivered);
        return { month: req.query.month, customers: rows, providers: sumPerProviderAndArea(rows) };
      },
    );

    app.get(
      '/follow-up/granted-delivered.csv',
      {
        config: { roles: ['finance', 'case-handler', 'operator', 'provider'] },
        schema: {
          summary: 'Granted against delivered per customer and month, as CSV',
          description: `One line per order: ${CSV_COLUMNS.join(';')}. Semicolon-separated with a byte-order mark, as Swedish spreadsheets open it; an empty cell where the area grants no time.`,
          tags: ['follow-up'],
          querystring: Query,
          response: { 200: { description: 'UTF-8 CSV', content: { 'text/csv': { schema: z.string() } } }, ...errors },
        },
      },
      async (req, reply) => {
        const rows = (await loadOrderMonthFacts(db, [req.query.month], scoped(req.principal, req.query))).map(grantedDelivered);
        const csv = stringify(
          rows.map((r) => CSV_COLUMNS.map((c) => r[c])),
          { header: true, columns: [...CSV_COLUMNS], delimiter: ';', bom: true, record_delimiter: 'windows', cast: { number: (n) => String(n) } },
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="granted-delivered-${req.query.month}.csv"`)
          .send(csv);
      },
    );

    app.post(
      '/follow-up/alerts',
      {
        config: { roles: ['case-handler', 'operator', 'system'] },
        schema: {
          summary: "Raise the month's alerts: delivery below or above what was ordered, months running",
          description: `An order whose delivered share of what was ordered stayed below ${rule.minShare} (FOLLOW_UP_MIN_SHARE) or above ${rule.maxShare} (FOLLOW_UP_MAX_SHARE) for ${rule.months} months (FOLLOW_UP_MONTHS) up to and including the month raises one alert for the case handler; the run's first month is its cause, so asking again, or a month later while the run goes on, raises nothing new. Answers the alerts raised now and every alert of a run still going on in the month.`,
          tags: ['follow-up'],
          body: z.object({ month: IsoMonth }),
          response: { 200: z.object({ month: z.string(), raised: z.array(Alert), open: z.array(Alert) }), ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (trx) => {
          const { month } = req.body;
          // A year back finds where a run began; rule.months alone would move the cause forward each month.
          const months = monthsEndingAt(month, Math.max(12, rule.months));
          const byOrder = new Map<string, GrantedDeliveredRow[]>();
          for (const row of (await loadOrderMonthFacts(trx, months)).map(grantedDelivered)) byOrder.set(row.orderId, [...(byOrder.get(row.orderId) ?? []), row]);
          const found = [...byOrder.values()].filter((h) => h.at(-1)?.month === month).flatMap((h) => deviationAlert(gapless(h, months), rule) ?? []);
          const raised = [];
          for (const a of found) {
            const row = await trx
              .insertInto('follow_up_alerts')
              .values({ alert_id: randomUUID(), order_id: a.orderId, customer_id: a.customerId, provider_id: a.providerId, area_id: a.areaId, kind: a.kind, first_month: a.firstMonth, raised_month: month, shares: JSON.stringify(a.shares), raised_by: req.principal.sub })
              .onConflict((oc) => oc.columns(['order_id', 'kind', 'first_month']).doNothing())
              .returningAll()
              .executeTakeFirst();
            if (!row) continue;
            raised.push(toAlert(row));
            await enqueueAlertRaised(trx, row.alert_id, a, req.correlationId);
            await audit(trx, req.principal, { action: 'follow-up.alert-raised', entity: 'order', entityId: a.orderId, after: { kind: a.kind, firstMonth: a.firstMonth, month, shares: a.shares }, correlationId: req.correlationId });
          }
          const open = found.length === 0 ? [] : await trx.selectFrom('follow_up_alerts').selectAll().where((eb) => eb.or(found.map((a) => eb.and([eb('order_id', '=', a.orderId), eb('kind', '=', a.kind), eb('first_month', '=', a.firstMonth)])))).orderBy('raised_at').orderBy('alert_id').execute();
          return { status: 200, body: { month, raised, open: open.map(toAlert) } };
        }),
    );

    app.get(
      '/follow-up/alerts',
      {
        config: { roles: ['case-handler', 'operator', 'finance'] },
        schema: {
          summary: 'The alerts raised, newest first',
          tags: ['follow-up'],
          querystring: z.object({ month: IsoMonth.optional().describe('Only those raised for this month'), limit: z.coerce.number().int().min(1).max(500).default(100) }),
          response: { 200: z.array(Alert), ...errors },
        },
      },
      async (req) => {
        let q = db.selectFrom('follow_up_alerts').selectAll();
        if (req.query.month) q = q.where('raised_month', '=', req.query.month);
        return (await q.orderBy('raised_at', 'desc').orderBy('alert_id').limit(req.query.limit).execute()).map(toAlert);
      },
    );
  };
}

/** Only the months that follow each other up to the last: a month the order was not in force breaks a run. */
function gapless(history: GrantedDeliveredRow[], months: readonly string[]): GrantedDeliveredRow[] {
  const out: GrantedDeliveredRow[] = [];
  for (let i = months.length - 1, j = history.length - 1; i >= 0 && j >= 0 && history[j]!.month === months[i]; i--, j--) out.unshift(history[j]!);
  return out;
}

function toAlert(r: { alert_id: string; order_id: string; customer_id: string; provider_id: string; area_id: string; kind: 'under-delivery' | 'over-delivery'; first_month: string; raised_month: string; shares: number[]; raised_at: Date }) {
  return {
    alertId: r.alert_id,
    orderId: r.order_id,
    customerId: r.customer_id,
    providerId: r.provider_id,
    areaId: r.area_id,
    kind: r.kind,
    firstMonth: r.first_month,
    raisedMonth: r.raised_month,
    shares: r.shares,
    raisedAt: r.raised_at.toISOString(),
  };
}

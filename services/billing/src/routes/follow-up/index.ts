import { stringify } from 'csv-stringify/sync';
import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import { deviationRuleOfEnvironment, type BillingDeps } from '../../deps.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { grantedAgainstDelivered, grantedDeliveredPerCustomer } from '../../application/follow-up/granted-delivered.js';
import { raiseAlerts, type DeviationRule } from '../../application/follow-up/raise-alerts.js';
import { listAlerts } from '../../application/follow-up/list-alerts.js';

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
export function followUpRoutes(deps: BillingDeps, rule: DeviationRule = deviationRuleOfEnvironment()): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);

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
      async (req) => grantedAgainstDelivered(queryOf(req), req.query),
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
        const customers = await grantedDeliveredPerCustomer(queryOf(req), req.query);
        const csv = stringify(
          customers.map((r) => CSV_COLUMNS.map((c) => r[c])),
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
      async (req, reply) => run(req, reply, (ctx) => raiseAlerts(ctx, req.body, rule)),
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
      async (req) => listAlerts(queryOf(req), req.query),
    );
  };
}

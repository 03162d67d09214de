import { IsoMonth } from '@kundval/domain';
import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { queryContext, useCaseRunner } from '../use-case.js';
import { runBillingRun } from '../../application/billing-runs/run-billing-month.js';
import { billingRunState } from '../../application/billing-runs/billing-run-state.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = IsoMonth;

const BillingRun = z.object({
  runId: z.uuid(),
  month: z.string(),
  periodMonth: z.string(),
  status: z.literal('completed'),
  startedAt: z.string(),
  finishedAt: z.string(),
  counts: z.object({
    providers: z.number(),
    statements: z.number(),
    orders: z.number(),
    visits: z.number(),
    payments: z.number(),
    invoices: z.number(),
    excludedDeliveries: z.number(),
    refusedOrders: z.number(),
    customersNotCharged: z.number(),
  }),
  totals: z.object({ statementsOre: z.number(), previouslyPaidOre: z.number(), paymentsOre: z.number(), feesOre: z.number() }),
  batch: z
    .object({ batchId: z.uuid(), messageId: z.string(), includedPayments: z.number(), includedOre: z.number(), transfers: z.number(), skippedPayments: z.number(), pain001Bytes: z.number() })
    .nullable(),
});
const RunState = z.object({ runId: z.uuid(), month: z.string(), periodMonth: z.string(), status: z.enum(['running', 'completed']), startedAt: z.string(), heartbeatAt: z.string(), result: BillingRun.nullable() });

/** The monthly billing run for the whole municipality (ADR 0011). */
export function billingRunRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const queryOf = queryContext(deps);
  const settings = { tariffOrePerHour: deps.tariffOrePerHour, finance: deps.finance };
  return async (app) => {
    app.post(
      '/billing-runs',
      {
        config: { roles: ['finance', 'system'] },
        schema: {
          summary: "Run the month's billing for the whole municipality",
          description:
            "Prices every provider's month into a statement and pays each order-month what it is worth less what was paid, charges every customer's fee across all areas under one maxtaxa less what was charged, and batches the period's payments into a pain.001 file. Once per month: running it again returns the run (200). Only a month that is over can be run.",
          tags: ['payments'],
          body: z.object({ month: Month }),
          response: { 200: BillingRun, 201: BillingRun, ...errors },
        },
      },
      // The run commits a transaction per provider and per page of customers: its answer is kept
      // after the last commit (runSpanning). A crash in between is safe, since the run is once per
      // month: the retry finds it completed and answers it (200 rather than the lost 201).
      async (req, reply) => run.spanning(req, reply, (ctx) => runBillingRun(ctx, req.body, settings)),
    );

    app.get(
      '/billing-runs/:month',
      {
        config: { roles: ['finance', 'operator', 'system'] },
        schema: { summary: "The month's billing run, running or done", tags: ['payments'], params: z.object({ month: Month }), response: { 200: RunState, ...errors } },
      },
      async (req) => billingRunState(queryOf(req), req.params),
    );
  };
}

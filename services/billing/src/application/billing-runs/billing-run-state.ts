import { notFound } from '@kundval/platform';
import type { BillingRunResult } from '../../billing-run/run-month.js';
import { findBillingRun } from '../../store/billing-runs.js';
import type { QueryContext } from '../context.js';

/** The month's billing run as it stands: running (with its heartbeat) or completed with its result. */
export async function billingRunState(ctx: QueryContext, input: { month: string }) {
  const run = await findBillingRun(ctx.db, input.month);
  if (!run) throw notFound('BILLING.RUN_NOT_FOUND', `No billing run of ${input.month}.`);
  return {
    runId: run.run_id,
    month: run.month,
    periodMonth: run.period_month,
    status: run.status,
    startedAt: run.started_at.toISOString(),
    heartbeatAt: run.heartbeat_at.toISOString(),
    result: (run.result as BillingRunResult | null) ?? null,
  };
}

import { stockholmMonth } from '@kundval/domain';
import { conflict } from '@kundval/platform';
import { runBillingMonth, type BillingRunResult } from '../../billing-run/run-month.js';
import type { FinanceSettings } from '../../finance/config.js';
import type { Outcome, SpanningContext } from '../context.js';

/** What the run prices and pays by, from the service's configuration. */
export type BillingRunSettings = { tariffOrePerHour: number; finance?: FinanceSettings | undefined };

/**
 * The month's billing for the whole municipality (ADR 0011), once per month: running it again
 * answers the run (not created). Only a month that is over in Stockholm can be run. The run commits
 * per provider and per page of customers, so it takes the database, not one transaction.
 */
export async function runBillingRun(ctx: SpanningContext, input: { month: string }, settings: BillingRunSettings): Promise<Omit<Outcome<BillingRunResult>, 'events'>> {
  const { month } = input;
  const current = stockholmMonth(ctx.clock());
  if (month >= current) throw conflict('BILLING.MONTH_NOT_OVER', `${month} is not over yet (it is ${current} in Stockholm); run it once its deliveries are in.`, { field: 'body.month' });
  return runBillingMonth({
    db: ctx.db,
    month,
    actor: ctx.principal,
    correlationId: ctx.correlationId,
    tariffOrePerHour: settings.tariffOrePerHour,
    ...(settings.finance ? { finance: settings.finance } : {}),
    clock: ctx.clock,
  });
}

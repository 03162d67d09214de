import { stockholmDate } from '@kundval/domain';
import { audit, invalid } from '@kundval/platform';
import type { FinanceSettings } from '../../finance/config.js';
import { releaseCreditsForPayback, type ReleasedCredit } from '../../fees/fee-credits.js';
import type { Outcome, UseCaseContext } from '../context.js';

export type FeeCreditsReleased = { asOf: string; dryRun: boolean; setOffDays: number; released: ReleasedCredit[] };

/**
 * Releases for payback the fee credits no invoice took in time (ADR 0039): a credit still open
 * `setOffDays` after it was made is to be paid back, judged by `asOf` (today in Stockholm, or an
 * earlier day); `dryRun` lists them without releasing.
 */
export async function releaseFeeCredits(ctx: UseCaseContext, input: { asOf?: string | undefined; dryRun: boolean }, rules: FinanceSettings['feeCredits']): Promise<Outcome<FeeCreditsReleased>> {
  const today = stockholmDate(ctx.now);
  const asOf = input.asOf ?? today;
  if (asOf > today) throw invalid('BILLING.PAYBACK_DATE_FUTURE', `Paybacks are judged by today (${today}) or an earlier day, not ${asOf}.`, { field: 'body.asOf' });
  const { dryRun } = input;
  const released = await releaseCreditsForPayback(ctx.db, { asOf, setOffDays: rules.setOffDays, dryRun });
  if (!dryRun) {
    for (const c of released) {
      await audit(ctx.db, ctx.principal, { action: 'fee-credit.released-for-payback', entity: 'customer', entityId: c.customerId, after: { creditId: c.creditId, month: c.month, returnedOre: c.returnedOre, asOf }, correlationId: ctx.correlationId });
    }
  }
  return { result: { asOf, dryRun, setOffDays: rules.setOffDays, released }, created: false, events: [] };
}

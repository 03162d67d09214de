import { audit } from '@kundval/platform';
import { feeBasisOf, upsertFeeBasis } from '../../store/fee-invoices.js';
import type { Outcome, UseCaseContext } from '../context.js';

export type RecordFeeBasis = { customerId: string; netIncomeOre: number; housingCostOre: number; household: 'single' | 'couple'; minimumAmountRaiseOre: number };

/** A case handler records the customer's fee basis (avgiftsunderlag), replacing the one before; the fee room is computed from it. */
export async function recordFeeBasis(ctx: UseCaseContext, input: RecordFeeBasis): Promise<Outcome<{ customerId: string }>> {
  const { customerId, ...basis } = input;
  const values = { net_income_ore: basis.netIncomeOre, housing_cost_ore: basis.housingCostOre, household: basis.household, minimum_amount_raise_ore: basis.minimumAmountRaiseOre };
  const before = await feeBasisOf(ctx.db, customerId);
  await upsertFeeBasis(ctx.db, customerId, values);
  await audit(ctx.db, ctx.principal, { action: 'fee-basis.recorded', entity: 'customer', entityId: customerId, before: before ?? null, after: basis, correlationId: ctx.correlationId });
  return { result: { customerId }, created: false, events: [] };
}

import type { QueryContext } from '../context.js';
import { assertOwnerNamed } from '../scope.js';
import { outstandingCredits, type ProviderCredits } from './outstanding-credits.js';

/** One provider's outstanding credits (none is an empty list); a provider asking for another's is refused (403). */
export async function providerCredits(ctx: QueryContext, input: { providerId: string }): Promise<ProviderCredits> {
  assertOwnerNamed(ctx.principal, { providerId: input.providerId });
  const [found] = await outstandingCredits(ctx, input);
  return found ?? { providerId: input.providerId, outstandingOre: 0, oldestAt: null, credits: [] };
}

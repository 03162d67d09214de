import { invalid } from '@kundval/platform';
import { checkSwitch, recordSwitch, type SwitchView } from '../../store/choices.js';
import { grantedDecision } from '../../store/decisions.js';
import { leaveQueues, queueCustomer, type QueueEntryView } from '../../store/places.js';
import { approvedProvider, isPlaceArea } from '../../store/providers.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { decisionScope } from '../scope.js';
import { placeAvailable, rememberDistrict } from './places.js';
import { placeQueued, providerSwitched } from '../events.js';

export type SwitchProvider = { decisionId: string; providerId: string; effectiveFrom: string; district?: string | undefined; fromProviderId?: string | undefined };

/**
 * The customer switches provider from a chosen date; a nursing home without a free place queues
 * the customer instead.
 */
export async function switchProvider(ctx: UseCaseContext, input: SwitchProvider): Promise<Outcome<SwitchView | QueueEntryView>> {
  const decision = await grantedDecision(ctx.db, input.decisionId, true, decisionScope(ctx.principal));
  const provider = await approvedProvider(ctx.db, input.providerId, decision.area_id);
  if (!provider) throw invalid('ORDERS.PROVIDER_NOT_AUTHORIZED', `Provider ${input.providerId} is not authorized for ${decision.area_id}.`, { field: 'body.providerId' });
  const from = await checkSwitch(ctx, decision, provider.provider_id, input.effectiveFrom, input.fromProviderId);
  await rememberDistrict(ctx, decision, input.district);
  const place = isPlaceArea(decision.area_id) ? await placeAvailable(ctx, provider.provider_id, decision.area_id) : { taken: true, events: [] };
  if (!place.taken) {
    const entry = await queueCustomer(ctx, decision, provider.provider_id);
    return { result: entry, created: true, events: [...place.events, placeQueued(decision, provider.provider_id, ctx.now)] };
  }
  const switched = await recordSwitch(ctx, decision, from, provider, input.effectiveFrom);
  await leaveQueues(ctx, decision.decision_id, null);
  return { result: switched, created: true, events: [...place.events, providerSwitched(decision, switched, provider.kind)] };
}

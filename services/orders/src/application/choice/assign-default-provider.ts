import { conflict } from '@kundval/platform';
import { chosenTracks, latestChoice, recordChoice, toChoice, type ChoiceView } from '../../store/choices.js';
import { assertNotEnded, grantedDecision } from '../../store/decisions.js';
import { isQueued } from '../../store/places.js';
import { allowsSeveralProviders, defaultProviderOf, isPlaceArea } from '../../store/providers.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { placeAvailable } from './places.js';
import { providerChosen } from '../events.js';

/**
 * Assigns the area's default provider (ickevalsalternativ) when the customer has not chosen in
 * time. A provider already in use stands; refused while the customer waits in a queue, and when the
 * default home has no free place.
 */
export async function assignDefaultProvider(ctx: UseCaseContext, input: { decisionId: string }): Promise<Outcome<ChoiceView>> {
  const decision = await grantedDecision(ctx.db, input.decisionId, true);
  // Any provider in use stands: the default is for a customer who has none.
  const existing = allowsSeveralProviders(decision.area_id)
    ? (await chosenTracks(ctx.db, decision.decision_id, ctx.today))[0]?.[0]
    : await latestChoice(ctx.db, decision.decision_id);
  if (existing?.status === 'active') return { result: toChoice(existing), created: false, events: [] };
  assertNotEnded(decision);
  if (await isQueued(ctx.db, decision.decision_id)) throw conflict('ORDERS.IN_QUEUE', 'The customer waits in a queue for a place of their choice.');
  const provider = await defaultProviderOf(ctx.db, decision.area_id);
  if (!provider) throw conflict('ORDERS.NO_DEFAULT_PROVIDER', `No default provider is registered for ${decision.area_id}.`);
  const place = isPlaceArea(decision.area_id) ? await placeAvailable(ctx, provider.provider_id, decision.area_id) : { taken: true, events: [] };
  if (!place.taken) throw conflict('ORDERS.NO_FREE_PLACE', `The default home ${provider.provider_id} has no free place.`);
  const choice = await recordChoice(ctx, decision, provider, 'default');
  return { result: choice, created: false, events: [...place.events, providerChosen(decision, provider, choice)] };
}

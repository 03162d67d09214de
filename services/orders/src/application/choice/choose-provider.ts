import { conflict, invalid } from '@kundval/platform';
import { assertMayChoose, chosenTracks, recordChoice, type ChoiceView } from '../../store/choices.js';
import { assertNotEnded, grantedDecision, lastDay, type DecisionRow } from '../../store/decisions.js';
import { assertQueuedAt, leaveQueues, queueCustomer, type QueueEntryView } from '../../store/places.js';
import { allowsSeveralProviders, approvedProvider, isPlaceArea } from '../../store/providers.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { decisionScope } from '../scope.js';
import { placeAvailable, rememberDistrict } from './places.js';
import { placeQueued, providerChosen } from '../events.js';

export type ChooseProvider = {
  decisionId: string;
  providerId: string;
  district?: string | undefined;
  stayInQueueFor?: string | undefined;
  /** Only for a provider added beside others (areas with several at once). */
  effectiveFrom?: string | undefined;
};

/** Recorded, or, for a nursing home without a free place, the customer queued. */
export type ChoiceMade = ChoiceView | QueueEntryView;

export function isQueued(result: ChoiceMade): result is QueueEntryView {
  return 'queueEntryId' in result;
}

/**
 * The customer's choice of provider (the customer, or the case handler or the journey for them).
 * The provider must be authorized in the area; a nursing home without a free place queues the
 * customer instead. The one use case every way in to a choice runs (ADR 0029).
 */
export async function chooseProvider(ctx: UseCaseContext, input: ChooseProvider): Promise<Outcome<ChoiceMade>> {
  const decision = await grantedDecision(ctx.db, input.decisionId, true, decisionScope(ctx.principal));
  assertNotEnded(decision);
  await assertMayChoose(ctx.db, decision, input.providerId, ctx.today);
  const provider = await approvedProvider(ctx.db, input.providerId, decision.area_id);
  if (!provider) throw invalid('ORDERS.PROVIDER_NOT_AUTHORIZED', `Provider ${input.providerId} is not authorized for ${decision.area_id}.`, { field: 'body.providerId' });
  if (input.stayInQueueFor) await assertQueuedAt(ctx.db, decision.decision_id, input.stayInQueueFor);
  await rememberDistrict(ctx, decision, input.district);
  const place = isPlaceArea(decision.area_id) ? await placeAvailable(ctx, provider.provider_id, decision.area_id) : { taken: true, events: [] };
  if (!place.taken) {
    const entry = await queueCustomer(ctx, decision, provider.provider_id);
    return { result: entry, created: true, events: [...place.events, placeQueued(decision, provider.provider_id, ctx.now)] };
  }
  if (input.effectiveFrom !== undefined) await assertAddedFrom(ctx, decision, input.effectiveFrom);
  const choice = await recordChoice(ctx, decision, provider, 'customer', input.effectiveFrom);
  await leaveQueues(ctx, decision.decision_id, input.stayInQueueFor ?? null);
  return { result: choice, created: true, events: [...place.events, providerChosen(decision, provider, choice)] };
}

/**
 * A first day given with a choice is for a provider added beside others only, within the decision;
 * the customer adds one from today at the earliest, while the case handler may record an
 * arrangement that began earlier.
 */
async function assertAddedFrom(ctx: UseCaseContext, decision: DecisionRow, effectiveFrom: string): Promise<void> {
  const field = { field: 'body.effectiveFrom' };
  if (!allowsSeveralProviders(decision.area_id) || (await chosenTracks(ctx.db, decision.decision_id, ctx.today)).length === 0) {
    throw invalid('ORDERS.EFFECTIVE_FROM_NOT_APPLICABLE', 'A first day is given only for a provider added beside others; a first choice is in force from the decision\'s start.', field);
  }
  if (effectiveFrom < decision.valid_from || effectiveFrom > lastDay(decision)) {
    throw conflict('ORDERS.OUTSIDE_DECISION', `The decision is in force from ${decision.valid_from} to ${lastDay(decision)}.`, field);
  }
  // The person who asks decides, also when the journey carries their request (`onBehalfOf`, ADR 0029).
  const person = ctx.principal.onBehalfOf ?? ctx.principal;
  if (person.role !== 'case-handler' && effectiveFrom < ctx.today) throw conflict('ORDERS.CHOICE_DATE_PAST', `A provider is added from ${ctx.today} at the earliest.`, field);
}

import type { ProviderKind } from '../store/schema.js';
import type { DecisionRow } from '../store/decisions.js';
import type { ChoiceView, SwitchView } from '../store/choices.js';
import type { OfferRow } from '../store/places.js';
import { pendingEvent, type PendingEvent } from './context.js';

/**
 * The events of a choice, a switch, an offered place and a queued customer, built here from what
 * the store wrote: the store only writes, the use case decides what it announces and returns it,
 * in the order it happened, for the runner to put in the outbox in its transaction.
 */
export function providerChosen(decision: DecisionRow, provider: { provider_id: string; kind: ProviderKind }, choice: ChoiceView): PendingEvent {
  return pendingEvent('providerChosen', {
    choiceId: choice.choiceId,
    applicationId: decision.application_id,
    decisionId: decision.decision_id,
    customerId: decision.customer_id,
    providerId: provider.provider_id,
    providerKind: provider.kind,
    chosenBy: choice.chosenBy,
  });
}

export function providerSwitched(decision: DecisionRow, switched: SwitchView, toKind: ProviderKind): PendingEvent {
  return pendingEvent('providerSwitched', {
    switchId: switched.switchId,
    applicationId: decision.application_id,
    decisionId: decision.decision_id,
    customerId: decision.customer_id,
    fromProviderId: switched.fromProviderId,
    toProviderId: switched.toProviderId,
    toProviderKind: toKind,
    effectiveFrom: switched.effectiveFrom,
  });
}

/** One `placeOffered` per offer made, in the order the queue was served. */
export function placesOffered(offers: readonly OfferRow[]): PendingEvent[] {
  return offers.map((offer) =>
    pendingEvent('placeOffered', { offerId: offer.offer_id, applicationId: offer.application_id, decisionId: offer.decision_id, customerId: offer.customer_id, providerId: offer.provider_id, answerBy: offer.answer_by }),
  );
}

export function placeQueued(decision: DecisionRow, providerId: string, queuedAt: Date): PendingEvent {
  return pendingEvent('placeQueued', { applicationId: decision.application_id, decisionId: decision.decision_id, customerId: decision.customer_id, providerId, queuedAt: queuedAt.toISOString() });
}

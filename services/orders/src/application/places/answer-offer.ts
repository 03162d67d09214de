import { addDays } from '@kundval/domain';
import { audit, conflict, invalid, notFound } from '@kundval/platform';
import { checkSwitch, latestChoice, recordChoice, recordSwitch, type ChoiceView, type SwitchView } from '../../store/choices.js';
import { assertNotEnded, grantedDecision } from '../../store/decisions.js';
import { assertQueuedAt, freePlaces, leaveQueues, lockHome, lockOffer, offerFreePlaces, offerOwner, recordOfferAnswer, toOffer, type OfferView } from '../../store/places.js';
import { providerKindOf } from '../../store/providers.js';
import { pendingEvent, type Outcome, type PendingEvent, type UseCaseContext } from '../context.js';
import { placesOffered, providerChosen, providerSwitched } from '../events.js';
import { offerScope } from '../scope.js';

export type AnswerOffer = { offerId: string; accepted: boolean; stayInQueueFor?: string | undefined; effectiveFrom?: string | undefined };
export type OfferAnswered = { offer: OfferView; choice: ChoiceView | null; switch: SwitchView | null };

/** What needs no database: staying in another queue goes with accepting. Run before the command claims its key. */
export function checkAnswer(input: Pick<AnswerOffer, 'accepted' | 'stayInQueueFor'>): void {
  if (!input.accepted && input.stayInQueueFor !== undefined) {
    throw invalid('ORDERS.STAY_ONLY_WHEN_ACCEPTING', 'Staying in another queue goes with accepting a place.', { field: 'body.stayInQueueFor' });
  }
}

/**
 * The customer answers an offered place until its answer date. Accepting records the home as the
 * choice, or for a customer living in another home a switch from `effectiveFrom` (tomorrow by
 * default), and leaves every other queue but `stayInQueueFor`; declining leaves this home's queue
 * and the place goes to the next in line.
 */
export async function answerOffer(ctx: UseCaseContext, input: AnswerOffer): Promise<Outcome<OfferAnswered>> {
  const { accepted, stayInQueueFor } = input;
  const found = await offerOwner(ctx.db, input.offerId, offerScope(ctx.principal));
  if (!found) throw notFound('ORDERS.OFFER_NOT_FOUND', 'No such offer.');
  // Locks in the order every command takes them: the decision, the home, then the offer.
  const decision = await grantedDecision(ctx.db, found.decision_id, true);
  await lockHome(ctx.db, found.provider_id, found.area_id);
  const offer = await lockOffer(ctx.db, input.offerId);
  if (offer.status !== 'open') throw conflict('ORDERS.OFFER_CLOSED', `The offer is already ${offer.status}.`);
  if (offer.answer_by < ctx.today) throw conflict('ORDERS.OFFER_LAPSED', `The offer had to be answered by ${offer.answer_by}.`);
  const answered = { ...offer, status: accepted ? ('accepted' as const) : ('declined' as const), answered_at: ctx.now, stay_in_queue_for: stayInQueueFor ?? null };
  await recordOfferAnswer(ctx.db, offer, { accepted, at: ctx.now, stayInQueueFor: stayInQueueFor ?? null });
  const { offerId: _offerId, ...answer } = input;
  await audit(ctx.db, ctx.actor, { action: accepted ? 'offer.accepted' : 'offer.declined', entity: 'offer', entityId: offer.offer_id, after: answer, correlationId: ctx.correlationId });
  let choice: ChoiceView | null = null;
  let switched: SwitchView | null = null;
  // The answer first, then what follows from it (the choice or switch, or the place offered to the next in line).
  const events: PendingEvent[] = [
    pendingEvent('offerAnswered', { offerId: offer.offer_id, applicationId: offer.application_id, customerId: offer.customer_id, providerId: offer.provider_id, accepted, stayInQueueFor: stayInQueueFor ?? null }),
  ];
  if (accepted) {
    if (stayInQueueFor) await assertQueuedAt(ctx.db, decision.decision_id, stayInQueueFor);
    const provider = await providerKindOf(ctx.db, offer.provider_id);
    const current = await latestChoice(ctx.db, decision.decision_id);
    if (current?.status === 'active') {
      // Living in another home already (the customer stayed in this queue): a move from the chosen day.
      const effectiveFrom = input.effectiveFrom ?? addDays(ctx.today, 1);
      const from = await checkSwitch(ctx, decision, provider.provider_id, effectiveFrom);
      switched = await recordSwitch(ctx, decision, from, provider, effectiveFrom);
      events.push(providerSwitched(decision, switched, provider.kind));
    } else {
      assertNotEnded(decision);
      choice = await recordChoice(ctx, decision, provider, 'customer');
      events.push(providerChosen(decision, provider, choice));
    }
    await leaveQueues(ctx, decision.decision_id, stayInQueueFor ?? null);
  } else {
    await freePlaces(ctx.db, offer.provider_id, offer.area_id, 1);
    events.push(...placesOffered(await offerFreePlaces(ctx, offer.provider_id, offer.area_id)));
  }
  return { result: { offer: toOffer(answered), choice, switch: switched }, created: false, events };
}

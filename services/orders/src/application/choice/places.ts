import { audit } from '@kundval/platform';
import { setDistrict, type DecisionRow } from '../../store/decisions.js';
import { lapseOffers, lockHome, offerFreePlaces, takePlace } from '../../store/places.js';
import type { PendingEvent, UseCaseContext } from '../context.js';
import { placesOffered } from '../events.js';

/**
 * Takes a free place in the home for this customer, after the home's queue has been served: lapsed
 * offers are closed and free places offered in queue order first, so nobody jumps the queue.
 * Returns whether a place was taken and the offers' events (`placeOffered`), which come first.
 */
export async function placeAvailable(ctx: UseCaseContext, providerId: string, areaId: string): Promise<{ taken: boolean; events: PendingEvent[] }> {
  await lockHome(ctx.db, providerId, areaId);
  await lapseOffers(ctx, providerId, areaId);
  const events = placesOffered(await offerFreePlaces(ctx, providerId, areaId));
  return { taken: await takePlace(ctx.db, providerId, areaId), events };
}

/** Keeps the district the customer gave with a choice or switch on the decision's copy (the service area is checked against it). */
export async function rememberDistrict(ctx: UseCaseContext, decision: DecisionRow, district: string | undefined): Promise<void> {
  if (district === undefined || district === decision.district) return;
  await setDistrict(ctx.db, decision.decision_id, district);
  await audit(ctx.db, ctx.actor, { action: 'decision.district', entity: 'decision', entityId: decision.decision_id, before: { district: decision.district }, after: { district }, correlationId: ctx.correlationId });
  decision.district = district;
}

import { audit } from '@kundval/platform';
import { setDistrict, type DecisionRow } from '../../store/decisions.js';
import { lapseOffers, lockHome, offerFreePlaces, takePlace } from '../../store/places.js';
import type { UseCaseContext } from '../context.js';

/**
 * Takes a free place in the home for this customer, after the home's queue has been served: lapsed
 * offers are closed and free places offered in queue order first, so nobody jumps the queue.
 */
export async function placeAvailable(ctx: UseCaseContext, providerId: string, areaId: string): Promise<boolean> {
  await lockHome(ctx.db, providerId, areaId);
  await lapseOffers(ctx, providerId, areaId);
  await offerFreePlaces(ctx, providerId, areaId);
  return takePlace(ctx.db, providerId, areaId);
}

/** Keeps the district the customer gave with a choice or switch on the decision's copy (the service area is checked against it). */
export async function rememberDistrict(ctx: UseCaseContext, decision: DecisionRow, district: string | undefined): Promise<void> {
  if (district === undefined || district === decision.district) return;
  await setDistrict(ctx.db, decision.decision_id, district);
  await audit(ctx.db, ctx.actor, { action: 'decision.district', entity: 'decision', entityId: decision.decision_id, before: { district: decision.district }, after: { district }, correlationId: ctx.correlationId });
  decision.district = district;
}

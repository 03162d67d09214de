import { audit, conflict, invalid, notFound } from '@kundval/platform';
import { freePlaces, lapseOffers, lockHome, offerFreePlaces, placeAreasOf, placesOf, toOffer, type OfferView } from '../../store/places.js';
import { placesOffered } from '../events.js';
import { isPlaceArea } from '../../store/providers.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { assertSees } from '../scope.js';

export type ReleasePlaces = { providerId: string; areaId?: string | undefined; count: number };
export type PlacesReleased = { providerId: string; areaId: string; released: number; occupiedPlaces: number; capacity: number; offers: OfferView[] };

/** What needs no database: the caller's scope, and a named area must be one counted in places. Run before the command claims its key. */
export function checkRelease(caller: Pick<UseCaseContext, 'principal'>, input: Pick<ReleasePlaces, 'providerId' | 'areaId'>): void {
  assertSees(caller.principal, { providerId: input.providerId });
  if (input.areaId !== undefined && !isPlaceArea(input.areaId)) throw invalid('ORDERS.NOT_A_PLACE_AREA', `${input.areaId} is not counted in places.`, { field: 'body.areaId' });
}

/**
 * A home releases places (a resident moved out or died): offers that lapsed unanswered free theirs
 * first, then the free places are offered to the first in the home's queue.
 */
export async function releasePlaces(ctx: UseCaseContext, input: ReleasePlaces): Promise<Outcome<PlacesReleased>> {
  const { providerId, count } = input;
  const placeAreas = await placeAreasOf(ctx.db, providerId);
  const areaId = input.areaId ?? (placeAreas.length === 1 ? placeAreas[0] : undefined);
  if (!areaId) {
    if (placeAreas.length === 0) throw notFound('ORDERS.AUTHORIZATION_NOT_FOUND', `Provider ${providerId} has no authorization counted in places.`);
    throw invalid('ORDERS.AREA_REQUIRED', 'The provider has several areas counted in places: name one.', { field: 'body.areaId' });
  }
  const authorization = await lockHome(ctx.db, providerId, areaId);
  if (!authorization) throw notFound('ORDERS.AUTHORIZATION_NOT_FOUND', `Provider ${providerId} has no authorization for ${areaId}.`);
  const lapsed = await lapseOffers(ctx, providerId, areaId);
  const occupied = authorization.occupied_places - lapsed;
  if (count > occupied) throw conflict('ORDERS.RELEASE_EXCEEDS_OCCUPIED', `Only ${occupied} places are taken; ${count} cannot be released.`, { field: 'body.count' });
  if (count > 0) {
    await freePlaces(ctx.db, providerId, areaId, count);
    await audit(ctx.db, ctx.actor, {
      action: 'places.released',
      entity: 'authorization',
      entityId: `${providerId}/${areaId}`,
      before: { occupiedPlaces: occupied },
      after: { occupiedPlaces: occupied - count },
      correlationId: ctx.correlationId,
    });
  }
  const offered = await offerFreePlaces(ctx, providerId, areaId);
  const after = await placesOf(ctx.db, providerId, areaId);
  const offers = offered.map(toOffer);
  return { result: { providerId, areaId, released: count, occupiedPlaces: after.occupied_places, capacity: after.capacity_customers, offers }, created: false, events: placesOffered(offered) };
}

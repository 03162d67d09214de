import { addDays } from '@kundval/domain';
import { z } from 'zod';
import { assertCustomerScope, assertProviderScope, audit, conflict, enqueueEvent, invalid, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { checkSwitch, latestChoice, recordChoice, recordSwitch } from '../../store/choices.js';
import { assertNotEnded, grantedDecision } from '../../store/decisions.js';
import { assertQueuedAt, freePlaces, lapseOffers, leaveQueues, lockHome, offerFreePlaces, queueView, toOffer, type OfferView } from '../../store/places.js';
import { isPlaceArea } from '../../store/providers.js';
import { Choice, QueueEntry, Switch } from '../choice/index.js';
import { commandRunner, errors } from '../command.js';
import { ProviderId } from '../providers/index.js';

const Offer = z.object({
  offerId: z.uuid(),
  queueEntryId: z.uuid(),
  providerId: z.string(),
  areaId: z.string(),
  decisionId: z.uuid(),
  customerId: z.uuid(),
  answerBy: z.string(),
  status: z.enum(['open', 'accepted', 'declined', 'lapsed', 'withdrawn']),
});
const ProviderParams = z.object({ providerId: ProviderId });

/** Nursing-home places: releases, the queue of each home, offers and their answers (DOMAIN.md §4, shortage of places). */
export function placeRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  const command = commandRunner(deps);
  return async (app) => {
    app.post(
      '/providers/:providerId/places/released',
      {
        config: { roles: ['provider', 'administrator'] },
        schema: {
          summary: 'The home reports places released',
          description:
            'A resident moved out: the places are free again and each free place is offered to the first in the home\'s queue (`placeOffered`, answer within 3 days). ' +
            'Offers left unanswered past their date lapse first, and their places go to the next in line too: `count: 0` does only that. ' +
            '`areaId` may be left out when the provider has one area counted in places.',
          tags: ['places'],
          params: ProviderParams,
          body: z.object({ count: z.number().int().min(0).max(1000), areaId: z.string().min(1).optional() }),
          response: {
            200: z.object({ providerId: z.string(), areaId: z.string(), released: z.number(), occupiedPlaces: z.number(), capacity: z.number(), offers: z.array(Offer) }),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        assertProviderScope(req.principal, req.params.providerId);
        const providerId = req.params.providerId;
        if (req.body.areaId !== undefined && !isPlaceArea(req.body.areaId)) {
          throw invalid('ORDERS.NOT_A_PLACE_AREA', `${req.body.areaId} is not counted in places.`, { field: 'body.areaId' });
        }
        return command(req, reply, async (tx) => {
          const placeAuthorizations = (
            await tx.db.selectFrom('authorizations').select('area_id').where('provider_id', '=', providerId).execute()
          ).filter((a) => isPlaceArea(a.area_id));
          const areaId = req.body.areaId ?? (placeAuthorizations.length === 1 ? placeAuthorizations[0]!.area_id : undefined);
          if (!areaId) {
            if (placeAuthorizations.length === 0) throw notFound('ORDERS.AUTHORIZATION_NOT_FOUND', `Provider ${providerId} has no authorization counted in places.`);
            throw invalid('ORDERS.AREA_REQUIRED', 'The provider has several areas counted in places: name one.', { field: 'body.areaId' });
          }
          const authorization = await lockHome(tx.db, providerId, areaId);
          if (!authorization) throw notFound('ORDERS.AUTHORIZATION_NOT_FOUND', `Provider ${providerId} has no authorization for ${areaId}.`);
          const lapsed = await lapseOffers(tx, providerId, areaId);
          const occupied = authorization.occupied_places - lapsed;
          if (req.body.count > occupied) {
            throw conflict('ORDERS.RELEASE_EXCEEDS_OCCUPIED', `Only ${occupied} places are taken; ${req.body.count} cannot be released.`, { field: 'body.count' });
          }
          if (req.body.count > 0) {
            await freePlaces(tx.db, providerId, areaId, req.body.count);
            await audit(tx.db, tx.actor, {
              action: 'places.released',
              entity: 'authorization',
              entityId: `${providerId}/${areaId}`,
              before: { occupiedPlaces: occupied },
              after: { occupiedPlaces: occupied - req.body.count },
              correlationId: tx.correlationId,
            });
          }
          const offers = await offerFreePlaces(tx, providerId, areaId);
          const after = await tx.db.selectFrom('authorizations').select(['occupied_places', 'capacity_customers']).where('provider_id', '=', providerId).where('area_id', '=', areaId).executeTakeFirstOrThrow();
          return {
            status: 200,
            body: { providerId, areaId, released: req.body.count, occupiedPlaces: after.occupied_places, capacity: after.capacity_customers, offers },
          };
        });
      },
    );

    app.get(
      '/providers/:providerId/queue',
      {
        config: { roles: ['provider', 'case-handler', 'operator'] },
        schema: {
          summary: "A home's queue, first in line first",
          description: 'Customers waiting for a place, and those with an open offer. A provider sees only its own queue.',
          tags: ['places'],
          params: ProviderParams,
          querystring: z.object({ areaId: z.string().min(1).optional() }),
          response: { 200: z.array(QueueEntry), ...errors },
        },
      },
      async (req) => {
        assertProviderScope(req.principal, req.params.providerId);
        const provider = await db.selectFrom('providers').select('provider_id').where('provider_id', '=', req.params.providerId).executeTakeFirst();
        if (!provider) throw notFound('ORDERS.PROVIDER_NOT_FOUND', 'No such provider.');
        return queueView(db, { providerId: req.params.providerId, ...(req.query.areaId ? { areaId: req.query.areaId } : {}) });
      },
    );

    app.post(
      '/offers/:offerId/answer',
      {
        config: { roles: ['citizen', 'case-handler'] },
        schema: {
          summary: 'The customer answers an offered place',
          description:
            'Accepting records the home as the choice (`providerChosen`), or for a customer already living in another home a switch from `effectiveFrom` ' +
            '(default tomorrow), and takes the customer out of every other queue except `stayInQueueFor`. Declining leaves this home\'s queue and the place ' +
            'goes to the next in line. Either way `offerAnswered`. An offer can be answered until its answer date.',
          tags: ['places'],
          params: z.object({ offerId: z.uuid() }),
          body: z.object({ accepted: z.boolean(), stayInQueueFor: z.string().min(1).optional(), effectiveFrom: z.iso.date().optional() }),
          response: { 200: z.object({ offer: Offer, choice: Choice.nullable(), switch: Switch.nullable() }), ...errors },
        },
      },
      async (req, reply) => {
        const { accepted, stayInQueueFor } = req.body;
        if (!accepted && stayInQueueFor !== undefined) throw invalid('ORDERS.STAY_ONLY_WHEN_ACCEPTING', 'Staying in another queue goes with accepting a place.', { field: 'body.stayInQueueFor' });
        return command(req, reply, async (tx) => {
          const found = await tx.db.selectFrom('offers').select(['decision_id', 'customer_id', 'provider_id', 'area_id']).where('offer_id', '=', req.params.offerId).executeTakeFirst();
          if (!found) throw notFound('ORDERS.OFFER_NOT_FOUND', 'No such offer.');
          assertCustomerScope(req.principal, found.customer_id);
          // Locks in the order every command takes them: the decision, the home, then the offer.
          const decision = await grantedDecision(tx.db, found.decision_id, true);
          await lockHome(tx.db, found.provider_id, found.area_id);
          const offer = await tx.db.selectFrom('offers').selectAll().where('offer_id', '=', req.params.offerId).forUpdate().executeTakeFirstOrThrow();
          if (offer.status !== 'open') throw conflict('ORDERS.OFFER_CLOSED', `The offer is already ${offer.status}.`);
          if (offer.answer_by < tx.today) throw conflict('ORDERS.OFFER_LAPSED', `The offer had to be answered by ${offer.answer_by}.`);
          let choice: z.infer<typeof Choice> | null = null;
          let switched: z.infer<typeof Switch> | null = null;
          const answered = { ...offer, status: accepted ? ('accepted' as const) : ('declined' as const), answered_at: tx.now, stay_in_queue_for: stayInQueueFor ?? null };
          await tx.db
            .updateTable('offers')
            .set({ status: answered.status, answered_at: tx.now, stay_in_queue_for: answered.stay_in_queue_for })
            .where('offer_id', '=', offer.offer_id)
            .execute();
          await tx.db
            .updateTable('queue_entries')
            .set({ status: accepted ? 'placed' : 'declined', left_at: tx.now })
            .where('queue_entry_id', '=', offer.queue_entry_id)
            .execute();
          await enqueueEvent(
            tx.db,
            'offerAnswered',
            { offerId: offer.offer_id, applicationId: offer.application_id, customerId: offer.customer_id, providerId: offer.provider_id, accepted, stayInQueueFor: stayInQueueFor ?? null },
            { correlationId: tx.correlationId, occurredAt: tx.now },
          );
          await audit(tx.db, tx.actor, { action: accepted ? 'offer.accepted' : 'offer.declined', entity: 'offer', entityId: offer.offer_id, after: req.body, correlationId: tx.correlationId });
          if (accepted) {
            if (stayInQueueFor) await assertQueuedAt(tx.db, decision.decision_id, stayInQueueFor);
            const provider = await tx.db.selectFrom('providers').select(['provider_id', 'kind']).where('provider_id', '=', offer.provider_id).executeTakeFirstOrThrow();
            const current = await latestChoice(tx.db, decision.decision_id);
            if (current?.status === 'active') {
              // Living in another home already (the customer stayed in this queue): a move from the chosen day.
              const effectiveFrom = req.body.effectiveFrom ?? addDays(tx.today, 1);
              const from = await checkSwitch(tx, decision, provider.provider_id, effectiveFrom);
              switched = await recordSwitch(tx, decision, from, provider, effectiveFrom);
            } else {
              assertNotEnded(decision);
              choice = await recordChoice(tx, decision, provider, 'customer');
            }
            await leaveQueues(tx, decision.decision_id, stayInQueueFor ?? null);
          } else {
            await freePlaces(tx.db, offer.provider_id, offer.area_id, 1);
            await offerFreePlaces(tx, offer.provider_id, offer.area_id);
          }
          const body: { offer: OfferView; choice: typeof choice; switch: typeof switched } = { offer: toOffer(answered), choice, switch: switched };
          return { status: 200, body };
        });
      },
    );
  };
}

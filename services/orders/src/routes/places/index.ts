import { z } from 'zod';
import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { answerOffer, checkAnswer } from '../../application/places/answer-offer.js';
import { checkRelease, releasePlaces } from '../../application/places/release-places.js';
import { showQueue } from '../../application/places/show-queue.js';
import { Choice, QueueEntry, Switch } from '../choice/index.js';
import { errors, queryContext, useCaseRunner } from '../command.js';
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
  const run = useCaseRunner(deps);
  const query = queryContext(deps);
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
        checkRelease(req, { providerId: req.params.providerId, areaId: req.body.areaId });
        return run(req, reply, (ctx) => releasePlaces(ctx, { providerId: req.params.providerId, ...req.body }));
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
      async (req) => showQueue(query(req), { providerId: req.params.providerId, areaId: req.query.areaId }),
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
        checkAnswer(req.body);
        return run(req, reply, (ctx) => answerOffer(ctx, { offerId: req.params.offerId, ...req.body }));
      },
    );

  };
}

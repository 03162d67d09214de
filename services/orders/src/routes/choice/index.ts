import { z } from 'zod';
import { assertCustomerScope, audit, conflict, invalid, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { assertMayChoose, checkSwitch, chosenTracks, recordChoice, recordSwitch, toChoice, latestChoice } from '../../store/choices.js';
import { assertNotEnded, grantedDecision, lastDay, type DecisionRow } from '../../store/decisions.js';
import { assertQueuedAt, isQueued, lapseOffers, leaveQueues, lockHome, offerFreePlaces, queueCustomer, takePlace } from '../../store/places.js';
import { allowsSeveralProviders, approvedProvider, isPlaceArea } from '../../store/providers.js';
import type { Tx } from '../../store/tx.js';
import { commandRunner, errors } from '../command.js';
import { District } from '../providers/index.js';

export const Choice = z.object({ choiceId: z.uuid(), decisionId: z.uuid(), providerId: z.string(), chosenBy: z.enum(['customer', 'default']) });
export const Switch = z.object({ switchId: z.uuid(), decisionId: z.uuid(), fromProviderId: z.string(), toProviderId: z.string(), effectiveFrom: z.string() });
export const QueueEntry = z.object({
  queueEntryId: z.uuid(),
  providerId: z.string(),
  areaId: z.string(),
  decisionId: z.uuid(),
  customerId: z.uuid(),
  status: z.enum(['waiting', 'offered', 'placed', 'declined', 'lapsed', 'left']),
  position: z.number().nullable(),
  queuedAt: z.string(),
  offer: z.object({ offerId: z.uuid(), answerBy: z.string() }).nullable(),
});
const DecisionParams = z.object({ decisionId: z.uuid() });

/** The provider choice, the default provider, and switching at a chosen date. */
export function choiceRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  const command = commandRunner(deps);
  return async (app) => {
    app.post(
      '/decisions/:decisionId/choice',
      {
        // `system`: the journey records a choice the customer made through its choose-provider update
        // (the workflows service checked there that the citizen acts on their own journey).
        config: { roles: ['citizen', 'case-handler', 'system'] },
        schema: {
          summary: 'The customer chooses a provider',
          description:
            "Among the providers authorized (approved) for the decision's area. A case handler may record the choice on the customer's behalf, and the journey does for a choice made through it. " +
            'After a refusal the customer chooses again. Where the area allows several providers at once (its definition says `providers: several`), ' +
            'a choice while others are in use adds another provider (from today at the earliest; a case handler recording an arrangement already agreed may give an earlier `effectiveFrom`, not before the decision starts); the same provider again is 409 ORDERS.ALREADY_CHOSEN. ' +
            'In a nursing home without a free place the customer is queued instead (202, `placeQueued`); ' +
            'choosing a home with a free place takes the customer out of other queues except `stayInQueueFor`.',
          tags: ['choice'],
          params: DecisionParams,
          body: z.object({
            providerId: z.string().min(1),
            /** The customer's district or postcode: whether the provider serves it decides a service-area refusal. */
            district: District.optional(),
            stayInQueueFor: z.string().min(1).optional(),
            /** Only for a provider added beside others (areas with several at once): its first day. */
            effectiveFrom: z.iso.date().optional(),
          }),
          response: { 201: Choice, 202: QueueEntry, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const decision = await grantedDecision(tx.db, req.params.decisionId, true);
          assertCustomerScope(req.principal, decision.customer_id);
          assertNotEnded(decision);
          await assertMayChoose(tx.db, decision, req.body.providerId, tx.today);
          const provider = await approvedProvider(tx.db, req.body.providerId, decision.area_id);
          if (!provider) throw invalid('ORDERS.PROVIDER_NOT_AUTHORIZED', `Provider ${req.body.providerId} is not authorized for ${decision.area_id}.`, { field: 'body.providerId' });
          if (req.body.stayInQueueFor) await assertQueuedAt(tx.db, decision.decision_id, req.body.stayInQueueFor);
          await rememberDistrict(tx, decision, req.body.district);
          if (isPlaceArea(decision.area_id) && !(await placeAvailable(tx, provider.provider_id, decision.area_id))) {
            return { status: 202, body: await queueCustomer(tx, decision, provider.provider_id) };
          }
          if (req.body.effectiveFrom !== undefined) await assertAddedFrom(tx, decision, req.body.effectiveFrom, req.principal.role);
          const choice = await recordChoice(tx, decision, provider, 'customer', req.body.effectiveFrom);
          await leaveQueues(tx, decision.decision_id, req.body.stayInQueueFor ?? null);
          return { status: 201, body: choice };
        }),
    );

    app.post(
      '/decisions/:decisionId/default-choice',
      {
        config: { roles: ['system'] },
        schema: {
          summary: 'Assign the default provider (ickevalsalternativ)',
          description:
            'Used by the journey when the customer has not chosen in time. Idempotent: an existing choice is returned as it is. ' +
            'Refused (409) while the customer waits in a nursing-home queue, and when the default home has no free place.',
          tags: ['choice'],
          params: DecisionParams,
          response: { 200: Choice, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const decision = await grantedDecision(tx.db, req.params.decisionId, true);
          // Any provider in use stands: the default is for a customer who has none.
          const existing = allowsSeveralProviders(decision.area_id)
            ? (await chosenTracks(tx.db, decision.decision_id, tx.today))[0]?.[0]
            : await latestChoice(tx.db, decision.decision_id);
          if (existing?.status === 'active') return { status: 200, body: toChoice(existing) };
          assertNotEnded(decision);
          if (await isQueued(tx.db, decision.decision_id)) throw conflict('ORDERS.IN_QUEUE', 'The customer waits in a queue for a place of their choice.');
          const provider = await tx.db
            .selectFrom('authorizations as a')
            .innerJoin('providers as p', 'p.provider_id', 'a.provider_id')
            .select(['p.provider_id', 'p.kind'])
            .where('a.area_id', '=', decision.area_id)
            .where('a.is_default', '=', true)
            .where('a.status', '=', 'approved')
            .executeTakeFirst();
          if (!provider) throw conflict('ORDERS.NO_DEFAULT_PROVIDER', `No default provider is registered for ${decision.area_id}.`);
          if (isPlaceArea(decision.area_id) && !(await placeAvailable(tx, provider.provider_id, decision.area_id))) {
            throw conflict('ORDERS.NO_FREE_PLACE', `The default home ${provider.provider_id} has no free place.`);
          }
          return { status: 200, body: await recordChoice(tx, decision, provider, 'default') };
        }),
    );

    app.post(
      '/decisions/:decisionId/switch',
      {
        config: { roles: ['citizen', 'case-handler'] },
        schema: {
          summary: 'Switch provider from a chosen date',
          description:
            'The customer may switch at any time: from `effectiveFrom` (tomorrow at the earliest, not before the current order began, not after the decision ends) ' +
            'the new provider delivers and `providerSwitched` tells the journey to end the current order the day before and place a new one. ' +
            'Where the customer uses several providers at once, `fromProviderId` names the one replaced (required while more than one is in use on that day: ' +
            '400 ORDERS.FROM_PROVIDER_REQUIRED); the others are untouched. ' +
            'A nursing home without a free place queues the customer instead (202).',
          tags: ['choice'],
          params: DecisionParams,
          body: z.object({
            providerId: z.string().min(1),
            effectiveFrom: z.iso.date(),
            district: District.optional(),
            /** The provider replaced, where the customer uses several at once. */
            fromProviderId: z.string().min(1).optional(),
          }),
          response: { 201: Switch, 202: QueueEntry, ...errors },
        },
      },
      async (req, reply) =>
        command(req, reply, async (tx) => {
          const decision = await grantedDecision(tx.db, req.params.decisionId, true);
          assertCustomerScope(req.principal, decision.customer_id);
          const provider = await approvedProvider(tx.db, req.body.providerId, decision.area_id);
          if (!provider) throw invalid('ORDERS.PROVIDER_NOT_AUTHORIZED', `Provider ${req.body.providerId} is not authorized for ${decision.area_id}.`, { field: 'body.providerId' });
          const from = await checkSwitch(tx, decision, provider.provider_id, req.body.effectiveFrom, req.body.fromProviderId);
          await rememberDistrict(tx, decision, req.body.district);
          if (isPlaceArea(decision.area_id) && !(await placeAvailable(tx, provider.provider_id, decision.area_id))) {
            return { status: 202, body: await queueCustomer(tx, decision, provider.provider_id) };
          }
          const switched = await recordSwitch(tx, decision, from, provider, req.body.effectiveFrom);
          await leaveQueues(tx, decision.decision_id, null);
          return { status: 201, body: switched };
        }),
    );
  };
}

/**
 * Takes a free place in the home for this customer, after the home's queue has been served: lapsed
 * offers are closed and free places offered in queue order first, so nobody jumps the queue.
 */
async function placeAvailable(tx: Tx, providerId: string, areaId: string): Promise<boolean> {
  await lockHome(tx.db, providerId, areaId);
  await lapseOffers(tx, providerId, areaId);
  await offerFreePlaces(tx, providerId, areaId);
  return takePlace(tx.db, providerId, areaId);
}

/**
 * A first day given with a choice is for a provider added beside others only, within the decision;
 * the customer adds one from today at the earliest, while the case handler may record an
 * arrangement that began earlier.
 */
async function assertAddedFrom(tx: Tx, decision: DecisionRow, effectiveFrom: string, role: string): Promise<void> {
  const field = { field: 'body.effectiveFrom' };
  if (!allowsSeveralProviders(decision.area_id) || (await chosenTracks(tx.db, decision.decision_id, tx.today)).length === 0) {
    throw invalid('ORDERS.EFFECTIVE_FROM_NOT_APPLICABLE', 'A first day is given only for a provider added beside others; a first choice is in force from the decision\'s start.', field);
  }
  if (effectiveFrom < decision.valid_from || effectiveFrom > lastDay(decision)) {
    throw conflict('ORDERS.OUTSIDE_DECISION', `The decision is in force from ${decision.valid_from} to ${lastDay(decision)}.`, field);
  }
  if (role !== 'case-handler' && effectiveFrom < tx.today) throw conflict('ORDERS.CHOICE_DATE_PAST', `A provider is added from ${tx.today} at the earliest.`, field);
}

async function rememberDistrict(tx: Tx, decision: DecisionRow, district: string | undefined): Promise<void> {
  if (district === undefined || district === decision.district) return;
  await tx.db.updateTable('decisions').set({ district }).where('decision_id', '=', decision.decision_id).execute();
  await audit(tx.db, tx.actor, { action: 'decision.district', entity: 'decision', entityId: decision.decision_id, before: { district: decision.district }, after: { district }, correlationId: tx.correlationId });
  decision.district = district;
}

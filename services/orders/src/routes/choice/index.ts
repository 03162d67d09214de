import { z } from 'zod';
import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from '../../deps.js';
import { assignDefaultProvider } from '../../application/choice/assign-default-provider.js';
import { chooseProvider, isQueued as isQueuedChoice } from '../../application/choice/choose-provider.js';
import { switchProvider } from '../../application/choice/switch-provider.js';
import { errors, useCaseRunner } from '../command.js';
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
  const run = useCaseRunner(deps);
  return async (app) => {
    app.post(
      '/decisions/:decisionId/choice',
      {
        // Only the journey (ADR 0029): a person chooses through POST workflows /journeys/:applicationId/choice, and the
        // worker carries the choice here as `system` on their behalf (ADR 0022); the rules read that person's role.
        config: { roles: ['system'] },
        schema: {
          summary: "The customer chooses a provider (the journey's command)",
          description:
            "The journey's command for the choice people make through `POST workflows /journeys/:applicationId/choice` (ADR 0029); called as `system` on the person's behalf. " +
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
      async (req, reply) => run(req, reply, (ctx) => chooseProvider(ctx, { ...req.params, ...req.body }), { status: (o) => (isQueuedChoice(o.result) ? 202 : 201) }),
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
      async (req, reply) => run(req, reply, (ctx) => assignDefaultProvider(ctx, req.params)),
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
      async (req, reply) => run(req, reply, (ctx) => switchProvider(ctx, { ...req.params, ...req.body }), { status: (o) => ('queueEntryId' in o.result ? 202 : 201) }),
    );

  };
}

import { audit, conflict, invalid } from '@kundval/platform';
import { activeChoicesOn, choiceAt, chosenTracks, latestChoiceOf, type ChoiceRow } from '../../store/choices.js';
import { grantedDecision, lastDay, type DecisionRow } from '../../store/decisions.js';
import { insertOrder, orderPlacedFrom, overlappingOrder, readOrder, type OrderView } from '../../store/orders.js';
import { allowsSeveralProviders, providerKindOf } from '../../store/providers.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';

export type PlaceOrder = {
  decisionId: string;
  /** The first day of the order; the decision's first day (or the named provider's choice's) by default. */
  effectiveFrom?: string | undefined;
  /** Where the customer uses several providers at once: whose choice is ordered. */
  providerId?: string | undefined;
};

/**
 * Places the order with the provider chosen for its start date, until the decision's last day, with
 * the decision's hours and level. Idempotent per decision and start date (and provider, where the
 * area allows several at once): placing it again returns the order already placed, not created.
 */
export async function placeOrder(ctx: UseCaseContext, input: PlaceOrder): Promise<Outcome<OrderView>> {
  const decision = await grantedDecision(ctx.db, input.decisionId, true);
  const several = allowsSeveralProviders(decision.area_id);
  const providerId = several ? await providerToOrder(ctx, decision, input.providerId, input.effectiveFrom) : input.providerId;
  const from = input.effectiveFrom ?? (several && providerId !== undefined ? await choiceStart(ctx, decision, providerId) : decision.valid_from);
  const existing = await orderPlacedFrom(ctx.db, { decisionId: decision.decision_id, from, providerId });
  if (existing) return { result: await readOrder(ctx.db, existing.order_id, ctx.today), created: false, events: [] };
  const to = lastDay(decision);
  if (from < decision.valid_from || from > to) {
    throw conflict('ORDERS.OUTSIDE_DECISION', `The decision is in force from ${decision.valid_from} to ${to}.`, { field: 'body.effectiveFrom' });
  }
  const choice = await choiceToOrder(ctx, decision, several, providerId, from);
  const overlapping = await overlappingOrder(ctx.db, { decisionId: decision.decision_id, from, to, ...(several ? { providerId: choice.provider_id } : {}) });
  if (overlapping) {
    throw conflict('ORDERS.ORDER_OVERLAPS', `Order ${overlapping.order_id} is in force on ${from} or later; end it before placing a new one.`, {
      orderId: overlapping.order_id,
    });
  }
  const provider = await providerKindOf(ctx.db, choice.provider_id);
  const orderId = ctx.newId();
  await insertOrder(ctx.db, {
    order_id: orderId,
    decision_id: decision.decision_id,
    application_id: decision.application_id,
    customer_id: decision.customer_id,
    provider_id: provider.provider_id,
    status: 'placed',
    accepted_at: null,
    choice_id: choice.choice_id,
    area_id: decision.area_id,
    valid_from: from,
    valid_to: to,
    level: decision.level,
    care_hours_per_month: decision.care_hours_per_month,
    service_hours_per_month: decision.service_hours_per_month,
    placed_at: ctx.now,
    one_of_several: several,
  });
  await audit(ctx.db, ctx.actor, {
    action: 'order.placed',
    entity: 'order',
    entityId: orderId,
    after: { decisionId: decision.decision_id, providerId: provider.provider_id, validFrom: from, validTo: to },
    correlationId: ctx.correlationId,
  });
  return {
    result: await readOrder(ctx.db, orderId, ctx.today),
    created: true,
    events: [
      pendingEvent('orderPlaced', {
        orderId,
        applicationId: decision.application_id,
        decisionId: decision.decision_id,
        customerId: decision.customer_id,
        providerId: provider.provider_id,
        providerKind: provider.kind,
        areaId: decision.area_id,
        municipality: decision.municipality,
        careHoursPerMonth: Number(decision.care_hours_per_month),
        serviceHoursPerMonth: Number(decision.service_hours_per_month),
        validFrom: from,
        validTo: to,
        level: decision.level,
        decidingMunicipality: decision.deciding_municipality,
      }),
    ],
  };
}

/**
 * Whose choice an order is for where the area allows several providers at once: the provider named,
 * or the only one in use (on `effectiveFrom` when given, else now). Naming none while several are in
 * use is 400 `ORDERS.PROVIDER_REQUIRED`; undefined when none is.
 */
async function providerToOrder(ctx: UseCaseContext, decision: DecisionRow, named: string | undefined, effectiveFrom: string | undefined): Promise<string | undefined> {
  if (named !== undefined) return named;
  const inUse =
    effectiveFrom === undefined
      ? (await chosenTracks(ctx.db, decision.decision_id, ctx.today)).map((track) => track[0] as ChoiceRow)
      : await activeChoicesOn(ctx.db, decision.decision_id, effectiveFrom);
  if (inUse.length > 1) {
    throw invalid('ORDERS.PROVIDER_REQUIRED', `The customer uses ${inUse.length} providers (${inUse.map((c) => c.provider_id).join(', ')}): name the one to order.`, {
      field: 'body.providerId',
    });
  }
  return inUse[0]?.provider_id;
}

/**
 * The default start of an order for one of several providers: the first day of its latest choice (an
 * additional provider is chosen from today, not from the decision's start), so that placing it again
 * without a date finds the same order.
 */
async function choiceStart(ctx: UseCaseContext, decision: DecisionRow, providerId: string): Promise<string> {
  return (await latestChoiceOf(ctx.db, decision.decision_id, providerId))?.effective_from ?? decision.valid_from;
}

/**
 * The active choice an order from `from` is placed with: the one in force that day, or with several
 * providers at once the named provider's. 409 `ORDERS.NO_CHOICE` when there is none, and
 * `ORDERS.NOT_CHOSEN` when a provider is named that another choice replaces on that day.
 */
async function choiceToOrder(ctx: UseCaseContext, decision: DecisionRow, several: boolean, providerId: string | undefined, from: string): Promise<ChoiceRow> {
  const choice = several
    ? (await activeChoicesOn(ctx.db, decision.decision_id, from)).find((c) => c.provider_id === providerId)
    : await choiceAt(ctx.db, decision.decision_id, from);
  if (choice?.status !== 'active') {
    throw conflict('ORDERS.NO_CHOICE', providerId === undefined ? `No provider is chosen for ${from} yet.` : `Provider ${providerId} is not chosen for ${from}.`);
  }
  if (providerId !== undefined && choice.provider_id !== providerId) {
    throw conflict('ORDERS.NOT_CHOSEN', `Provider ${providerId} is not the provider chosen for ${from}; ${choice.provider_id} is.`, { field: 'body.providerId' });
  }
  return choice;
}

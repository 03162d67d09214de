import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { addDays } from '@kundval/domain';
import { audit, conflict, enqueueEvent } from '@kundval/platform';
import type { OrdersDb } from '../app.js';
import type { Tx } from './tx.js';
import { lastDay, type DecisionRow } from './decisions.js';
import type { OrdersTables, ProviderKind } from './schema.js';

export type ChoiceRow = Selectable<OrdersTables['choices']>;
export type ChoiceView = { choiceId: string; decisionId: string; providerId: string; chosenBy: 'customer' | 'default' };
export type SwitchView = { switchId: string; decisionId: string; fromProviderId: string; toProviderId: string; effectiveFrom: string };

/**
 * The decision's choices form a timeline: each is in force from its `effective_from` until the next.
 * The latest one (superseded ones aside) says whether the customer has a provider now: an active
 * one, or a voided one when the provider refused and the customer must choose again.
 */
export async function latestChoice(db: OrdersDb, decisionId: string): Promise<ChoiceRow | undefined> {
  return db
    .selectFrom('choices')
    .selectAll()
    .where('decision_id', '=', decisionId)
    .where('status', '<>', 'superseded')
    .orderBy('effective_from', 'desc')
    .orderBy('seq', 'desc')
    .executeTakeFirst();
}

/** The choice in force on `date` (active or voided), or undefined before the first. */
export async function choiceAt(db: OrdersDb, decisionId: string, date: string): Promise<ChoiceRow | undefined> {
  return db
    .selectFrom('choices')
    .selectAll()
    .where('decision_id', '=', decisionId)
    .where('status', '<>', 'superseded')
    .where('effective_from', '<=', date)
    .orderBy('effective_from', 'desc')
    .orderBy('seq', 'desc')
    .executeTakeFirst();
}

export function toChoice(row: Pick<ChoiceRow, 'choice_id' | 'decision_id' | 'provider_id' | 'chosen_by'>): ChoiceView {
  return { choiceId: row.choice_id, decisionId: row.decision_id, providerId: row.provider_id, chosenBy: row.chosen_by };
}

/** Refuses a first choice when the customer already has a provider (switching is its own command). */
export async function assertNoActiveChoice(db: OrdersDb, decisionId: string): Promise<void> {
  const latest = await latestChoice(db, decisionId);
  if (latest?.status === 'active') throw conflict('ORDERS.ALREADY_CHOSEN', 'A provider is already chosen for this decision; switching is a separate request.');
}

/**
 * Records the customer's (or the default) choice. It is in force from the decision's start, or,
 * after a refusal, from the day the refused choice would have been.
 */
export async function recordChoice(
  tx: Tx,
  decision: DecisionRow,
  provider: { provider_id: string; kind: ProviderKind },
  chosenBy: 'customer' | 'default',
): Promise<ChoiceView> {
  const latest = await latestChoice(tx.db, decision.decision_id);
  const effectiveFrom = latest?.status === 'voided' ? latest.effective_from : decision.valid_from;
  const choiceId = randomUUID();
  await tx.db
    .insertInto('choices')
    .values({ choice_id: choiceId, decision_id: decision.decision_id, provider_id: provider.provider_id, chosen_by: chosenBy, effective_from: effectiveFrom })
    .execute();
  await enqueueEvent(
    tx.db,
    'providerChosen',
    { choiceId, applicationId: decision.application_id, decisionId: decision.decision_id, customerId: decision.customer_id, providerId: provider.provider_id, providerKind: provider.kind, chosenBy },
    { correlationId: tx.correlationId, occurredAt: tx.now },
  );
  await audit(tx.db, tx.actor, {
    action: 'provider.chosen',
    entity: 'decision',
    entityId: decision.decision_id,
    after: { providerId: provider.provider_id, chosenBy, effectiveFrom },
    correlationId: tx.correlationId,
  });
  return toChoice({ choice_id: choiceId, decision_id: decision.decision_id, provider_id: provider.provider_id, chosen_by: chosenBy });
}

/**
 * Checks a switch to `toProviderId` from `effectiveFrom` and returns the choice switched from.
 * The date must be tomorrow or later (a switch is never backdated over delivered time), not before
 * the current order began and not after the decision's last day.
 */
export async function checkSwitch(tx: Tx, decision: DecisionRow, toProviderId: string, effectiveFrom: string): Promise<ChoiceRow> {
  if (effectiveFrom <= tx.today) {
    throw conflict('ORDERS.SWITCH_DATE_PAST', `A switch takes effect on ${addDays(tx.today, 1)} at the earliest.`, { field: 'body.effectiveFrom' });
  }
  const end = lastDay(decision);
  if (effectiveFrom > end) throw conflict('ORDERS.SWITCH_AFTER_DECISION_END', `The decision ends on ${end}; a switch must take effect by then.`, { field: 'body.effectiveFrom' });
  const current = await tx.db
    .selectFrom('orders')
    .select('valid_from')
    .where('decision_id', '=', decision.decision_id)
    .where('status', '<>', 'refused')
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`)
    .orderBy('valid_from', 'desc')
    .executeTakeFirst();
  const start = current?.valid_from ?? decision.valid_from;
  if (effectiveFrom < start) {
    throw conflict('ORDERS.SWITCH_BEFORE_ORDER_START', `The current order starts on ${start}; a switch cannot take effect before it.`, { field: 'body.effectiveFrom' });
  }
  const from = await choiceAt(tx.db, decision.decision_id, effectiveFrom);
  if (from?.status !== 'active') throw conflict('ORDERS.NO_CHOICE', 'No provider is chosen to switch from; choose one first.');
  if (from.provider_id === toProviderId) throw conflict('ORDERS.SAME_PROVIDER', `Provider ${toProviderId} is already the provider on ${effectiveFrom}.`);
  return from;
}

/**
 * Records a switch checked by {@link checkSwitch}: a new choice in force from `effectiveFrom`,
 * replacing any later one (a switch made again from an earlier date). The current order is ended
 * by its own command (the journey sends it on `providerSwitched`).
 */
export async function recordSwitch(
  tx: Tx,
  decision: DecisionRow,
  from: ChoiceRow,
  to: { provider_id: string; kind: ProviderKind },
  effectiveFrom: string,
): Promise<SwitchView> {
  await tx.db
    .updateTable('choices')
    .set({ status: 'superseded' })
    .where('decision_id', '=', decision.decision_id)
    .where('status', '<>', 'superseded')
    .where('effective_from', '>=', effectiveFrom)
    .execute();
  const switchId = randomUUID();
  await tx.db
    .insertInto('choices')
    .values({
      choice_id: switchId,
      decision_id: decision.decision_id,
      provider_id: to.provider_id,
      chosen_by: 'customer',
      effective_from: effectiveFrom,
      switched_from: from.provider_id,
    })
    .execute();
  await enqueueEvent(
    tx.db,
    'providerSwitched',
    {
      switchId,
      applicationId: decision.application_id,
      decisionId: decision.decision_id,
      customerId: decision.customer_id,
      fromProviderId: from.provider_id,
      toProviderId: to.provider_id,
      toProviderKind: to.kind,
      effectiveFrom,
    },
    { correlationId: tx.correlationId, occurredAt: tx.now },
  );
  await audit(tx.db, tx.actor, {
    action: 'provider.switched',
    entity: 'decision',
    entityId: decision.decision_id,
    before: { providerId: from.provider_id },
    after: { providerId: to.provider_id, effectiveFrom },
    correlationId: tx.correlationId,
  });
  return { switchId, decisionId: decision.decision_id, fromProviderId: from.provider_id, toProviderId: to.provider_id, effectiveFrom };
}

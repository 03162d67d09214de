import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { addDays } from '@kundval/domain';
import { audit, conflict, invalid } from '@kundval/platform';
import type { OrdersDb } from '../store/db.js';
import type { Tx } from './tx.js';
import { lastDay, type DecisionRow } from './decisions.js';
import { allowsSeveralProviders } from './providers.js';
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

/**
 * The decision's choices (superseded ones aside) per track, each track in timeline order: the
 * choice in force on a day is the last one from that day or before. An area with one provider at
 * a time has a single track; one with several providers at once has a track per provider in use.
 */
async function tracks(db: OrdersDb, decisionId: string): Promise<ChoiceRow[][]> {
  const rows = await db
    .selectFrom('choices')
    .selectAll()
    .where('decision_id', '=', decisionId)
    .where('status', '<>', 'superseded')
    .orderBy('effective_from')
    .orderBy('seq')
    .execute();
  const byTrack = new Map<string, ChoiceRow[]>();
  for (const row of rows) byTrack.set(row.track_id, [...(byTrack.get(row.track_id) ?? []), row]);
  return [...byTrack.values()];
}

/** The active choices in force on `date`, at most one per track: the providers the customer uses that day. */
export async function activeChoicesOn(db: OrdersDb, decisionId: string, date: string): Promise<ChoiceRow[]> {
  return (await tracks(db, decisionId)).flatMap((track) => {
    const inForce = track.filter((c) => c.effective_from <= date).at(-1);
    return inForce?.status === 'active' ? [inForce] : [];
  });
}

/**
 * The providers the customer has chosen and not left, per track: each active choice in force
 * `today` or taking effect later (a switch already made from a coming date). Tracks without one are
 * left out, so the length is the number of providers the customer uses at once.
 */
export async function chosenTracks(db: OrdersDb, decisionId: string, today: string): Promise<ChoiceRow[][]> {
  return (await tracks(db, decisionId))
    .map((track) => track.filter((c, i) => c.status === 'active' && (i === track.length - 1 || (track[i + 1] as ChoiceRow).effective_from > today)))
    .filter((chosen) => chosen.length > 0);
}

/** The provider's latest choice on the decision (any status but superseded), or undefined. */
export async function latestChoiceOf(db: OrdersDb, decisionId: string, providerId: string): Promise<ChoiceRow | undefined> {
  return db
    .selectFrom('choices')
    .selectAll()
    .where('decision_id', '=', decisionId)
    .where('provider_id', '=', providerId)
    .where('status', '<>', 'superseded')
    .orderBy('effective_from', 'desc')
    .orderBy('seq', 'desc')
    .executeTakeFirst();
}

export function toChoice(row: Pick<ChoiceRow, 'choice_id' | 'decision_id' | 'provider_id' | 'chosen_by'>): ChoiceView {
  return { choiceId: row.choice_id, decisionId: row.decision_id, providerId: row.provider_id, chosenBy: row.chosen_by };
}

/**
 * Refuses a choice of a provider the customer already has. With one provider at a time any active
 * choice refuses it (switching is its own command); where the area allows several at once, only
 * the same provider again.
 */
export async function assertMayChoose(db: OrdersDb, decision: DecisionRow, providerId: string, today: string): Promise<void> {
  if (!allowsSeveralProviders(decision.area_id)) {
    const latest = await latestChoice(db, decision.decision_id);
    if (latest?.status === 'active') throw conflict('ORDERS.ALREADY_CHOSEN', 'A provider is already chosen for this decision; switching is a separate request.');
    return;
  }
  if ((await chosenTracks(db, decision.decision_id, today)).some((track) => track.some((c) => c.provider_id === providerId))) {
    throw conflict('ORDERS.ALREADY_CHOSEN', `Provider ${providerId} is already one of the customer's providers.`, { field: 'body.providerId' });
  }
}

/**
 * Where a new choice goes on the timeline: its first day and the track it continues (null: a new one).
 * After a refusal it takes the refused choice's place and day. Otherwise the first choice is in force
 * from the decision's start; another provider beside those in use (areas with several at once) from
 * today at the earliest, because the customer did not use it on the days already gone — unless the
 * case handler records an arrangement agreed earlier (`agreedFrom`) — and, for a provider chosen
 * again after being left, from the day after its last order ends.
 */
async function newChoicePlace(tx: Tx, decision: DecisionRow, providerId: string, agreedFrom?: string): Promise<{ effectiveFrom: string; trackId: string | null }> {
  if (!allowsSeveralProviders(decision.area_id)) {
    const latest = await latestChoice(tx.db, decision.decision_id);
    return { effectiveFrom: latest?.status === 'voided' ? latest.effective_from : decision.valid_from, trackId: latest?.track_id ?? null };
  }
  const all = await tracks(tx.db, decision.decision_id);
  const voided = all
    .map((track) => track.at(-1) as ChoiceRow)
    .filter((c) => c.status === 'voided')
    .sort((a, b) => b.seq - a.seq)[0];
  if (voided) return { effectiveFrom: voided.effective_from, trackId: voided.track_id };
  if (all.length === 0) return { effectiveFrom: decision.valid_from, trackId: null };
  const before = await tx.db
    .selectFrom('orders')
    .select(sql<string | null>`max(coalesce(end_date, valid_to))`.as('last_day'))
    .where('decision_id', '=', decision.decision_id)
    .where('provider_id', '=', providerId)
    .where('status', '<>', 'refused')
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`)
    .executeTakeFirstOrThrow();
  const earliest = [decision.valid_from, agreedFrom ?? tx.today, before.last_day === null ? '' : addDays(before.last_day, 1)];
  return { effectiveFrom: earliest.reduce((a, b) => (a > b ? a : b)), trackId: null };
}

/**
 * Records the customer's (or the default) choice; the use case announces it (`providerChosen`). It is in force from the decision's start, or,
 * after a refusal, from the day the refused choice would have been; an additional provider (areas
 * with several at once) from today at the earliest, or from `agreedFrom` as the case handler records it.
 */
export async function recordChoice(
  tx: Tx,
  decision: DecisionRow,
  provider: { provider_id: string; kind: ProviderKind },
  chosenBy: 'customer' | 'default',
  agreedFrom?: string,
): Promise<ChoiceView> {
  const { effectiveFrom, trackId } = await newChoicePlace(tx, decision, provider.provider_id, agreedFrom);
  const choiceId = randomUUID();
  await tx.db
    .insertInto('choices')
    .values({
      choice_id: choiceId,
      decision_id: decision.decision_id,
      provider_id: provider.provider_id,
      chosen_by: chosenBy,
      effective_from: effectiveFrom,
      track_id: trackId ?? choiceId,
    })
    .execute();
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
 * the current order began and not after the decision's last day. Where the customer uses several
 * providers at once, the switch replaces one of them: `fromProviderId`, which may be left out only
 * while there is one; the current order is then that provider's.
 */
export async function checkSwitch(tx: Tx, decision: DecisionRow, toProviderId: string, effectiveFrom: string, fromProviderId?: string): Promise<ChoiceRow> {
  if (effectiveFrom <= tx.today) {
    throw conflict('ORDERS.SWITCH_DATE_PAST', `A switch takes effect on ${addDays(tx.today, 1)} at the earliest.`, { field: 'body.effectiveFrom' });
  }
  const end = lastDay(decision);
  if (effectiveFrom > end) throw conflict('ORDERS.SWITCH_AFTER_DECISION_END', `The decision ends on ${end}; a switch must take effect by then.`, { field: 'body.effectiveFrom' });
  const several = allowsSeveralProviders(decision.area_id);
  // With several providers at once, the one switched from is named first: the current order is its.
  const named = several ? await oneOfSeveral(tx.db, decision.decision_id, effectiveFrom, fromProviderId) : undefined;
  let current = tx.db
    .selectFrom('orders')
    .select('valid_from')
    .where('decision_id', '=', decision.decision_id)
    .where('status', '<>', 'refused')
    .where(sql<boolean>`coalesce(end_date, valid_to) >= valid_from`);
  if (named) current = current.where('provider_id', '=', named.provider_id);
  const start = (await current.orderBy('valid_from', 'desc').executeTakeFirst())?.valid_from ?? decision.valid_from;
  if (effectiveFrom < start) {
    throw conflict('ORDERS.SWITCH_BEFORE_ORDER_START', `The current order starts on ${start}; a switch cannot take effect before it.`, { field: 'body.effectiveFrom' });
  }
  const from = named ?? (await choiceAt(tx.db, decision.decision_id, effectiveFrom));
  if (from?.status !== 'active') throw conflict('ORDERS.NO_CHOICE', 'No provider is chosen to switch from; choose one first.');
  if (fromProviderId !== undefined && from.provider_id !== fromProviderId) {
    throw conflict('ORDERS.NOT_CHOSEN', `Provider ${fromProviderId} is not the customer's provider on ${effectiveFrom}.`, { field: 'body.fromProviderId' });
  }
  if (from.provider_id === toProviderId) throw conflict('ORDERS.SAME_PROVIDER', `Provider ${toProviderId} is already the provider on ${effectiveFrom}.`);
  if (several) {
    // The provider switched to may be one already planned later on this track, but not one in use on another.
    const chosen = await chosenTracks(tx.db, decision.decision_id, tx.today);
    if (chosen.some((track) => track[0]?.track_id !== from.track_id && track.some((c) => c.provider_id === toProviderId))) {
      throw conflict('ORDERS.ALREADY_CHOSEN', `Provider ${toProviderId} is already one of the customer's providers.`, { field: 'body.providerId' });
    }
  }
  return from;
}

/**
 * The provider a switch replaces among several in use on `date`: the one named, or the only one.
 * Naming none while several are in use is 400 `ORDERS.FROM_PROVIDER_REQUIRED`; naming one not in
 * use then is 409 `ORDERS.NOT_CHOSEN`.
 */
async function oneOfSeveral(db: OrdersDb, decisionId: string, date: string, providerId: string | undefined): Promise<ChoiceRow> {
  const inForce = await activeChoicesOn(db, decisionId, date);
  if (providerId === undefined && inForce.length > 1) {
    throw invalid('ORDERS.FROM_PROVIDER_REQUIRED', `The customer uses ${inForce.length} providers on ${date}: name the one to switch from.`, { field: 'body.fromProviderId' });
  }
  const from = providerId === undefined ? inForce[0] : inForce.find((c) => c.provider_id === providerId);
  if (from) return from;
  if (providerId !== undefined) throw conflict('ORDERS.NOT_CHOSEN', `Provider ${providerId} is not one of the customer's providers on ${date}.`, { field: 'body.fromProviderId' });
  throw conflict('ORDERS.NO_CHOICE', 'No provider is chosen to switch from; choose one first.');
}

/**
 * Records a switch checked by {@link checkSwitch}: a new choice in force from `effectiveFrom` on the
 * track of the choice switched from, replacing any later one there (a switch made again from an
 * earlier date); the customer's other providers, where the area allows several, are untouched. The
 * use case announces it (`providerSwitched`); the current order is ended by its own command (the
 * journey sends it on that event).
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
    .where('track_id', '=', from.track_id)
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
      track_id: from.track_id,
    })
    .execute();
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

/** Sets an active choice's status (a refused order voids it, leaving a provider ends it); true when it was active. */
export async function closeActiveChoice(db: OrdersDb, choiceId: string, status: 'voided' | 'ended'): Promise<boolean> {
  const result = await db.updateTable('choices').set({ status }).where('choice_id', '=', choiceId).where('status', '=', 'active').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

import { randomUUID } from 'node:crypto';
import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import { addDays } from '@kundval/domain';
import { audit, conflict } from '@kundval/platform';
import type { OrdersDb } from '../store/db.js';
import type { DecisionRow } from './decisions.js';
import type { OrdersTables, QueueEntryStatus } from './schema.js';
import type { Tx } from './tx.js';
import { isPlaceArea } from './providers.js';

/** Days a customer has to answer an offered place before it goes to the next in the queue. */
export const OFFER_ANSWER_DAYS = 3;

export type OfferRow = Selectable<OrdersTables['offers']>;
export type QueueEntryRow = Selectable<OrdersTables['queue_entries']>;

export type OfferView = {
  offerId: string;
  queueEntryId: string;
  providerId: string;
  areaId: string;
  decisionId: string;
  customerId: string;
  answerBy: string;
  status: OfferRow['status'];
};

export type QueueEntryView = {
  queueEntryId: string;
  providerId: string;
  areaId: string;
  decisionId: string;
  customerId: string;
  status: QueueEntryStatus;
  /** 1 for the first in the home's queue; null once the entry has left it. */
  position: number | null;
  queuedAt: string;
  offer: { offerId: string; answerBy: string } | null;
};

export function toOffer(row: OfferRow): OfferView {
  return {
    offerId: row.offer_id,
    queueEntryId: row.queue_entry_id,
    providerId: row.provider_id,
    areaId: row.area_id,
    decisionId: row.decision_id,
    customerId: row.customer_id,
    answerBy: row.answer_by,
    status: row.status,
  };
}

const IN_QUEUE: QueueEntryStatus[] = ['waiting', 'offered'];

/**
 * Locks the home's authorization row for the rest of the transaction. Every command that touches a
 * home's places, queue or offers takes this lock first (after the decision's, where it has one),
 * so two such commands always lock in the same order and never deadlock.
 */
export async function lockHome(db: OrdersDb, providerId: string, areaId: string) {
  return db.selectFrom('authorizations').selectAll().where('provider_id', '=', providerId).where('area_id', '=', areaId).forUpdate().executeTakeFirst();
}

/** Takes one free place in the home, if there is one; atomic, so two customers never get the last place. */
export async function takePlace(db: OrdersDb, providerId: string, areaId: string): Promise<boolean> {
  const result = await db
    .updateTable('authorizations')
    .set((eb) => ({ occupied_places: eb('occupied_places', '+', 1) }))
    .where('provider_id', '=', providerId)
    .where('area_id', '=', areaId)
    .where(sql<boolean>`occupied_places < capacity_customers`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives back places (a resident moved out, an offer was declined or lapsed, a refusal). */
export async function freePlaces(db: OrdersDb, providerId: string, areaId: string, count: number): Promise<void> {
  await db
    .updateTable('authorizations')
    .set({ occupied_places: sql<number>`greatest(occupied_places - ${count}::integer, 0)` })
    .where('provider_id', '=', providerId)
    .where('area_id', '=', areaId)
    .execute();
}

/**
 * Closes the home's offers left unanswered past their answer date: the customer leaves the queue
 * and the place is free again. Run before a home's free places are counted.
 */
export async function lapseOffers(tx: Tx, providerId: string, areaId: string): Promise<number> {
  const lapsed = await tx.db
    .updateTable('offers')
    .set({ status: 'lapsed' })
    .where('provider_id', '=', providerId)
    .where('area_id', '=', areaId)
    .where('status', '=', 'open')
    .where('answer_by', '<', tx.today)
    .returning(['offer_id', 'queue_entry_id', 'decision_id'])
    .execute();
  for (const offer of lapsed) {
    await tx.db.updateTable('queue_entries').set({ status: 'lapsed', left_at: tx.now }).where('queue_entry_id', '=', offer.queue_entry_id).execute();
    await audit(tx.db, tx.actor, { action: 'offer.lapsed', entity: 'offer', entityId: offer.offer_id, after: { decisionId: offer.decision_id }, correlationId: tx.correlationId });
  }
  if (lapsed.length > 0) await freePlaces(tx.db, providerId, areaId, lapsed.length);
  return lapsed.length;
}

/**
 * Offers every free place of the home to the first in its queue, in queue order, each answerable
 * for {@link OFFER_ANSWER_DAYS} days; an offered place is held until answered. A home whose
 * authorization is not approved takes no one new. The caller holds the home's lock ({@link lockHome}),
 * which guards its queue entries too. Returns the offers made, in queue order, for the use case to
 * announce (`placeOffered`).
 */
export async function offerFreePlaces(tx: Tx, providerId: string, areaId: string): Promise<OfferRow[]> {
  const authorization = await tx.db.selectFrom('authorizations').select('status').where('provider_id', '=', providerId).where('area_id', '=', areaId).executeTakeFirst();
  if (authorization?.status !== 'approved') return [];
  const offers: OfferRow[] = [];
  for (;;) {
    const entry = await tx.db
      .selectFrom('queue_entries as q')
      .innerJoin('decisions as d', 'd.decision_id', 'q.decision_id')
      .selectAll('q')
      .select('d.ended_on')
      .where('q.provider_id', '=', providerId)
      .where('q.area_id', '=', areaId)
      .where('q.status', '=', 'waiting')
      .orderBy('q.seq')
      .limit(1)
      .executeTakeFirst();
    if (!entry) return offers;
    if (entry.ended_on !== null) {
      // A customer whose decision has ended no longer needs a place.
      await tx.db.updateTable('queue_entries').set({ status: 'left', left_at: tx.now }).where('queue_entry_id', '=', entry.queue_entry_id).execute();
      await audit(tx.db, tx.actor, { action: 'queue.left', entity: 'decision', entityId: entry.decision_id, after: { providerId, decisionEnded: entry.ended_on }, correlationId: tx.correlationId });
      continue;
    }
    if (!(await takePlace(tx.db, providerId, areaId))) return offers;
    const offer: OfferRow = {
      offer_id: randomUUID(),
      queue_entry_id: entry.queue_entry_id,
      provider_id: providerId,
      area_id: areaId,
      decision_id: entry.decision_id,
      application_id: entry.application_id,
      customer_id: entry.customer_id,
      answer_by: addDays(tx.today, OFFER_ANSWER_DAYS),
      status: 'open',
      offered_at: tx.now,
      answered_at: null,
      stay_in_queue_for: null,
    };
    await tx.db.insertInto('offers').values(offer).execute();
    await tx.db.updateTable('queue_entries').set({ status: 'offered' }).where('queue_entry_id', '=', entry.queue_entry_id).execute();
    await audit(tx.db, tx.actor, { action: 'place.offered', entity: 'offer', entityId: offer.offer_id, after: toOffer(offer), correlationId: tx.correlationId });
    offers.push(offer);
  }
}

/** Puts the customer in the home's queue (a shortage of places, sv. platsbrist); the use case announces it (`placeQueued`). */
export async function queueCustomer(tx: Tx, decision: DecisionRow, providerId: string): Promise<QueueEntryView> {
  const existing = await tx.db
    .selectFrom('queue_entries')
    .select('queue_entry_id')
    .where('provider_id', '=', providerId)
    .where('area_id', '=', decision.area_id)
    .where('decision_id', '=', decision.decision_id)
    .where('status', 'in', IN_QUEUE)
    .executeTakeFirst();
  if (existing) throw conflict('ORDERS.ALREADY_QUEUED', `The customer is already in the queue of ${providerId}.`);
  const queueEntryId = randomUUID();
  await tx.db
    .insertInto('queue_entries')
    .values({
      queue_entry_id: queueEntryId,
      provider_id: providerId,
      area_id: decision.area_id,
      decision_id: decision.decision_id,
      application_id: decision.application_id,
      customer_id: decision.customer_id,
      status: 'waiting',
      queued_at: tx.now,
    })
    .execute();
  await audit(tx.db, tx.actor, { action: 'place.queued', entity: 'decision', entityId: decision.decision_id, after: { providerId, queueEntryId }, correlationId: tx.correlationId });
  const [view] = await queueView(tx.db, { queueEntryId });
  return view!;
}

/** True when the decision waits (or has an offer) in some home's queue. */
export async function isQueued(db: OrdersDb, decisionId: string, providerId?: string): Promise<boolean> {
  let query = db.selectFrom('queue_entries').select('queue_entry_id').where('decision_id', '=', decisionId).where('status', 'in', IN_QUEUE);
  if (providerId) query = query.where('provider_id', '=', providerId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Refuses to keep a queue place the customer does not hold. */
export async function assertQueuedAt(db: OrdersDb, decisionId: string, providerId: string): Promise<void> {
  if (!(await isQueued(db, decisionId, providerId))) {
    throw conflict('ORDERS.NOT_IN_QUEUE', `The customer is not in the queue of ${providerId}.`, { field: 'body.stayInQueueFor' });
  }
}

/**
 * Takes the customer out of every home's queue but `keep` once they have a place: an open offer
 * is withdrawn and its place goes to the next in that home's queue.
 */
export async function leaveQueues(tx: Tx, decisionId: string, keep: string | null): Promise<void> {
  let query = tx.db.selectFrom('queue_entries').selectAll().where('decision_id', '=', decisionId).where('status', 'in', IN_QUEUE);
  if (keep) query = query.where('provider_id', '<>', keep);
  for (const entry of await query.orderBy('provider_id').execute()) {
    await lockHome(tx.db, entry.provider_id, entry.area_id);
    await tx.db.updateTable('queue_entries').set({ status: 'left', left_at: tx.now }).where('queue_entry_id', '=', entry.queue_entry_id).execute();
    await audit(tx.db, tx.actor, { action: 'queue.left', entity: 'decision', entityId: decisionId, after: { providerId: entry.provider_id }, correlationId: tx.correlationId });
    if (entry.status === 'offered') {
      const withdrawn = await tx.db
        .updateTable('offers')
        .set({ status: 'withdrawn', answered_at: tx.now })
        .where('queue_entry_id', '=', entry.queue_entry_id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(withdrawn.numUpdatedRows) > 0) {
        await freePlaces(tx.db, entry.provider_id, entry.area_id, 1);
        await offerFreePlaces(tx, entry.provider_id, entry.area_id);
      }
    }
  }
}

/** Queue entries still in a queue with their position and open offer: one entry, or a home's queue. */
export async function queueView(db: OrdersDb, by: { queueEntryId: string } | { providerId: string; areaId?: string }): Promise<QueueEntryView[]> {
  let query = db
    .selectFrom('queue_entries as q')
    .leftJoin('offers as o', (join) => join.onRef('o.queue_entry_id', '=', 'q.queue_entry_id').on('o.status', '=', 'open'))
    .select([
      'q.queue_entry_id',
      'q.provider_id',
      'q.area_id',
      'q.decision_id',
      'q.customer_id',
      'q.status',
      'q.queued_at',
      'o.offer_id',
      'o.answer_by',
      sql<string>`(select count(*) from queue_entries p where p.provider_id = q.provider_id and p.area_id = q.area_id
        and p.status in ('waiting', 'offered') and p.seq <= q.seq)`.as('position'),
    ]);
  if ('queueEntryId' in by) query = query.where('q.queue_entry_id', '=', by.queueEntryId);
  else {
    query = query.where('q.provider_id', '=', by.providerId).where('q.status', 'in', IN_QUEUE);
    if (by.areaId) query = query.where('q.area_id', '=', by.areaId);
  }
  const rows = await query.orderBy('q.area_id').orderBy('q.seq').execute();
  return rows.map((r) => ({
    queueEntryId: r.queue_entry_id,
    providerId: r.provider_id,
    areaId: r.area_id,
    decisionId: r.decision_id,
    customerId: r.customer_id,
    status: r.status,
    position: IN_QUEUE.includes(r.status) ? Number(r.position) : null,
    queuedAt: new Date(r.queued_at).toISOString(),
    offer: r.offer_id && r.answer_by ? { offerId: r.offer_id, answerBy: r.answer_by } : null,
  }));
}

/** The areas counted in places (nursing homes) the provider holds an authorization for. */
export async function placeAreasOf(db: OrdersDb, providerId: string): Promise<string[]> {
  const rows = await db.selectFrom('authorizations').select('area_id').where('provider_id', '=', providerId).execute();
  return rows.map((a) => a.area_id).filter((areaId) => isPlaceArea(areaId));
}

export async function placesOf(db: OrdersDb, providerId: string, areaId: string): Promise<{ occupied_places: number; capacity_customers: number }> {
  return db.selectFrom('authorizations').select(['occupied_places', 'capacity_customers']).where('provider_id', '=', providerId).where('area_id', '=', areaId).executeTakeFirstOrThrow();
}

/** Whose offer it is, read without a lock (the locks come in command order after it). */
export async function offerOwner(db: OrdersDb, offerId: string, scope?: Expression<SqlBool>): Promise<Pick<OfferRow, 'decision_id' | 'customer_id' | 'provider_id' | 'area_id'> | undefined> {
  let query = db.selectFrom('offers').select(['decision_id', 'customer_id', 'provider_id', 'area_id']).where('offer_id', '=', offerId);
  if (scope) query = query.where(scope);
  return query.executeTakeFirst();
}

export async function lockOffer(db: OrdersDb, offerId: string): Promise<OfferRow> {
  return db.selectFrom('offers').selectAll().where('offer_id', '=', offerId).forUpdate().executeTakeFirstOrThrow();
}

/** Records the answer to an offer and closes its queue entry (placed when accepted, declined otherwise). */
export async function recordOfferAnswer(db: OrdersDb, offer: OfferRow, answer: { accepted: boolean; at: Date; stayInQueueFor: string | null }): Promise<void> {
  await db
    .updateTable('offers')
    .set({ status: answer.accepted ? 'accepted' : 'declined', answered_at: answer.at, stay_in_queue_for: answer.stayInQueueFor })
    .where('offer_id', '=', offer.offer_id)
    .execute();
  await db
    .updateTable('queue_entries')
    .set({ status: answer.accepted ? 'placed' : 'declined', left_at: answer.at })
    .where('queue_entry_id', '=', offer.queue_entry_id)
    .execute();
}

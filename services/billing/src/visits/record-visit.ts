import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import { DELIVERY_ROUTES, monthOf, stockholmDate } from '@kundval/domain';
import { conflict, invalid, type AppError, type AuditRow } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import type { BillingTables } from '../store/schema.js';
import { deliveryUnitOf, orderEnd } from '../areas.js';
import { compiledOnce } from './compiled-once.js';

import type { OrderRow } from '../store/rows.js';
export type { OrderRow };
export type VisitRow = Selectable<BillingTables['visits']>;

/** One delivered visit as a provider reports it, by JSON or in an imported file (each row's fields). */
export const VisitReport = z.object({
  externalId: z.string().min(1).max(100).describe("The provider's own id for the visit; re-sending it is safe"),
  kind: z.enum(['care', 'service']),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
});
export type ReportedVisit = z.infer<typeof VisitReport>;

/** The longest single visit accepted: a report longer than a day is a typing error, not a visit. */
const MAX_VISIT_MS = 24 * 3600_000;

/**
 * Serialises what settles an order's months against what is reported into them: a delivery against
 * the customer's approval or a case handler's closing as nothing delivered. Without it a visit
 * reported while its month is being closed could land in a month settled at zero, never approved and
 * never paid. One lock per order, not per month: a report spanning months then never deadlocks with
 * another, and the order's reports are one provider's anyway. Re-entrant within the transaction.
 */
export async function lockOrderDeliveries(trx: BillingDb, orderId: string): Promise<void> {
  await sql`select ${orderDeliveriesLock(orderId)}`.execute(trx);
}

/**
 * The lock of {@link lockOrderDeliveries} as an expression, for a statement that takes it as it reads
 * the order (`orderInScopeLocked`): the order's id as a value, or a reference to an `order_id`
 * column (a uuid's text is its lowercase form, as the id read back from the row is).
 */
export function orderDeliveriesLock(orderId: string | RawBuilder<string>): RawBuilder<void> {
  const key = typeof orderId === 'string' ? sql`${`order-deliveries|${orderId}`}` : sql`'order-deliveries|' || ${orderId}::text`;
  return sql<void>`pg_advisory_xact_lock(hashtext(${key}))`;
}

/**
 * Records one delivered visit of an order, inside the caller's transaction, or refuses it with a
 * coded AppError that names `field`. A visit re-sent with the same externalId and details is
 * returned as it is (`created: false`), so a provider may safely send a report twice.
 *
 * The rules: a visit lasts (0, 24 h], starts inside the order's validity (Stockholm date; an
 * `orderEnded` event shortens it), not in a month the customer has approved (or a case handler
 * closed as nothing delivered), and overlaps no other visit of the same customer. The caller holds
 * {@link lockOrderDeliveries} for the order, taken once for the whole report.
 *
 * With `audit`, the report's audit row is written by the statement that inserts the visit (one
 * round trip less for the last visit of a report): `audited` says whether it was, which it is
 * exactly when the visit was inserted; otherwise the caller writes it as before.
 */
export async function recordVisit(
  trx: BillingDb,
  order: OrderRow,
  v: ReportedVisit,
  field: string,
  audit?: AuditRow,
): Promise<{ row: VisitRow; created: boolean; audited: boolean }> {
  const unit = deliveryUnitOf(order.area_id);
  // Days of a nursing home or a day activity, and sessions, have routes of their own; the refusal names it.
  if (unit !== 'minutes-by-band') throw conflict('BILLING.AREA_MISMATCH', `Order ${order.order_id} is in ${order.area_id}, paid by ${unit}, not by the minute: report it with ${DELIVERY_ROUTES[unit]}.`, { field });
  // One statement on the usual path: a visit that passes the rules needing no database is inserted
  // only if its month is open, it overlaps no visit of the customer and its externalId is new.
  // Otherwise every rule is checked in the order they are told, to say why (or to find it re-sent).
  const row = refusedWithoutDatabase(order, v, field) ? undefined : await insertIfAllowed(trx, order, v, monthOf(stockholmDate(new Date(v.start))), audit);
  if (row) return { row, created: true, audited: audit !== undefined };
  return { ...(await explainRefusal(trx, order, v, field)), audited: false };
}

/** The first rule the visit breaks that needs nothing from the database (its length, the order's validity), or null. */
function refusedWithoutDatabase(order: OrderRow, v: ReportedVisit, field: string): AppError | null {
  // The JSON route checks the duration in its body schema already; a file import reaches here unchecked.
  const ms = Date.parse(v.end) - Date.parse(v.start);
  if (!(ms > 0)) return invalid('BILLING.VISIT_DURATION', 'A visit ends after it starts.', { field: `${field}.end` });
  if (ms > MAX_VISIT_MS) return invalid('BILLING.VISIT_DURATION', 'A visit lasts at most 24 hours.', { field: `${field}.end` });
  const startDate = stockholmDate(new Date(v.start));
  // An order ended early (a switch, the decision ended) is in force until its end date only.
  const lastDay = orderEnd(order);
  if (startDate < order.valid_from || startDate > lastDay)
    return invalid('BILLING.VISIT_OUTSIDE_ORDER', `The visit on ${startDate} is outside the order's validity ${order.valid_from}–${lastDay}.`, { field: `${field}.start` });
  return null;
}

/** The values of the visit's insert, as {@link insertIfAllowed} sends them. */
type VisitValues = {
  visitId: string;
  orderId: string;
  customerId: string;
  providerId: string;
  externalId: string;
  kind: string;
  start: Date;
  end: Date;
  month: string;
};

/**
 * Inserts the visit unless its month is settled, it overlaps another of the customer's, or its
 * externalId is taken; the row, or undefined. With `audit`, the same statement writes the audit row
 * when, and only when, it inserts the visit (`WITH inserted AS (INSERT … RETURNING *) INSERT INTO
 * audit_log SELECT … FROM inserted`). The statement's shape is fixed, so it is compiled once.
 */
async function insertIfAllowed(trx: BillingDb, order: OrderRow, v: ReportedVisit, month: string, audit?: AuditRow): Promise<VisitRow | undefined> {
  const values: VisitValues = {
    visitId: randomUUID(),
    orderId: order.order_id,
    customerId: order.customer_id,
    providerId: order.provider_id,
    externalId: v.externalId,
    kind: v.kind,
    start: new Date(v.start),
    end: new Date(v.end),
    month,
  };
  const inserted = !audit
    ? await insertVisit(trx, values)
    : audit.agent === undefined
      ? await insertVisitAudited(trx, { ...values, ...audit })
      : await insertVisitAuditedWithAgent(trx, { ...values, ...audit });
  return inserted.rows[0];
}

const insertVisit = compiledOnce((db: BillingDb, a: VisitValues) => insertVisitIfAllowed(db, a).returningAll());
const insertVisitAudited = compiledOnce((db: BillingDb, a: VisitValues & AuditRow) => insertVisitAndAudit(db, a, false));
const insertVisitAuditedWithAgent = compiledOnce((db: BillingDb, a: VisitValues & AuditRow) => insertVisitAndAudit(db, a, true));

function insertVisitAndAudit(db: BillingDb, a: VisitValues & AuditRow, withAgent: boolean) {
  return db
    .with('inserted', () => insertVisitIfAllowed(db, a).returningAll())
    .with('audited', (cte) =>
      cte
        .insertInto('audit_log')
        .columns(['actor', 'actor_role', ...(withAgent ? (['agent'] as const) : []), 'action', 'entity', 'entity_id', 'before', 'after', 'correlation_id'])
        .expression(
          cte
            .selectFrom('inserted')
            .select([
              sql<string>`${a.actor}::text`.as('actor'),
              sql<string>`${a.actor_role}::text`.as('actor_role'),
              ...(withAgent ? [sql<string>`${a.agent}::text`.as('agent')] : []),
              sql<string>`${a.action}::text`.as('action'),
              sql<string>`${a.entity}::text`.as('entity'),
              sql<string>`${a.entity_id}::text`.as('entity_id'),
              sql<string | null>`${a.before}::jsonb`.as('before'),
              sql<string | null>`${a.after}::jsonb`.as('after'),
              sql<string | null>`${a.correlation_id}::text`.as('correlation_id'),
            ]),
        ),
    )
    .selectFrom('inserted')
    .selectAll();
}

function insertVisitIfAllowed(trx: BillingDb, a: VisitValues) {
  return trx
    .insertInto('visits')
    .columns(['visit_id', 'order_id', 'customer_id', 'provider_id', 'external_id', 'kind', 'start_at', 'end_at', 'local_month', 'status'])
    .expression(
      trx
        .selectNoFrom([
          sql`${a.visitId}::uuid`.as('visit_id'),
          sql`${a.orderId}::uuid`.as('order_id'),
          sql`${a.customerId}::uuid`.as('customer_id'),
          sql`${a.providerId}`.as('provider_id'),
          sql`${a.externalId}`.as('external_id'),
          sql`${a.kind}`.as('kind'),
          sql`${a.start}::timestamptz`.as('start_at'),
          sql`${a.end}::timestamptz`.as('end_at'),
          sql`${a.month}`.as('local_month'),
          sql`'reported'`.as('status'),
        ])
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('month_approvals').select(sql`1`.as('one')).where('order_id', '=', a.orderId).where('month', '=', a.month))),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('visits')
                .select(sql`1`.as('one'))
                .where('customer_id', '=', a.customerId)
                .where(sql<boolean>`tstzrange(start_at, end_at) && tstzrange(${a.start}::timestamptz, ${a.end}::timestamptz)`),
            ),
          ),
        ),
    )
    .onConflict((oc) => oc.columns(['provider_id', 'external_id']).doNothing());
}

/**
 * Why a visit was not inserted, in the order the rules are told: the same visit sent again is
 * returned as it is; a changed one, a settled month or an overlap is refused naming `field`.
 */
async function explainRefusal(trx: BillingDb, order: OrderRow, v: ReportedVisit, field: string): Promise<{ row: VisitRow; created: boolean }> {
  const existing = await trx.selectFrom('visits').selectAll().where('provider_id', '=', order.provider_id).where('external_id', '=', v.externalId).executeTakeFirst();
  if (existing) {
    if (existing.start_at.getTime() !== Date.parse(v.start) || existing.end_at.getTime() !== Date.parse(v.end) || existing.kind !== v.kind || existing.order_id !== order.order_id)
      throw conflict('BILLING.VISIT_CHANGED', `Visit ${v.externalId} was reported before with other details; correct it through the case handler.`, { field });
    return { row: existing, created: false };
  }
  const refused = refusedWithoutDatabase(order, v, field);
  if (refused) throw refused;
  const month = monthOf(stockholmDate(new Date(v.start)));
  const approved = await trx.selectFrom('month_approvals').select(['month', 'nothing_delivered']).where('order_id', '=', order.order_id).where('month', '=', month).executeTakeFirst();
  if (approved) {
    const why = approved.nothing_delivered ? 'closed by a case handler as nothing delivered' : 'already approved by the customer';
    throw conflict('BILLING.MONTH_APPROVED', `${month} is ${why}; report a correction through the case handler.`, { field: `${field}.start` });
  }
  const overlap = await trx
    .selectFrom('visits')
    .select('external_id')
    .where('customer_id', '=', order.customer_id)
    .where(sql<boolean>`tstzrange(start_at, end_at) && tstzrange(${v.start}::timestamptz, ${v.end}::timestamptz)`)
    .executeTakeFirst();
  if (overlap) throw invalid('BILLING.VISIT_OVERLAPS', `The visit overlaps visit ${overlap.external_id} of the same customer.`, { field: `${field}.start` });
  // The caller holds the order's lock, so what kept the visit out is still there; anything else is a defect.
  throw new Error(`Visit ${v.externalId} of order ${order.order_id} was neither inserted nor refused by a rule.`);
}

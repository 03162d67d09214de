import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DELIVERY_ROUTES } from '@kundval/domain';
import { ErrorBody, audit, commandRunner, conflict, enqueueEvent, invalid, isUniqueViolation, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from '../../deps.js';
import { dayAfterOrderEnd, deliveryUnitOf, orderEnd } from '../../areas.js';
import { lockOrderDeliveries, type OrderRow } from '../../visits/record-visit.js';
import { scopedOrder } from '../visits/index.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const OrderParams = z.object({ orderId: z.uuid() });
const IsoDate = z.iso.date();

const OccupancyBody = z.object({
  kind: z.enum(['moved-in', 'hospital-stay', 'moved-out']),
  from: IsoDate.describe('Move-in day (first occupied day), the first day in hospital, or the move-out day (not occupied)'),
  to: IsoDate.optional().describe('A hospital stay only: the day back (exclusive); left out while the resident is still in hospital'),
});
const Placement = z.object({
  moveIn: z.string().nullable(),
  moveOut: z.string().nullable(),
  hospitalStays: z.array(z.object({ from: z.string(), to: z.string().nullable() })),
});
const OccupancyAnswer = z.object({
  periodId: z.uuid(),
  orderId: z.uuid(),
  kind: z.enum(['moved-in', 'hospital-stay', 'moved-out']),
  from: z.string(),
  to: z.string().nullable(),
  placement: Placement,
});

const AttendanceBody = z.object({
  days: z.array(IsoDate).min(1).max(62).describe('Days the customer attended (local dates); a day reported again is recorded once'),
});
const AttendanceDay = z.object({ attendanceId: z.uuid(), date: z.string(), month: z.string(), status: z.enum(['reported', 'approved', 'disputed', 'rejected']) });
const AttendanceAnswer = z.object({ orderId: z.uuid(), recorded: z.number(), unchanged: z.number(), days: z.array(AttendanceDay) });

/**
 * Deliveries of unit-priced areas: a nursing home's occupancy (move-in, hospital stays, move-out;
 * DOMAIN.md §4) and a day activity's attendance days (DOMAIN.md §5). Each report is recorded once,
 * inside the order's validity, and announced as `deliveryPeriodRecorded`.
 */
export function deliveryRoutes({ db, afterCommit }: BillingDeps): FastifyPluginAsyncZod {
  const command = commandRunner(db, { afterCommit });
  return async (app) => {
    app.post(
      '/orders/:orderId/occupancy',
      {
        config: { roles: ['provider', 'case-handler'] },
        schema: {
          summary: "Record a nursing-home resident's move-in, hospital stay or move-out",
          description:
            "The place is paid per occupied day, from the move-in day (inclusive) to the move-out day (exclusive) or the end of the order, at the voucher of the level in force that day (as placed, then as each amendment of the order sets it); a hospital stay keeps the place occupied and paid. The order's validity is its last day as amended: a renewed decision moves it later, an `orderEnded` ends it early. Re-sending a record is safe (200); a hospital stay sent again with its `to` closes it.",
          tags: ['deliveries'],
          params: OrderParams,
          body: OccupancyBody,
          response: { 200: OccupancyAnswer, 201: OccupancyAnswer, ...errors },
        },
      },
      async (req, reply) => {
        const { kind, from } = req.body;
        const to = req.body.to ?? null;
        if (to !== null && kind !== 'hospital-stay') throw invalid('BILLING.OCCUPANCY_END', 'Only a hospital stay has an end; a move-in or move-out is one day.', { field: 'body.to' });
        if (to !== null && to <= from) throw invalid('BILLING.OCCUPANCY_END', 'A hospital stay ends after it starts (`to` is the day back, exclusive).', { field: 'body.to' });
        return uniqueAsConflict(() =>
          command(req, reply, async (trx) => {
            const order = await scopedOrder(trx, req.params.orderId, req.principal);
            assertUnit(order, 'occupancy-day');
            const records = await trx.selectFrom('occupancy_periods').selectAll().where('order_id', '=', order.order_id).orderBy('from_date').execute();
            const moveIn = records.find((r) => r.kind === 'moved-in') ?? null;
            const moveOut = records.find((r) => r.kind === 'moved-out') ?? null;
            const lastDay = orderEnd(order);
            let row: (typeof records)[number] | undefined;
            let changed = true;

            if (kind === 'moved-in') {
              if (moveIn) {
                if (moveIn.from_date !== from) throw conflict('BILLING.ALREADY_MOVED_IN', `The resident moved in on ${moveIn.from_date}; correct it through the case handler.`, { field: 'body.from' });
                row = moveIn;
                changed = false;
              } else if (from < order.valid_from || from > lastDay) {
                throw invalid('BILLING.OUTSIDE_ORDER', `${from} is outside the order's validity ${order.valid_from}–${lastDay}.`, { field: 'body.from' });
              }
            } else {
              if (!moveIn) throw conflict('BILLING.NOT_MOVED_IN', 'Record the move-in first.');
              if (from < moveIn.from_date) throw invalid('BILLING.OUTSIDE_ORDER', `${from} is before the move-in on ${moveIn.from_date}.`, { field: 'body.from' });
              if (kind === 'moved-out') {
                if (moveOut) {
                  if (moveOut.from_date !== from) throw conflict('BILLING.ALREADY_MOVED_OUT', `The resident moved out on ${moveOut.from_date}.`, { field: 'body.from' });
                  row = moveOut;
                  changed = false;
                } else if (from > dayAfterOrderEnd(order)) {
                  throw invalid('BILLING.OUTSIDE_ORDER', `The order ends on ${lastDay}: the move-out is on ${dayAfterOrderEnd(order)} at the latest.`, { field: 'body.from' });
                } else if (records.some((r) => r.kind === 'hospital-stay' && r.from_date >= from)) {
                  // A stay still open at the move-out ends with it (a resident may leave from hospital); one starting later cannot be.
                  throw conflict('BILLING.HOSPITAL_STAY_OVERLAP', 'A hospital stay starts on or after this move-out.', { field: 'body.from' });
                }
              } else {
                if (from > lastDay || (moveOut && from >= moveOut.from_date)) throw invalid('BILLING.OUTSIDE_ORDER', `${from} is after the placement ends.`, { field: 'body.from' });
                if (to !== null && moveOut && to > moveOut.from_date) throw invalid('BILLING.OUTSIDE_ORDER', `The stay ends after the move-out on ${moveOut.from_date}.`, { field: 'body.to' });
                const stays = records.filter((r) => r.kind === 'hospital-stay');
                const same = stays.find((r) => r.from_date === from);
                if (same && same.to_date === to) {
                  row = same;
                  changed = false;
                } else if (same && same.to_date === null && to !== null) {
                  // Back from hospital: the open stay gets its end.
                  if (stays.some((r) => r !== same && r.from_date > from && r.from_date < to)) throw conflict('BILLING.HOSPITAL_STAY_OVERLAP', 'The stay would overlap a later one.', { field: 'body.to' });
                  row = await trx.updateTable('occupancy_periods').set({ to_date: to }).where('period_id', '=', same.period_id).returningAll().executeTakeFirstOrThrow();
                } else {
                  const overlaps = stays.some((r) => r.from_date < (to ?? '9999-12-31') && from < (r.to_date ?? '9999-12-31'));
                  if (overlaps) throw conflict('BILLING.HOSPITAL_STAY_OVERLAP', 'The stay overlaps another hospital stay of the resident.', { field: 'body.from' });
                }
              }
            }
            if (!row) {
              row = await trx
                .insertInto('occupancy_periods')
                .values({ period_id: randomUUID(), order_id: order.order_id, kind, from_date: from, to_date: to, recorded_by: req.principal.sub })
                .returningAll()
                .executeTakeFirstOrThrow();
            }
            if (changed) {
              await enqueueEvent(
                trx,
                'deliveryPeriodRecorded',
                { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, kind, from: row.from_date, to: row.to_date },
                { correlationId: req.correlationId },
              );
              await audit(trx, req.principal, { action: 'occupancy.recorded', entity: 'order', entityId: order.order_id, after: { kind, from: row.from_date, to: row.to_date }, correlationId: req.correlationId });
            }
            const all = await trx.selectFrom('occupancy_periods').selectAll().where('order_id', '=', order.order_id).orderBy('from_date').execute();
            return {
              status: changed ? 201 : 200,
              body: {
                periodId: row.period_id,
                orderId: order.order_id,
                kind: row.kind,
                from: row.from_date,
                to: row.to_date,
                placement: {
                  moveIn: all.find((r) => r.kind === 'moved-in')?.from_date ?? null,
                  moveOut: all.find((r) => r.kind === 'moved-out')?.from_date ?? null,
                  hospitalStays: all.filter((r) => r.kind === 'hospital-stay').map((r) => ({ from: r.from_date, to: r.to_date })),
                },
              },
            };
          }),
        );
      },
    );

    app.post(
      '/orders/:orderId/attendance',
      {
        config: { roles: ['provider'] },
        schema: {
          summary: "Report a day activity's attendance days",
          description:
            "Each day the customer attended, inside the order's validity (its last day as amended: a renewed decision moves it later) and not in a month already approved; a day reported again is recorded once. The customer's approval of the month approves its attendance days; each is paid at the voucher of the level in force that day (as placed, then as each amendment of the order sets it) and charged the day fee under the shared maxtaxa.",
          tags: ['deliveries'],
          params: OrderParams,
          body: AttendanceBody,
          response: { 201: AttendanceAnswer, ...errors },
        },
      },
      async (req, reply) =>
        uniqueAsConflict(() =>
          command(req, reply, async (trx) => {
            const order = await scopedOrder(trx, req.params.orderId, req.principal);
            assertUnit(order, 'attendance-day');
            const lastDay = orderEnd(order);
            const wanted = [...new Set(req.body.days)].sort();
            const indexOf = (date: string) => req.body.days.indexOf(date);
            for (const date of wanted) {
              if (date < order.valid_from || date > lastDay) {
                throw invalid('BILLING.OUTSIDE_ORDER', `${date} is outside the order's validity ${order.valid_from}–${lastDay}.`, { field: `body.days.${indexOf(date)}` });
              }
            }
            const months = [...new Set(wanted.map((d) => d.slice(0, 7)))];
            await lockOrderDeliveries(trx, order.order_id);
            const approved = await trx.selectFrom('month_approvals').select('month').where('order_id', '=', order.order_id).where('month', 'in', months).execute();
            const approvedMonths = new Set(approved.map((a) => a.month));
            const existing = await trx.selectFrom('attendance_days').selectAll().where('customer_id', '=', order.customer_id).where('date', 'in', wanted).execute();
            const byDate = new Map(existing.map((e) => [e.date, e]));
            const fresh: string[] = [];
            for (const date of wanted) {
              const seen = byDate.get(date);
              if (seen && seen.order_id !== order.order_id) {
                throw conflict('BILLING.ATTENDANCE_TAKEN', `The customer's attendance on ${date} is reported under another order.`, { field: `body.days.${indexOf(date)}` });
              }
              if (seen) continue;
              if (approvedMonths.has(date.slice(0, 7))) {
                throw conflict('BILLING.MONTH_APPROVED', `${date.slice(0, 7)} is already approved (or closed as nothing delivered); report a correction through the case handler.`, { field: `body.days.${indexOf(date)}` });
              }
              fresh.push(date);
            }
            if (fresh.length > 0) {
              const rows = await trx
                .insertInto('attendance_days')
                .values(fresh.map((date) => ({ attendance_id: randomUUID(), order_id: order.order_id, customer_id: order.customer_id, provider_id: order.provider_id, date, local_month: date.slice(0, 7), status: 'reported' as const })))
                .returningAll()
                .execute();
              for (const r of rows) byDate.set(r.date, r);
              await enqueueEvent(
                trx,
                'deliveryPeriodRecorded',
                { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, kind: 'attendance', from: fresh[0]!, to: fresh[fresh.length - 1]! },
                { correlationId: req.correlationId },
              );
              await audit(trx, req.principal, { action: 'attendance.reported', entity: 'order', entityId: order.order_id, after: { days: fresh }, correlationId: req.correlationId });
            }
            return {
              status: 201,
              body: {
                orderId: order.order_id,
                recorded: fresh.length,
                unchanged: wanted.length - fresh.length,
                days: wanted.map((date) => {
                  const r = byDate.get(date)!;
                  return { attendanceId: r.attendance_id, date: r.date, month: r.local_month, status: r.status };
                }),
              },
            };
          }),
        ),
    );
  };
}

function assertUnit(order: OrderRow, unit: 'occupancy-day' | 'attendance-day'): void {
  const actual = deliveryUnitOf(order.area_id);
  if (actual !== unit) throw conflict('BILLING.AREA_MISMATCH', `Order ${order.order_id} is in ${order.area_id}, paid by ${actual}, not by ${unit}: report it with ${DELIVERY_ROUTES[actual]}.`);
}

/** Two reports of the same day or move racing: the database lets one win; the other is asked to send again (and then finds it recorded). */
async function uniqueAsConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('BILLING.CONCURRENT_REPORT', 'The same delivery was reported at the same moment by another request; send it again.');
    throw err;
  }
}


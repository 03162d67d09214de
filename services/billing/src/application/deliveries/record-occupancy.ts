import { audit, conflict, invalid } from '@kundval/platform';
import { dayAfterOrderEnd, orderEnd } from '../../areas.js';
import { endHospitalStay, insertOccupancy, occupancyOf } from '../../store/deliveries.js';
import { pendingEvent, type Outcome, type PendingEvent, type UseCaseContext } from '../context.js';
import { orderInScope } from '../scope.js';
import { assertUnit } from './unit.js';

export type RecordOccupancy = { orderId: string; kind: 'moved-in' | 'hospital-stay' | 'moved-out'; from: string; to?: string | undefined };
export type Placement = { moveIn: string | null; moveOut: string | null; hospitalStays: { from: string; to: string | null }[] };
export type OccupancyRecorded = { periodId: string; orderId: string; kind: RecordOccupancy['kind']; from: string; to: string | null; placement: Placement };

/** A move-in or move-out is one day; a hospital stay may have an end, the day back (exclusive), after its start. Refused before anything is read. */
export function assertOccupancyInput(input: RecordOccupancy): void {
  const to = input.to ?? null;
  if (to !== null && input.kind !== 'hospital-stay') throw invalid('BILLING.OCCUPANCY_END', 'Only a hospital stay has an end; a move-in or move-out is one day.', { field: 'body.to' });
  if (to !== null && to <= input.from) throw invalid('BILLING.OCCUPANCY_END', 'A hospital stay ends after it starts (`to` is the day back, exclusive).', { field: 'body.to' });
}

/**
 * A nursing home's resident moves in, goes to hospital (and comes back) or moves out (DOMAIN.md §4).
 * The place is paid per occupied day from the move-in (inclusive) to the move-out (exclusive) or the
 * order's end; a hospital stay keeps it occupied. Each record is kept once: re-sending one is not a
 * change (`created: false`), and a hospital stay sent again with its end closes it.
 */
export async function recordOccupancy(ctx: UseCaseContext, input: RecordOccupancy): Promise<Outcome<OccupancyRecorded>> {
  assertOccupancyInput(input);
  const { kind, from } = input;
  const to = input.to ?? null;
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  assertUnit(order, 'occupancy-day');
  const records = await occupancyOf(ctx.db, order.order_id);
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
        row = await endHospitalStay(ctx.db, same.period_id, to);
      } else {
        const overlaps = stays.some((r) => r.from_date < (to ?? '9999-12-31') && from < (r.to_date ?? '9999-12-31'));
        if (overlaps) throw conflict('BILLING.HOSPITAL_STAY_OVERLAP', 'The stay overlaps another hospital stay of the resident.', { field: 'body.from' });
      }
    }
  }
  if (!row) {
    row = await insertOccupancy(ctx.db, { period_id: ctx.newId(), order_id: order.order_id, kind, from_date: from, to_date: to, recorded_by: ctx.principal.sub });
  }
  const events: PendingEvent[] = [];
  if (changed) {
    events.push(pendingEvent('deliveryPeriodRecorded', { orderId: order.order_id, applicationId: order.application_id, customerId: order.customer_id, providerId: order.provider_id, kind, from: row.from_date, to: row.to_date }));
    await audit(ctx.db, ctx.principal, { action: 'occupancy.recorded', entity: 'order', entityId: order.order_id, after: { kind, from: row.from_date, to: row.to_date }, correlationId: ctx.correlationId });
  }
  const all = await occupancyOf(ctx.db, order.order_id);
  return {
    created: changed,
    events,
    result: {
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
}

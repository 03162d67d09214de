import {
  DomainError,
  createStatementAccumulator,
  levelIdForDecision,
  occupancyDays,
  priceUnitStatement,
  type RateTable,
  type StatementAccumulator,
  type UnitAreaDefinition,
  type UnitRateTable,
} from '@kundval/domain';
import { conflict } from '@kundval/platform';
import { dayAfterOrderEnd, noRateTable } from '../areas.js';
import type { OrderRow } from '../visits/record-visit.js';
import type { MinuteLine, UnitLine } from './lines.js';
import type { LevelTimeline } from './order-terms.js';

/** A delivery left off a statement, and why: disputed (until resolved), rejected (never paid), not approved, or of another month. */
export type ExcludedDelivery = { id: string; orderId: string; reason: 'disputed' | 'rejected' | 'not-approved' | 'outside-month' };

/** A visit as the pricing reads it: instants as ISO strings, status as stored. */
export type VisitForPricing = {
  visit_id: string;
  customer_id: string;
  kind: 'care' | 'service';
  start: string;
  end: string;
  status: 'reported' | 'approved' | 'disputed' | 'rejected';
};

export type PricedVisits = { lines: MinuteLine[]; excluded: ExcludedDelivery[]; visitCount: number; unpricedMinutes: number };

/**
 * Prices one order's visits of a month with the domain's streaming accumulator, visit by visit.
 * Only minutes are kept: the amounts are rounded once per line over the provider's month (DOMAIN.md
 * §2), by whoever sums the orders (a statement, or a payment against the provider's paid lines).
 */
export class OrderVisitPricer {
  private readonly accumulator: StatementAccumulator;
  private readonly rejected: ExcludedDelivery[] = [];
  private visits = 0;

  constructor(
    private readonly order: Pick<OrderRow, 'order_id' | 'provider_id' | 'provider_kind' | 'municipality' | 'area_id'>,
    month: string,
    private readonly tables: RateTable[],
  ) {
    // No appendix: `finish` reads the lines and exclusions only, and an entry per visit was the run's garbage.
    this.accumulator = domainRefusal(() =>
      createStatementAccumulator({ providerId: order.provider_id, providerKind: order.provider_kind, month, rateTables: tables, municipality: order.municipality, areaId: order.area_id, appendix: false }),
    );
  }

  add(v: VisitForPricing): void {
    this.visits++;
    if (v.status === 'rejected') {
      this.rejected.push({ id: v.visit_id, orderId: this.order.order_id, reason: 'rejected' });
      return;
    }
    const status = v.status;
    if (status === 'approved' && this.tables.length === 0) throw noRateTable(this.order.municipality, this.order.area_id);
    domainRefusal(() => this.accumulator.add({ visitId: v.visit_id, customerId: v.customer_id, kind: v.kind, start: v.start, end: v.end, status }));
  }

  finish(): PricedVisits {
    const statement = this.accumulator.finish();
    return {
      lines: statement.lines.map((l) => ({ kind: l.kind, band: l.band, orePerHour: l.orePerHour, minutes: l.minutes })),
      excluded: [...statement.excluded.map((e) => ({ id: e.visitId, orderId: this.order.order_id, reason: e.reason })), ...this.rejected],
      visitCount: this.visits,
      unpricedMinutes: statement.unpricedMinutes,
    };
  }
}

/** A delivered unit of a unit area (an attendance day, a session), or an occupied day. */
export type DayForPricing = { id: string; date: string; status: 'reported' | 'approved' | 'disputed' | 'rejected' };

/**
 * Prices an order's units in a unit area (attendance days, sessions or occupied days) with the
 * domain's unit pricing, each at the voucher level in force on its date (`levels`: the level placed,
 * then each amendment's) and the rate table valid on it. The order carries the decision's level
 * number; the level it names is the area's n-th ({@link levelIdForDecision}), whatever its id.
 */
export function priceOrderDays(
  area: UnitAreaDefinition,
  tables: UnitRateTable[],
  order: Pick<OrderRow, 'order_id' | 'customer_id' | 'provider_id' | 'provider_kind' | 'municipality' | 'area_id'>,
  month: string,
  days: readonly DayForPricing[],
  levels: LevelTimeline,
): { lines: UnitLine[]; excluded: ExcludedDelivery[] } {
  const excluded: ExcludedDelivery[] = days.filter((d) => d.status === 'rejected').map((d) => ({ id: d.id, orderId: order.order_id, reason: 'rejected' }));
  const priced = days.flatMap((d) => (d.status === 'rejected' ? [] : [{ ...d, status: d.status, level: levels.levelOn(d.date) }]));
  if (priced.length === 0) return { lines: [], excluded };
  const unlevelled = priced.find((d) => d.level === null);
  if (unlevelled) throw conflict('BILLING.LEVEL_MISSING', `Order ${order.order_id} has no voucher level on ${unlevelled.date}; ${area.id} is paid by level.`);
  if (tables.length === 0) throw noRateTable(order.municipality, area.id);
  const statement = domainRefusal(() =>
    priceUnitStatement({
      area: { ...area, rateTables: tables },
      providerId: order.provider_id,
      providerKind: order.provider_kind,
      month,
      deliveries: priced.map((d) => ({
        deliveryId: d.id,
        customerId: order.customer_id,
        date: d.date,
        level: levelIdForDecision(area, d.level!),
        units: 1,
        status: d.status,
      })),
    }),
  );
  return {
    lines: statement.lines.map((l) => ({ areaId: area.id, level: l.level, orePerUnit: l.orePerUnit, units: l.units })),
    excluded: [...excluded, ...statement.excluded.map((e) => ({ id: e.deliveryId, orderId: order.order_id, reason: e.reason }))],
  };
}

/** An occupancy record as stored. */
export type OccupancyRecord = { kind: 'moved-in' | 'hospital-stay' | 'moved-out'; from_date: string; to_date: string | null };

/**
 * The occupied days of a placement in a month (DOMAIN.md §4): from move-in inclusive to move-out
 * exclusive — or to the day after the order's last day, when the order ended without a move-out —
 * with hospital stays kept paid. Empty before move-in.
 */
export function occupiedDays(order: Pick<OrderRow, 'order_id' | 'valid_to' | 'end_date'>, month: string, records: readonly OccupancyRecord[]): { days: DayForPricing[]; hospitalDays: number } {
  const moveIn = records.find((r) => r.kind === 'moved-in')?.from_date;
  if (!moveIn) return { days: [], hospitalDays: 0 };
  const recordedOut = records.find((r) => r.kind === 'moved-out')?.from_date ?? null;
  const orderOut = dayAfterOrderEnd(order);
  let moveOut = recordedOut !== null && recordedOut < orderOut ? recordedOut : orderOut;
  if (moveOut < moveIn) moveOut = moveIn;
  const hospitalStays = records.filter((r) => r.kind === 'hospital-stay').map((r) => ({ from: r.from_date, to: r.to_date }));
  const occupancy = domainRefusal(() => occupancyDays({ month, moveIn, moveOut, hospitalStays }));
  return { days: occupancy.dates.map((date) => ({ id: `${order.order_id}:${date}`, date, status: 'approved' as const })), hospitalDays: occupancy.hospitalDays };
}

/** A domain refusal while pricing (a gap in the rate tables, an unknown level) is a 409 for finance to fix, never a wrong amount. */
export function domainRefusal<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof DomainError) throw conflict(err.code, err.message);
    throw err;
  }
}

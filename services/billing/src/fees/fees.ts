import { areaFeeCharge, computeMonthlyFee, createOcrReference, homeCareTariffOre, type AreaFeeCharge, type MonthlyFee } from '@kundval/domain';
import { sql } from 'kysely';
import type { BillingDb } from '../store/db.js';
import type { BillingTables } from '../store/schema.js';
import type { RunDeliveryTotal } from '../store/run-deliveries.js';
import { areaDefinition } from '../areas.js';
import { domainRefusal } from '../pricing/order-pricing.js';

/** A customer's approved deliveries of a month, per area: minutes of minute areas, units (attendance days, sessions) of unit areas. */
export type CustomerDeliveries = { minutesByArea: Map<string, number>; unitsByArea: Map<string, number> };

export type FeeBasisRow = Pick<BillingTables['fee_bases'], 'net_income_ore' | 'housing_cost_ore' | 'household' | 'minimum_amount_raise_ore'>;

export type FeeComputation = {
  fee: MonthlyFee;
  /** The month's fee across every area: the capped fee plus any area billed outside the shared maxtaxa. */
  totalFeeOre: number;
  tariffOre: number;
  approvedMinutes: number;
  attendanceDays: number;
  perArea: { areaId: string; tariffOre: number; feeOre: number }[];
};

/**
 * Approved deliveries of a month for each of `customerIds`, across all their orders and areas:
 * minutes of approved visits, approved attendance days and approved sessions, summed in the database.
 */
export async function loadDeliveries(db: BillingDb, customerIds: readonly string[], month: string): Promise<Map<string, CustomerDeliveries>> {
  const out = new Map<string, CustomerDeliveries>();
  if (customerIds.length === 0) return out;
  const entry = (customerId: string) => {
    let e = out.get(customerId);
    if (!e) {
      e = { minutesByArea: new Map(), unitsByArea: new Map() };
      out.set(customerId, e);
    }
    return e;
  };
  const minutes = await db
    .selectFrom('visits as v')
    .innerJoin('orders as o', 'o.order_id', 'v.order_id')
    .select(['v.customer_id', 'o.area_id', sql<number>`(sum(extract(epoch from (v.end_at - v.start_at))) / 60)::bigint`.as('minutes')])
    .where('v.customer_id', 'in', customerIds)
    .where('v.local_month', '=', month)
    .where('v.status', '=', 'approved')
    .groupBy(['v.customer_id', 'o.area_id'])
    .execute();
  for (const m of minutes) entry(m.customer_id).minutesByArea.set(m.area_id, Number(m.minutes));
  const days = await db
    .selectFrom('attendance_days as a')
    .innerJoin('orders as o', 'o.order_id', 'a.order_id')
    .select(['a.customer_id', 'o.area_id', sql<number>`count(*)::bigint`.as('days')])
    .where('a.customer_id', 'in', customerIds)
    .where('a.local_month', '=', month)
    .where('a.status', '=', 'approved')
    .groupBy(['a.customer_id', 'o.area_id'])
    .execute();
  for (const d of days) entry(d.customer_id).unitsByArea.set(d.area_id, Number(d.days));
  // Sessions (areas paid per session; ADR 0019): each approved session is one unit of the area's fee.
  const sessions = await db
    .selectFrom('sessions as s')
    .innerJoin('orders as o', 'o.order_id', 's.order_id')
    .select(['s.customer_id', 'o.area_id', sql<number>`count(*)::bigint`.as('sessions')])
    .where('s.customer_id', 'in', customerIds)
    .where('s.local_month', '=', month)
    .where('s.status', '=', 'approved')
    .groupBy(['s.customer_id', 'o.area_id'])
    .execute();
  for (const x of sessions) {
    const units = entry(x.customer_id).unitsByArea;
    units.set(x.area_id, (units.get(x.area_id) ?? 0) + Number(x.sessions));
  }
  return out;
}

/**
 * The same deliveries as `loadDeliveries`, from a billing run's tally instead of the visits, attendance
 * days and sessions (its provider pass counted them as it priced the month): areas in the order
 * `loadDeliveries` gives them, attendance days before sessions.
 */
export function deliveriesFromTotals(totals: readonly RunDeliveryTotal[]): Map<string, CustomerDeliveries> {
  const out = new Map<string, CustomerDeliveries>();
  const entry = (customerId: string) => {
    let e = out.get(customerId);
    if (!e) {
      e = { minutesByArea: new Map(), unitsByArea: new Map() };
      out.set(customerId, e);
    }
    return e;
  };
  for (const t of totals) if (t.visits > 0) entry(t.customerId).minutesByArea.set(t.areaId, t.minutes);
  for (const t of totals) if (t.attendanceDays > 0) entry(t.customerId).unitsByArea.set(t.areaId, t.attendanceDays);
  for (const t of totals) {
    if (t.sessions === 0) continue;
    const units = entry(t.customerId).unitsByArea;
    units.set(t.areaId, (units.get(t.areaId) ?? 0) + t.sessions);
  }
  return out;
}

/**
 * The customer's fee for the month over every area with approved deliveries: each area's tariff by
 * its fee model (home-care minutes × the hourly fee, attendance days or sessions × the per-unit fee), one maxtaxa
 * across all areas that share it (DOMAIN.md §3, §5), then min(tariff, maxtaxa, fee room).
 * `tariffOrePerHour` is the municipality's configured hourly fee, which wins over an area's default.
 */
export function computeFee(month: string, deliveries: CustomerDeliveries | undefined, basis: FeeBasisRow | undefined, tariffOrePerHour: number): FeeComputation {
  const shared: AreaFeeCharge[] = [];
  const separate: AreaFeeCharge[] = [];
  let approvedMinutes = 0;
  let attendanceDays = 0;
  for (const [areaId, minutes] of deliveries?.minutesByArea ?? []) {
    approvedMinutes += minutes;
    const area = areaDefinition(areaId);
    // An hourly fee, by the municipality's configured tariff; an area the registry does not know is charged like home care.
    const charge =
      area === undefined || area.fee.kind === 'hourly-tariff'
        ? { areaId, tariffOre: homeCareTariffOre({ approvedMinutes: minutes, tariffOrePerHour }), sharedMaxtaxa: area?.fee.kind === 'hourly-tariff' ? area.fee.sharedMaxtaxa : true }
        : domainRefusal(() => areaFeeCharge(area, { approvedMinutes: minutes, units: 0 }));
    (charge.sharedMaxtaxa ? shared : separate).push(charge);
  }
  for (const [areaId, units] of deliveries?.unitsByArea ?? []) {
    const area = areaDefinition(areaId);
    if (!area) continue;
    if (area.deliveryUnit === 'attendance-day') attendanceDays += units;
    const charge = domainRefusal(() => areaFeeCharge(area, { units, approvedMinutes: 0 }));
    (charge.sharedMaxtaxa ? shared : separate).push(charge);
  }
  const fee = domainRefusal(() =>
    computeMonthlyFee({
      month,
      charges: shared.map((c) => ({ areaId: c.areaId, tariffOre: c.tariffOre })),
      feeBasis: basis
        ? { netIncomeOre: basis.net_income_ore, housingCostOre: basis.housing_cost_ore, household: basis.household, minimumAmountRaiseOre: basis.minimum_amount_raise_ore }
        : null,
    }),
  );
  const separateOre = separate.reduce((s, c) => s + c.tariffOre, 0);
  return {
    fee,
    totalFeeOre: fee.feeOre + separateOre,
    tariffOre: fee.tariffOre + separateOre,
    approvedMinutes,
    attendanceDays,
    perArea: [...fee.perArea, ...separate.map((c) => ({ areaId: c.areaId, tariffOre: c.tariffOre, feeOre: c.tariffOre }))],
  };
}

/** An invoice's OCR reference: its number, at least six digits, with length and check digits (DOMAIN.md §6). */
export function invoiceOcr(invoiceNumber: number): string {
  return createOcrReference(String(invoiceNumber).padStart(6, '0'));
}

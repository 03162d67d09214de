import { z } from 'zod';
import { DomainError, issuesOf, parseWith } from './errors.js';
import { IsoDate, IsoMonth } from './calendar-date.js';
import { multiplySafe, sumOre } from './money.js';
import { tableValidOn } from './rate-tables.js';
import { ProviderKind, VisitStatus } from './visits.js';
import type { DeliveryUnit, UnitAreaDefinition, VoucherAreaDefinition } from './voucher-areas.js';
import { validateVoucherAreaDefinition } from './voucher-area-registry.js';

/** Delivered units of a unit-priced area (an occupancy day, an attendance day, sessions) on one date. */
export const UnitDelivery = z.object({
  deliveryId: z.string().min(1),
  customerId: z.string().min(1),
  /** Local date of delivery, `YYYY-MM-DD`: the rate table valid that day applies. */
  date: IsoDate,
  /** Level id of the area. */
  level: z.string().min(1),
  /** Whole units; 1 for day units. */
  units: z.number().int().positive().max(1_000_000),
  status: VisitStatus,
});
/** Delivered units on one date. */
export type UnitDelivery = z.infer<typeof UnitDelivery>;

/** Input of {@link priceUnitStatement}. */
export type UnitStatementInput = {
  /** A unit-priced area definition (occupancy day, attendance day, session). */
  area: VoucherAreaDefinition;
  providerId: string;
  providerKind: ProviderKind;
  /** `YYYY-MM`: deliveries dated in another month are excluded as `outside-month`. */
  month: string;
  deliveries: UnitDelivery[];
  /** Picks one municipality's tables when the area has several. */
  municipality?: string;
};

/** One line of a unit statement: units of one level at one rate. */
export type UnitStatementLine = { level: string; orePerUnit: number; units: number; amountOre: number };

/** What a provider is owed for a month in a unit-priced area. */
export type UnitStatement = {
  providerId: string;
  providerKind: ProviderKind;
  areaId: string;
  unit: DeliveryUnit;
  month: string;
  lines: UnitStatementLine[];
  /** Sum of the lines' amounts. */
  totalOre: number;
  excluded: { deliveryId: string; reason: 'disputed' | 'not-approved' | 'outside-month' }[];
};

const Header = z.object({
  providerId: z.string().min(1),
  providerKind: ProviderKind,
  month: IsoMonth,
  deliveries: z.array(z.unknown()),
  municipality: z.string().min(1).optional(),
});

/** Narrows an area to a unit-priced one, or throws `DOMAIN.AREA_DELIVERY_UNIT_MISMATCH`. */
export function requireUnitArea(area: VoucherAreaDefinition, expected?: DeliveryUnit): UnitAreaDefinition {
  if (area.deliveryUnit === 'minutes-by-band' || (expected !== undefined && area.deliveryUnit !== expected)) {
    throw new DomainError('DOMAIN.AREA_DELIVERY_UNIT_MISMATCH', `Area ${area.id} is paid by ${area.deliveryUnit}, not ${expected ?? 'whole units'}.`, {
      areaId: area.id,
      deliveryUnit: area.deliveryUnit,
      expected: expected ?? 'unit',
    });
  }
  return area;
}

/**
 * Prices a provider's approved deliveries of a month in any unit-priced area: units × the voucher
 * of the delivery's level in the rate table valid on its date, summed per (level, rate). The same
 * engine serves nursing homes, day activities and any area added as data (DESIGN.md §3).
 *
 * Throws `DOMAIN.INVALID_DELIVERY`, `DOMAIN.DUPLICATE_DELIVERY_ID`, `DOMAIN.UNKNOWN_LEVEL`,
 * `DOMAIN.DUPLICATE_DAY_DELIVERY` (a day unit delivered twice to one customer on one date, or
 * with more than one unit), `DOMAIN.AREA_DELIVERY_UNIT_MISMATCH` and the rate-table errors.
 *
 * @example
 * ```ts
 * priceUnitStatement({ area: FAMILY_COUNSELLING, providerId: 'p1', providerKind: 'municipal', month: '2025-03',
 *   deliveries: [{ deliveryId: 'd1', customerId: 'c1', date: '2025-03-04', level: 'standard', units: 1, status: 'approved' }] }).totalOre
 * // 120_000
 * ```
 */
export function priceUnitStatement(input: UnitStatementInput): UnitStatement {
  const header = parseWith(Header, input, 'DOMAIN.INVALID_INPUT', 'unit statement input');
  const area = requireUnitArea(validateVoucherAreaDefinition(input.area));
  const tables = area.rateTables.filter((t) => header.municipality === undefined || t.municipality === header.municipality);
  const municipalities = new Set(tables.map((t) => t.municipality));
  if (municipalities.size > 1) {
    throw new DomainError('DOMAIN.RATE_TABLES_AMBIGUOUS', `Area ${area.id} has rate tables of several municipalities; pass municipality.`, {
      municipalities: [...municipalities],
    });
  }
  const levels = new Set(area.levels.map((l) => l.id));
  const dayUnit = area.deliveryUnit === 'occupancy-day' || area.deliveryUnit === 'attendance-day';

  const deliveries: UnitDelivery[] = header.deliveries.map((raw, index) => {
    const parsed = UnitDelivery.safeParse(raw);
    if (!parsed.success) throw new DomainError('DOMAIN.INVALID_DELIVERY', `Delivery at index ${index} is malformed.`, { index, issues: issuesOf(parsed.error) });
    return parsed.data;
  });
  const ids = new Set<string>();
  const days = new Set<string>();
  for (const d of deliveries) {
    if (ids.has(d.deliveryId)) throw new DomainError('DOMAIN.DUPLICATE_DELIVERY_ID', `Delivery id ${d.deliveryId} occurs twice.`, { deliveryId: d.deliveryId });
    ids.add(d.deliveryId);
    if (!levels.has(d.level)) {
      throw new DomainError('DOMAIN.UNKNOWN_LEVEL', `Area ${area.id} has no level ${d.level}.`, { areaId: area.id, level: d.level, deliveryId: d.deliveryId });
    }
    if (dayUnit && d.status !== 'disputed') {
      // A place or an attendance is paid once per day (DOMAIN.md §4–5).
      const key = `${d.customerId}|${d.date}`;
      if (d.units !== 1 || days.has(key)) {
        throw new DomainError('DOMAIN.DUPLICATE_DAY_DELIVERY', `Customer ${d.customerId} has more than one ${area.deliveryUnit} on ${d.date}.`, {
          deliveryId: d.deliveryId,
          date: d.date,
        });
      }
      days.add(key);
    }
  }

  const excluded: UnitStatement['excluded'] = [];
  const acc = new Map<string, { level: string; orePerUnit: number; units: number }>();
  for (const d of deliveries) {
    if (d.date.slice(0, 7) !== header.month) excluded.push({ deliveryId: d.deliveryId, reason: 'outside-month' });
    else if (d.status === 'disputed') excluded.push({ deliveryId: d.deliveryId, reason: 'disputed' });
    else if (d.status !== 'approved') excluded.push({ deliveryId: d.deliveryId, reason: 'not-approved' });
    else {
      const table = tableValidOn(tables, d.date);
      const rate = table.rates.find((r) => r.level === d.level && r.providerKind === header.providerKind);
      if (!rate) {
        throw new DomainError('DOMAIN.RATE_MISSING', `Rate table ${table.id} has no rate for level ${d.level}, ${header.providerKind} providers.`, {
          tableId: table.id,
          level: d.level,
        });
      }
      const key = `${d.level}|${rate.orePerUnit}`;
      const line = acc.get(key) ?? { level: d.level, orePerUnit: rate.orePerUnit, units: 0 };
      line.units += d.units;
      acc.set(key, line);
    }
  }
  const order = area.levels.map((l) => l.id);
  const lines = [...acc.values()]
    .sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level) || a.orePerUnit - b.orePerUnit)
    .map((l) => ({ ...l, amountOre: multiplySafe(l.units, l.orePerUnit) }));
  return {
    providerId: header.providerId,
    providerKind: header.providerKind,
    areaId: area.id,
    unit: area.deliveryUnit,
    month: header.month,
    lines,
    totalOre: sumOre(lines.map((l) => l.amountOre)),
    excluded,
  };
}

import { z } from 'zod';
import { DomainError, issuesOf, parseWith } from './errors.js';
import { IsoDate, IsoMonth, addDays, assertIsoMonth, firstDayOfMonth, firstDayOfNextMonth } from './calendar-date.js';
import type { ProviderKind } from './visits.js';
import type { VoucherAreaDefinition } from './voucher-areas.js';
import { NURSING_HOME } from './areas/nursing-home.js';
import { priceUnitStatement, requireUnitArea, type UnitStatement } from './unit-statement.js';

/** The span of a placement a resident spends in hospital, `to` exclusive (`null`: still there). */
export const HospitalStay = z.object({ from: IsoDate, to: IsoDate.nullable() });
/** A hospital stay. */
export type HospitalStay = z.infer<typeof HospitalStay>;

/** A resident's placement in a nursing home, with the assessed care need. */
export const Placement = z.object({
  placementId: z.string().min(1),
  customerId: z.string().min(1),
  /** First occupied day (inclusive). */
  moveIn: IsoDate,
  /** Move-out day (exclusive); `null` while the resident lives there. */
  moveOut: IsoDate.nullable(),
  /** Assessed care-need points (3–24 in the demo mapping). A changed assessment starts a new placement record. */
  careNeedPoints: z.number().int(),
  hospitalStays: z.array(HospitalStay).optional(),
});
/** A resident's placement. */
export type Placement = z.infer<typeof Placement>;

/**
 * The economic level for care-need points by the area's mapping (DOMAIN.md §4 demo mapping:
 * 3–5→1 … 23–24→8). Throws `DOMAIN.CARE_NEED_POINTS_OUT_OF_RANGE` for points no level covers and
 * `DOMAIN.LEVEL_MAPPING_INVALID` when the area maps no points.
 *
 * @example nursingHomeLevel(13) // '4'
 */
export function nursingHomeLevel(points: number, area: VoucherAreaDefinition = NURSING_HOME): string {
  const unitArea = requireUnitArea(area);
  if (!unitArea.levels.every((l) => l.careNeedPoints)) {
    throw new DomainError('DOMAIN.LEVEL_MAPPING_INVALID', `Area ${area.id} does not map care-need points to levels.`, { areaId: area.id });
  }
  const level = unitArea.levels.find((l) => Number.isInteger(points) && l.careNeedPoints && points >= l.careNeedPoints.min && points <= l.careNeedPoints.max);
  if (!level) throw new DomainError('DOMAIN.CARE_NEED_POINTS_OUT_OF_RANGE', `No level covers ${points} care-need points.`, { points, areaId: area.id });
  return level.id;
}

/** Occupied days of a placement within a month. */
export type Occupancy = {
  /** Number of paid days. */
  days: number;
  /** The occupied dates, in order. */
  dates: string[];
  /** How many of them the resident spent in hospital (still occupied and paid). */
  hospitalDays: number;
};

/**
 * The days a place is occupied in a month: from move-in day inclusive to move-out day exclusive; a
 * hospital stay keeps the place occupied and paid (DOMAIN.md §4). Throws
 * `DOMAIN.PLACEMENT_ENDS_BEFORE_START` when move-out precedes move-in.
 *
 * @example occupancyDays({ month: '2025-02', moveIn: '2025-02-10', moveOut: '2025-02-20' }).days // 10
 */
export function occupancyDays(input: { month: string; moveIn: string; moveOut: string | null; hospitalStays?: HospitalStay[] }): Occupancy {
  const parsed = parseWith(
    z.object({ month: IsoMonth, moveIn: IsoDate, moveOut: IsoDate.nullable(), hospitalStays: z.array(HospitalStay).optional() }),
    input,
    'DOMAIN.INVALID_PLACEMENT',
    'occupancy input',
  );
  if (parsed.moveOut !== null && parsed.moveOut < parsed.moveIn) {
    throw new DomainError('DOMAIN.PLACEMENT_ENDS_BEFORE_START', 'The move-out day is before the move-in day.', { moveIn: parsed.moveIn, moveOut: parsed.moveOut });
  }
  const monthStart = firstDayOfMonth(parsed.month);
  const monthEnd = firstDayOfNextMonth(parsed.month);
  const from = parsed.moveIn > monthStart ? parsed.moveIn : monthStart;
  const to = parsed.moveOut !== null && parsed.moveOut < monthEnd ? parsed.moveOut : monthEnd;
  const dates: string[] = [];
  for (let d = from; d < to; d = addDays(d, 1)) dates.push(d);
  const inHospital = (date: string) => (parsed.hospitalStays ?? []).some((s) => s.from <= date && (s.to === null || date < s.to));
  return { days: dates.length, dates, hospitalDays: dates.filter(inHospital).length };
}

/** Input of {@link nursingHomeStatement}. */
export type NursingHomeStatementInput = {
  providerId: string;
  providerKind: ProviderKind;
  month: string;
  placements: Placement[];
  /** The nursing-home area definition (levels, point mapping, daily vouchers); the built-in one when absent. */
  area?: VoucherAreaDefinition;
  municipality?: string;
};

/** A nursing-home statement: the unit statement plus each placement's level and days. */
export type NursingHomeStatement = UnitStatement & {
  placements: { placementId: string; customerId: string; level: string; days: number; hospitalDays: number }[];
};

/**
 * What a nursing home is owed for a month: per placement, the occupied days (hospital stays
 * included) × the daily voucher of the level its care-need points map to (DOMAIN.md §4).
 * Throws `DOMAIN.INVALID_PLACEMENT`, `DOMAIN.PLACEMENT_ENDS_BEFORE_START`, `DOMAIN.PLACEMENT_OVERLAP`
 * (one resident in two places at once) and `DOMAIN.CARE_NEED_POINTS_OUT_OF_RANGE`.
 */
export function nursingHomeStatement(input: NursingHomeStatementInput): NursingHomeStatement {
  const area = requireUnitArea(input.area ?? NURSING_HOME, 'occupancy-day');
  const placements = z.array(Placement).safeParse(input.placements);
  if (!placements.success) throw new DomainError('DOMAIN.INVALID_PLACEMENT', 'A placement is malformed.', { issues: issuesOf(placements.error) });
  assertIsoMonth(input.month);
  const byCustomer = new Map<string, Placement[]>();
  for (const p of placements.data) {
    if (p.moveOut !== null && p.moveOut < p.moveIn) {
      throw new DomainError('DOMAIN.PLACEMENT_ENDS_BEFORE_START', `Placement ${p.placementId} moves out before it moves in.`, { placementId: p.placementId });
    }
    byCustomer.set(p.customerId, [...(byCustomer.get(p.customerId) ?? []), p]);
  }
  for (const list of byCustomer.values()) {
    const sorted = [...list].sort((a, b) => (a.moveIn < b.moveIn ? -1 : a.moveIn > b.moveIn ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as Placement;
      const cur = sorted[i] as Placement;
      if (prev.moveOut === null || prev.moveOut > cur.moveIn) {
        throw new DomainError('DOMAIN.PLACEMENT_OVERLAP', `Placements ${prev.placementId} and ${cur.placementId} of one resident overlap.`, {
          placementIds: [prev.placementId, cur.placementId],
        });
      }
    }
  }
  const summary: NursingHomeStatement['placements'] = [];
  const deliveries = placements.data.flatMap((p) => {
    const level = nursingHomeLevel(p.careNeedPoints, area);
    const occupancy = occupancyDays({ month: input.month, moveIn: p.moveIn, moveOut: p.moveOut, ...(p.hospitalStays ? { hospitalStays: p.hospitalStays } : {}) });
    summary.push({ placementId: p.placementId, customerId: p.customerId, level, days: occupancy.days, hospitalDays: occupancy.hospitalDays });
    return occupancy.dates.map((date) => ({ deliveryId: `${p.placementId}:${date}`, customerId: p.customerId, date, level, units: 1, status: 'approved' as const }));
  });
  const statement = priceUnitStatement({
    area,
    providerId: input.providerId,
    providerKind: input.providerKind,
    month: input.month,
    deliveries,
    ...(input.municipality ? { municipality: input.municipality } : {}),
  });
  return { ...statement, placements: summary };
}

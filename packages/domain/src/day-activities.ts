import { z } from 'zod';
import { DomainError, issuesOf } from './errors.js';
import { IsoDate } from './calendar-date.js';
import { multiplySafe } from './money.js';
import { VisitStatus, type ProviderKind } from './visits.js';
import type { VoucherAreaDefinition } from './voucher-areas.js';
import { DAY_ACTIVITIES } from './areas/day-activities.js';
import { priceUnitStatement, requireUnitArea, type UnitStatement } from './unit-statement.js';

/** One customer's attendance at a day activity on one date, at the customer's voucher level. */
export const Attendance = z.object({
  attendanceId: z.string().min(1),
  customerId: z.string().min(1),
  date: IsoDate,
  /** Voucher level id (`1`–`3` in the built-in area). */
  level: z.string().min(1),
  status: VisitStatus,
});
/** One attendance day. */
export type Attendance = z.infer<typeof Attendance>;

/** Input of {@link dayActivitiesStatement}. */
export type DayActivitiesStatementInput = {
  providerId: string;
  providerKind: ProviderKind;
  month: string;
  attendance: Attendance[];
  /** The day-activities area definition; the built-in one when absent. */
  area?: VoucherAreaDefinition;
  municipality?: string;
};

/**
 * What a day-activity provider is owed for a month: approved attendance days × the voucher of
 * the customer's level (three levels; DOMAIN.md §5). One attendance per customer per day
 * (`DOMAIN.DUPLICATE_DAY_DELIVERY`).
 */
export function dayActivitiesStatement(input: DayActivitiesStatementInput): UnitStatement {
  const area = requireUnitArea(input.area ?? DAY_ACTIVITIES, 'attendance-day');
  const parsed = z.array(Attendance).safeParse(input.attendance);
  if (!parsed.success) throw new DomainError('DOMAIN.INVALID_DELIVERY', 'An attendance is malformed.', { issues: issuesOf(parsed.error) });
  return priceUnitStatement({
    area,
    providerId: input.providerId,
    providerKind: input.providerKind,
    month: input.month,
    deliveries: parsed.data.map((a) => ({ deliveryId: a.attendanceId, customerId: a.customerId, date: a.date, level: a.level, units: 1, status: a.status })),
    ...(input.municipality ? { municipality: input.municipality } : {}),
  });
}

/**
 * The customer's day-activity tariff for a month: approved attendance days × the fee per day,
 * which by default equals the home-care hourly fee (DOMAIN.md §5, demo default). Pass the result
 * to {@link computeMonthlyFee} together with the home-care tariff: one maxtaxa covers both.
 *
 * @example dayActivityTariffOre({ attendanceDays: 8 }) // 249_600 (8 × 312 SEK)
 */
export function dayActivityTariffOre(input: { attendanceDays: number; feePerDayOre?: number; area?: VoucherAreaDefinition }): number {
  const area = input.area ?? DAY_ACTIVITIES;
  const fee = input.feePerDayOre ?? (area.fee.kind === 'per-unit' ? area.fee.orePerUnit : undefined);
  if (fee === undefined) throw new DomainError('DOMAIN.INVALID_FEE_INPUT', `Area ${area.id} has no per-day fee.`, { areaId: area.id });
  if (!Number.isSafeInteger(input.attendanceDays) || input.attendanceDays < 0 || !Number.isSafeInteger(fee) || fee < 0) {
    throw new DomainError('DOMAIN.INVALID_FEE_INPUT', 'attendanceDays and the fee per day must be non-negative integers.', {
      attendanceDays: input.attendanceDays,
      feePerDayOre: fee,
    });
  }
  return multiplySafe(input.attendanceDays, fee);
}

import { z } from 'zod';
import { DomainError } from './errors.js';

const MS_PER_DAY = 86_400_000;

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonthOf(year, month);
}

function daysInMonthOf(year: number, month: number): number {
  // Proleptic Gregorian calendar; a civil date has no time zone, so UTC arithmetic is exact here.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A calendar date `YYYY-MM-DD` (no time, no zone). */
// Years are bounded to 1900–2999: every date the platform keeps falls there, and a year such as 0000
// would otherwise pass the edge and be refused by PostgreSQL as a server error.
export const IsoDate = z
  .string()
  .regex(/^(19|2\d)\d{2}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD, year 1900–2999')
  .refine((value) => isRealDate(Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10))), 'not a calendar date');
/** A calendar date `YYYY-MM-DD`. */
export type IsoDate = z.infer<typeof IsoDate>;

/** A calendar month `YYYY-MM`. */
export const IsoMonth = z
  .string()
  .regex(/^(19|2\d)\d{2}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM, year 1900–2999');
/** A calendar month `YYYY-MM`. */
export type IsoMonth = z.infer<typeof IsoMonth>;

/** Throws `DOMAIN.INVALID_DATE` unless `value` is a real `YYYY-MM-DD` date. */
export function assertIsoDate(value: unknown, what = 'date'): asserts value is string {
  if (!IsoDate.safeParse(value).success) {
    throw new DomainError('DOMAIN.INVALID_DATE', `${what} must be a calendar date YYYY-MM-DD, got ${String(value)}.`, { what, value });
  }
}

/** Throws `DOMAIN.INVALID_MONTH` unless `value` is a `YYYY-MM` month. */
export function assertIsoMonth(value: unknown, what = 'month'): asserts value is string {
  if (!IsoMonth.safeParse(value).success) {
    throw new DomainError('DOMAIN.INVALID_MONTH', `${what} must be a month YYYY-MM, got ${String(value)}.`, { what, value });
  }
}

function toUtcMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function fromUtcMs(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  return `${String(y).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/**
 * Midnight UTC of a calendar date, as epoch milliseconds. Deadlines computed from dates are days
 * apart, so a day's start is taken in UTC: the hour or two between UTC and Stockholm midnight does
 * not change which day a deadline falls on.
 */
export function startOfDayMs(date: string): number {
  return toUtcMs(date);
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return fromUtcMs(toUtcMs(date) + days * MS_PER_DAY);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / MS_PER_DAY);
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(toUtcMs(date)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** A date built from numeric parts, or `null` when the parts are not a real calendar date. */
export function dateFromParts(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (year < 1 || year > 9999 || !isRealDate(year, month, day)) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** First day of a `YYYY-MM` month. */
export function firstDayOfMonth(month: string): string {
  return `${month}-01`;
}

/** The day after the last day of a `YYYY-MM` month (an exclusive end). */
export function firstDayOfNextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${String(year + 1).padStart(4, '0')}-01-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The `YYYY-MM` month of a `YYYY-MM-DD` date. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

/** The month after a `YYYY-MM` month: `2025-12` → `2026-01`. */
export function nextMonth(month: string): string {
  return firstDayOfNextMonth(month).slice(0, 7);
}

/** The month before a `YYYY-MM` month: `2026-01` → `2025-12`. */
export function previousMonth(month: string): string {
  return monthOf(addDays(firstDayOfMonth(month), -1));
}

/** The last day of a `YYYY-MM` month: `2024-02` → `2024-02-29`. */
export function lastDayOfMonth(month: string): string {
  return addDays(firstDayOfNextMonth(month), -1);
}

/** The calendar months (`YYYY-MM`) that a period from `from` to `to` (inclusive dates) touches, in order. */
export function monthsCovered(from: string, to: string): string[] {
  const months: string[] = [];
  for (let month = monthOf(from); month <= monthOf(to); month = nextMonth(month)) months.push(month);
  return months;
}

/** Number of days in a `YYYY-MM` month. */
export function daysInMonth(month: string): number {
  return daysInMonthOf(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
}

const STOCKHOLM_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The Stockholm date at an instant as `Intl` formats it: what {@link stockholmDate} keeps per hour. */
export function stockholmDateByIntl(at: Date): string {
  const parts = Object.fromEntries(STOCKHOLM_DATE.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']}`;
}

const HOUR_MS = 3_600_000;
/**
 * From 1900 on, Europe/Stockholm's offset from UTC has been a whole number of hours (+1, +2, and +3
 * in the war years of the tz database's shared Berlin rules) and it has changed only on a whole UTC
 * hour, so its midnight falls on a whole UTC hour and the date is the same all through one. Before
 * 1900 the tz database has a local mean time (+0:53:28, or +1:12:12 and +1:00:14 in older versions),
 * so those instants are formatted one by one.
 */
const WHOLE_HOURS_FROM_MS = Date.UTC(1900, 0, 1);
/** The Stockholm date of each UTC hour seen lately, by the hour's number since 1970; cleared when full. */
const dateOfHour = new Map<number, string>();
const MAX_HOURS_KEPT = 8192;

/**
 * The calendar date in Europe/Stockholm at an instant, `YYYY-MM-DD`: the municipality's day, on
 * which deadlines, "tomorrow" and a decision's date fall. Pure: the caller passes the instant (its
 * clock), so workflows and tests fix it. `Intl` formats each UTC hour once (formatting cost about a
 * tenth of the visit report's own work per call, bench README section 14); the test compares it
 * with `Intl` at every quarter hour across years of summer-time changes.
 */
export function stockholmDate(at: Date): string {
  const ms = at.getTime();
  // An invalid date (NaN) or one before 1900 goes to Intl as it is (which refuses the invalid one).
  if (!(ms >= WHOLE_HOURS_FROM_MS)) return stockholmDateByIntl(at);
  const hour = Math.floor(ms / HOUR_MS);
  let date = dateOfHour.get(hour);
  if (date === undefined) {
    date = stockholmDateByIntl(new Date(hour * HOUR_MS));
    if (dateOfHour.size >= MAX_HOURS_KEPT) dateOfHour.clear();
    dateOfHour.set(hour, date);
  }
  return date;
}

/** The month in Europe/Stockholm at an instant, `YYYY-MM`: where a visit is billed (DOMAIN.md §2). */
export function stockholmMonth(at: Date): string {
  return monthOf(stockholmDate(at));
}

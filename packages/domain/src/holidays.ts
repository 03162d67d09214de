import { z } from 'zod';
import { DomainError } from './errors.js';
import { addDays, assertIsoDate, dateFromParts, isoWeekday } from './calendar-date.js';

/** First year the calendar answers for. */
export const HOLIDAY_CALENDAR_FIRST_YEAR = 1900;
/** Last year the calendar answers for. */
export const HOLIDAY_CALENDAR_LAST_YEAR = 2199;

/** The four eves that are not holidays in law but that a municipality may price as holidays. */
export const HolidayEve = z.enum(['easter-eve', 'midsummer-eve', 'christmas-eve', 'new-years-eve']);
/** One of the four eves. */
export type HolidayEve = z.infer<typeof HolidayEve>;

/** A named day of the Swedish calendar. */
export type SwedishHoliday = {
  /** `YYYY-MM-DD`. */
  date: string;
  /** Stable id, e.g. `midsummer-day`. */
  id: string;
  nameSv: string;
  nameEn: string;
  /** `public`: a holiday in law (Lag 1989:253); `eve`: treated as a holiday for pricing only. */
  kind: 'public' | 'eve';
};

/**
 * Easter Sunday of a Gregorian year by the anonymous (Meeus/Jones/Butcher) computus, the rule
 * Lag (1989:253) om allmänna helgdagar relies on (DOMAIN.md §2).
 *
 * @example easterSunday(2025) // '2025-04-20'
 */
export function easterSunday(year: number): string {
  assertYear(year);
  return computus(year);
}

function computus(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dateFromParts(year, month, day) as string;
}

function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < HOLIDAY_CALENDAR_FIRST_YEAR || year > HOLIDAY_CALENDAR_LAST_YEAR) {
    throw new DomainError('DOMAIN.YEAR_OUT_OF_RANGE', `The holiday calendar covers ${HOLIDAY_CALENDAR_FIRST_YEAR}–${HOLIDAY_CALENDAR_LAST_YEAR}, got ${year}.`, { year });
  }
}

/** The Saturday in the 7-day window starting at `firstDay`. */
function saturdayFrom(firstDay: string): string {
  const offset = (6 - isoWeekday(firstDay) + 7) % 7;
  return addDays(firstDay, offset);
}

function buildYear(year: number): SwedishHoliday[] {
  const y = String(year).padStart(4, '0');
  const easter = computus(year);
  const midsummerDay = saturdayFrom(`${y}-06-20`);
  const list: SwedishHoliday[] = [
    // Lag (1989:253) om allmänna helgdagar 1 §, as amended 2005 (national day in, Whit Monday out).
    { date: `${y}-01-01`, id: 'new-years-day', nameSv: 'Nyårsdagen', nameEn: "New Year's Day", kind: 'public' },
    { date: `${y}-01-06`, id: 'epiphany', nameSv: 'Trettondedag jul', nameEn: 'Epiphany', kind: 'public' },
    { date: addDays(easter, -2), id: 'good-friday', nameSv: 'Långfredagen', nameEn: 'Good Friday', kind: 'public' },
    { date: addDays(easter, -1), id: 'easter-eve', nameSv: 'Påskafton', nameEn: 'Easter Eve', kind: 'eve' },
    { date: easter, id: 'easter-sunday', nameSv: 'Påskdagen', nameEn: 'Easter Sunday', kind: 'public' },
    { date: addDays(easter, 1), id: 'easter-monday', nameSv: 'Annandag påsk', nameEn: 'Easter Monday', kind: 'public' },
    { date: `${y}-05-01`, id: 'may-day', nameSv: 'Första maj', nameEn: 'May Day', kind: 'public' },
    { date: addDays(easter, 39), id: 'ascension-day', nameSv: 'Kristi himmelsfärdsdag', nameEn: 'Ascension Day', kind: 'public' },
    { date: addDays(easter, 49), id: 'whit-sunday', nameSv: 'Pingstdagen', nameEn: 'Whit Sunday', kind: 'public' },
    { date: `${y}-06-06`, id: 'national-day', nameSv: 'Sveriges nationaldag', nameEn: 'National Day of Sweden', kind: 'public' },
    { date: addDays(midsummerDay, -1), id: 'midsummer-eve', nameSv: 'Midsommarafton', nameEn: 'Midsummer Eve', kind: 'eve' },
    { date: midsummerDay, id: 'midsummer-day', nameSv: 'Midsommardagen', nameEn: 'Midsummer Day', kind: 'public' },
    { date: saturdayFrom(`${y}-10-31`), id: 'all-saints-day', nameSv: 'Alla helgons dag', nameEn: "All Saints' Day", kind: 'public' },
    { date: `${y}-12-24`, id: 'christmas-eve', nameSv: 'Julafton', nameEn: 'Christmas Eve', kind: 'eve' },
    { date: `${y}-12-25`, id: 'christmas-day', nameSv: 'Juldagen', nameEn: 'Christmas Day', kind: 'public' },
    { date: `${y}-12-26`, id: 'boxing-day', nameSv: 'Annandag jul', nameEn: 'Boxing Day', kind: 'public' },
    { date: `${y}-12-31`, id: 'new-years-eve', nameSv: 'Nyårsafton', nameEn: "New Year's Eve", kind: 'eve' },
  ];
  return list.sort((p, q) => (p.date < q.date ? -1 : p.date > q.date ? 1 : 0));
}

const cache = new Map<number, readonly SwedishHoliday[]>();

function yearList(year: number): readonly SwedishHoliday[] {
  let list = cache.get(year);
  if (!list) {
    list = Object.freeze(buildYear(year).map((h) => Object.freeze(h)));
    cache.set(year, list);
  }
  return list;
}

/**
 * The named holidays of a year (Lag 1989:253 om allmänna helgdagar) and the four eves, sorted by
 * date. Sundays, also holidays in law, are not listed; {@link isPublicHoliday} answers for them.
 * The current act is applied to every year in 1900–2199; earlier versions of the act are not modelled.
 */
export function swedishHolidays(year: number): readonly SwedishHoliday[] {
  assertYear(year);
  return yearList(year);
}

function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** True for a holiday in law: the named holidays and every Sunday (Lag 1989:253 1 §). */
export function isPublicHoliday(date: string): boolean {
  assertIsoDate(date);
  assertYear(yearOf(date));
  return isoWeekday(date) === 7 || yearList(yearOf(date)).some((h) => h.date === date && h.kind === 'public');
}

/**
 * True when the bands price `date` as a holiday: a holiday in law or one of `eves` (default: all
 * four, as the seed's "storhelger" do; DOMAIN.md §2).
 */
export function isPricingHoliday(date: string, eves: readonly HolidayEve[] = HolidayEve.options): boolean {
  assertIsoDate(date);
  return isPricingHolidayUnchecked(date, eves);
}

/** Same as {@link isPricingHoliday} without argument checks; also answers one day beyond the range ends. */
export function isPricingHolidayUnchecked(date: string, eves: readonly HolidayEve[]): boolean {
  const year = yearOf(date);
  if (year < HOLIDAY_CALENDAR_FIRST_YEAR - 1 || year > HOLIDAY_CALENDAR_LAST_YEAR + 1) assertYear(year);
  if (isoWeekday(date) === 7) return true;
  for (const h of yearList(year)) {
    if (h.date === date && (h.kind === 'public' || (eves as readonly string[]).includes(h.id))) return true;
  }
  return false;
}

/**
 * True when the day after `date` is priced as a holiday: its evening (19–22 in the seed's table)
 * is paid at the weekend-holiday rate (DOMAIN.md §2, "the evening before a holiday").
 */
export function isEveningBeforeHoliday(date: string, eves: readonly HolidayEve[] = HolidayEve.options): boolean {
  assertIsoDate(date);
  assertYear(yearOf(date));
  return isPricingHolidayUnchecked(addDays(date, 1), eves);
}

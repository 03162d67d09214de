import { z } from 'zod';
import { DateTime, IANAZone } from 'luxon';
import { DomainError, issuesOf } from './errors.js';
import { addDays, isoWeekday } from './calendar-date.js';
import { HolidayEve, isPricingHolidayUnchecked } from './holidays.js';

/** A day of the week, as used in band windows. */
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
/** A day of the week. */
export type Weekday = z.infer<typeof Weekday>;

/** How a window treats a day: regardless (`any`, the default), never on it (`exclude`), or only on it (`only`). */
export const DayCondition = z.enum(['any', 'exclude', 'only']);
/** How a window treats holidays or eves of holidays. */
export type DayCondition = z.infer<typeof DayCondition>;

const ClockTime = z.string().regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:MM (00:00–24:00)');

function clockMinutes(value: string): number {
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
}

/** One stretch of local clock time, on some days, that belongs to a band. */
export const TimeBandWindow = z
  .object({
    /** Weekdays the window applies to. */
    days: z.array(Weekday).min(1),
    /** Local start, inclusive, `HH:MM`. */
    from: ClockTime,
    /** Local end, exclusive, `HH:MM` (`24:00` for midnight). */
    to: ClockTime,
    /** Pricing holidays (law holidays and configured eves): `any` when absent. */
    holiday: DayCondition.optional(),
    /** Days whose next day is a pricing holiday ("the evening before a holiday"): `any` when absent. */
    eveOfHoliday: DayCondition.optional(),
  })
  .refine((w) => clockMinutes(w.from) < clockMinutes(w.to), { message: '`from` must be before `to`', path: ['to'] });
/** One stretch of local clock time that belongs to a band. */
export type TimeBandWindow = z.infer<typeof TimeBandWindow>;

const BandId = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'band ids are kebab-case')
  .refine((id) => id !== 'any' && id !== 'unpriced', '`any` and `unpriced` are reserved');

/** A named time band: the union of its windows. */
export const TimeBand = z.object({
  id: BandId,
  nameSv: z.string().min(1),
  nameEn: z.string().min(1),
  windows: z.array(TimeBandWindow).min(1),
});
/** A named time band. */
export type TimeBand = z.infer<typeof TimeBand>;

/**
 * The time bands of a municipality (configuration): the zone the clock is read in, which eves are
 * priced as holidays, and the bands. Windows of different bands may not overlap; minutes in no
 * window are unpriced.
 */
export const TimeBandConfig = z.object({
  id: z.string().min(1),
  timeZone: z.string().min(1),
  holidayEves: z.array(HolidayEve),
  bands: z.array(TimeBand).min(1),
});
/** The time bands of a municipality. */
export type TimeBandConfig = z.infer<typeof TimeBandConfig>;

const MON_FRI: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const ALL_DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * The seed's band table (Nacka, "Checkbeloppen"; DOMAIN.md §2) in Europe/Stockholm, with the four
 * eves priced as holidays. 22:00–06:00 is in no band: such minutes are unpriced.
 */
export const NACKA_TIME_BANDS: TimeBandConfig = {
  id: 'nacka-home-care-bands',
  timeZone: 'Europe/Stockholm',
  holidayEves: ['easter-eve', 'midsummer-eve', 'christmas-eve', 'new-years-eve'],
  bands: [
    {
      id: 'weekday-day',
      nameSv: 'Vardag dag',
      nameEn: 'Weekday daytime',
      windows: [{ days: MON_FRI, from: '06:00', to: '19:00', holiday: 'exclude' }],
    },
    {
      id: 'weekday-evening',
      nameSv: 'Vardag kväll',
      nameEn: 'Weekday evening',
      windows: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '19:00', to: '22:00', holiday: 'exclude', eveOfHoliday: 'exclude' }],
    },
    {
      id: 'weekend-holiday',
      nameSv: 'Fredag kväll, helg och storhelg',
      nameEn: 'Friday evening, weekend and holiday',
      windows: [
        { days: ['fri'], from: '19:00', to: '22:00' },
        { days: ['sat', 'sun'], from: '06:00', to: '22:00' },
        { days: ALL_DAYS, from: '06:00', to: '22:00', holiday: 'only' },
        { days: ALL_DAYS, from: '19:00', to: '22:00', eveOfHoliday: 'only' },
      ],
    },
  ],
};

const WEEKDAYS: readonly Weekday[] = Weekday.options;

type CompiledWindow = { days: Set<number>; from: number; to: number; holiday: DayCondition; eve: DayCondition };
type CompiledBand = { id: string; windows: CompiledWindow[] };
type Compiled = {
  config: TimeBandConfig;
  zone: string;
  bands: CompiledBand[];
  boundaries: number[];
  dayContext: Map<string, { weekday: number; holiday: boolean; eve: boolean }>;
};

const compiledCache = new WeakMap<object, Compiled>();

function matches(condition: DayCondition, value: boolean): boolean {
  return condition === 'any' || (condition === 'only') === value;
}

function bandAt(bands: CompiledBand[], weekday: number, holiday: boolean, eve: boolean, minute: number): string | null {
  for (const band of bands) {
    for (const w of band.windows) {
      if (minute >= w.from && minute < w.to && w.days.has(weekday) && matches(w.holiday, holiday) && matches(w.eve, eve)) return band.id;
    }
  }
  return null;
}

/**
 * Validates a band configuration and prepares it for classification. Throws
 * `DOMAIN.INVALID_TIME_BAND_CONFIG` for a malformed one, `DOMAIN.INVALID_TIME_ZONE` for an unknown
 * zone and `DOMAIN.TIME_BAND_OVERLAP` when some minute would fall in two bands.
 */
export function validateTimeBandConfig(input: unknown): TimeBandConfig {
  return compile(input).config;
}

function compile(input: unknown): Compiled {
  if (typeof input === 'object' && input !== null) {
    const hit = compiledCache.get(input);
    if (hit) return hit;
  }
  const parsed = TimeBandConfig.safeParse(input);
  if (!parsed.success) {
    throw new DomainError('DOMAIN.INVALID_TIME_BAND_CONFIG', 'Invalid time band configuration.', { issues: issuesOf(parsed.error) });
  }
  const config = parsed.data;
  if (!IANAZone.isValidZone(config.timeZone)) {
    throw new DomainError('DOMAIN.INVALID_TIME_ZONE', `Unknown time zone ${config.timeZone}.`, { timeZone: config.timeZone });
  }
  const ids = new Set<string>();
  for (const band of config.bands) {
    if (ids.has(band.id)) throw new DomainError('DOMAIN.INVALID_TIME_BAND_CONFIG', `Band ${band.id} is defined twice.`, { band: band.id });
    ids.add(band.id);
  }
  const bands: CompiledBand[] = config.bands.map((band) => ({
    id: band.id,
    windows: band.windows.map((w) => ({
      days: new Set(w.days.map((d) => WEEKDAYS.indexOf(d) + 1)),
      from: clockMinutes(w.from),
      to: clockMinutes(w.to),
      holiday: w.holiday ?? 'any',
      eve: w.eveOfHoliday ?? 'any',
    })),
  }));
  // Every minute must land in at most one band: check every kind of day at every window edge.
  const edges = [...new Set(bands.flatMap((b) => b.windows.flatMap((w) => [w.from, w.to])).concat([0]))].filter((m) => m < 1440).sort((a, b) => a - b);
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (const holiday of [false, true]) {
      for (const eve of [false, true]) {
        for (const minute of edges) {
          const hits = bands.filter((band) =>
            band.windows.some((w) => minute >= w.from && minute < w.to && w.days.has(weekday) && matches(w.holiday, holiday) && matches(w.eve, eve)),
          );
          if (hits.length > 1) {
            throw new DomainError('DOMAIN.TIME_BAND_OVERLAP', `Bands ${hits.map((b) => b.id).join(', ')} overlap.`, {
              bands: hits.map((b) => b.id),
              weekday: WEEKDAYS[weekday - 1],
              holiday,
              eveOfHoliday: eve,
              time: `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`,
            });
          }
        }
      }
    }
  }
  const boundaries = [...new Set([...edges, 1440])].filter((m) => m > 0).sort((a, b) => a - b);
  const compiled: Compiled = { config, zone: config.timeZone, bands, boundaries, dayContext: new Map() };
  if (typeof input === 'object' && input !== null) compiledCache.set(input, compiled);
  return compiled;
}

function contextOf(compiled: Compiled, date: string): { weekday: number; holiday: boolean; eve: boolean } {
  let ctx = compiled.dayContext.get(date);
  if (!ctx) {
    const eves = compiled.config.holidayEves;
    ctx = { weekday: isoWeekday(date), holiday: isPricingHolidayUnchecked(date, eves), eve: isPricingHolidayUnchecked(addDays(date, 1), eves) };
    compiled.dayContext.set(date, ctx);
  }
  return ctx;
}

/** A stretch of a visit whose minutes share one local date and one band. */
export type BandSegment = {
  /** Start instant, UTC ISO-8601. */
  start: string;
  /** End instant (exclusive), UTC ISO-8601. */
  end: string;
  /** Local date of these minutes in the configuration's zone: rate tables are chosen by it. */
  localDate: string;
  /** Local clock time at the start, `HH:MM`. */
  localStart: string;
  /** Band id, or `null` for minutes in no band (unpriced). */
  band: string | null;
  /** Number of minutes (real elapsed minutes, so a 25-hour day has 1 500). */
  minutes: number;
};

/** Every minute of an interval, by band. */
export type BandClassification = {
  /** Elapsed minutes from start to end. Always equals the sum of `byBand` plus `unpricedMinutes`. */
  minutes: number;
  segments: BandSegment[];
  /** Minutes per band id (only bands with minutes). */
  byBand: Record<string, number>;
  /** Minutes in no band. */
  unpricedMinutes: number;
};

const MINUTE_MS = 60_000;

/** Milliseconds since the epoch of an ISO-8601 instant with offset or `Z`, or `null`. */
export function instantMs(iso: string): number | null {
  const dt = DateTime.fromISO(iso, { setZone: true });
  return dt.isValid ? dt.toMillis() : null;
}

function requireInstant(iso: string, what: string): number {
  const ms = instantMs(iso);
  if (ms === null || !/(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(iso)) {
    throw new DomainError('DOMAIN.INVALID_VISIT', `${what} must be an ISO-8601 instant with offset, got ${iso}.`, { what, value: iso });
  }
  if (ms % MINUTE_MS !== 0) {
    throw new DomainError('DOMAIN.VISIT_NOT_WHOLE_MINUTES', `${what} must fall on a whole minute, got ${iso}.`, { what, value: iso });
  }
  return ms;
}

function localParts(ms: number, zone: string): { date: string; minute: number; offset: number } {
  const local = DateTime.fromMillis(ms, { zone });
  return { date: local.toISODate() as string, minute: local.hour * 60 + local.minute, offset: local.offset };
}

function offsetAt(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/**
 * The band of the minute starting at `instant`, read on the local clock of the configuration's
 * zone, or `null` when it is in no band.
 */
export function classifyMinute(instant: string, config: TimeBandConfig = NACKA_TIME_BANDS): string | null {
  const compiled = compile(config);
  const ms = requireInstant(instant, 'instant');
  const local = localParts(ms, compiled.zone);
  const ctx = contextOf(compiled, local.date);
  return bandAt(compiled.bands, ctx.weekday, ctx.holiday, ctx.eve, local.minute);
}

/**
 * Classifies every minute of `[start, end)` into the configured bands, in local time of the
 * configuration's zone (luxon's tz data), across midnight, band boundaries and daylight-saving
 * changes. Minutes in no band are reported as unpriced, never dropped (DOMAIN.md §2).
 *
 * Throws `DOMAIN.INVALID_VISIT` for an instant without offset, `DOMAIN.VISIT_NOT_WHOLE_MINUTES`,
 * `DOMAIN.VISIT_ENDS_BEFORE_START`, and the configuration errors of {@link validateTimeBandConfig}.
 *
 * @example
 * ```ts
 * classifyInterval('2025-03-07T18:30:00+01:00', '2025-03-07T19:30:00+01:00').byBand
 * // { 'weekday-day': 30, 'weekend-holiday': 30 }   (a Friday)
 * ```
 */
export function classifyInterval(start: string, end: string, config: TimeBandConfig = NACKA_TIME_BANDS): BandClassification {
  const compiled = compile(config);
  const startMs = requireInstant(start, 'start');
  const endMs = requireInstant(end, 'end');
  if (endMs < startMs) {
    throw new DomainError('DOMAIN.VISIT_ENDS_BEFORE_START', 'The interval ends before it starts.', { start, end });
  }
  const zone = compiled.zone;
  const segments: BandSegment[] = [];
  const byBand: Record<string, number> = {};
  let unpricedMinutes = 0;
  let t = startMs;
  while (t < endMs) {
    const local = localParts(t, zone);
    const ctx = contextOf(compiled, local.date);
    const band = bandAt(compiled.bands, ctx.weekday, ctx.holiday, ctx.eve, local.minute);
    const nextBoundary = compiled.boundaries.find((b) => b > local.minute) as number;
    let next = t + (nextBoundary - local.minute) * MINUTE_MS;
    // A daylight-saving change before the boundary shifts the local clock: cut the segment there.
    if (offsetAt(next - MINUTE_MS, zone) !== local.offset) {
      let lo = t;
      let hi = next - MINUTE_MS;
      while (hi - lo > MINUTE_MS) {
        const mid = lo + Math.floor((hi - lo) / MINUTE_MS / 2) * MINUTE_MS;
        if (offsetAt(mid, zone) === local.offset) lo = mid;
        else hi = mid;
      }
      next = hi;
    }
    const segmentEnd = Math.min(next, endMs);
    const minutes = (segmentEnd - t) / MINUTE_MS;
    const previous = segments[segments.length - 1];
    if (previous && previous.band === band && previous.localDate === local.date && previous.end === new Date(t).toISOString()) {
      previous.end = new Date(segmentEnd).toISOString();
      previous.minutes += minutes;
    } else {
      segments.push({
        start: new Date(t).toISOString(),
        end: new Date(segmentEnd).toISOString(),
        localDate: local.date,
        localStart: `${String(Math.floor(local.minute / 60)).padStart(2, '0')}:${String(local.minute % 60).padStart(2, '0')}`,
        band,
        minutes,
      });
    }
    if (band === null) unpricedMinutes += minutes;
    else byBand[band] = (byBand[band] ?? 0) + minutes;
    t = segmentEnd;
  }
  return { minutes: (endMs - startMs) / MINUTE_MS, segments, byBand, unpricedMinutes };
}

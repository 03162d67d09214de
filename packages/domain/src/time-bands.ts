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
  /** Pieces of each UTC day (key: days since the epoch), shared by configurations with the same content. */
  chunks: Map<number, Piece[]>;
};

/**
 * A stretch of time in which the local date, the UTC offset and the band stay the same: the
 * local clock reads `minute` at `start` and advances one minute per real minute up to `end`.
 * Pieces are cut at local midnight, at every window edge of the configuration and at every
 * offset change, so the band is the same for all their minutes.
 */
type Piece = {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
  /** Local date `YYYY-MM-DD`. */
  readonly date: string;
  /** Local minute of the day at `start`. */
  readonly minute: number;
  /** Index into the compiled bands, `-1` for no band; `undefined` until first asked (it needs the holiday calendar). */
  band: number | undefined;
};

const DAY_MS = 86_400_000;
/** At most this many UTC days are kept per configuration (over five years); then its memo starts over. */
const MAX_CACHED_DAYS = 2048;
/** At most this many configurations (by content) keep day memos; then the memo starts over. */
const MAX_CACHED_CONFIGS = 16;
const chunkCaches = new Map<string, Map<number, Piece[]>>();

function chunkCacheFor(config: TimeBandConfig): Map<number, Piece[]> {
  // Keyed by content, not identity: a configuration read afresh from storage shares the memo.
  const key = JSON.stringify(config);
  let cache = chunkCaches.get(key);
  if (!cache) {
    if (chunkCaches.size >= MAX_CACHED_CONFIGS) chunkCaches.clear();
    cache = new Map();
    chunkCaches.set(key, cache);
  }
  return cache;
}

const compiledCache = new WeakMap<object, Compiled>();

function matches(condition: DayCondition, value: boolean): boolean {
  return condition === 'any' || (condition === 'only') === value;
}

/** Index of the band containing `minute` of a day of this kind, or `-1`. */
function bandAt(bands: CompiledBand[], weekday: number, holiday: boolean, eve: boolean, minute: number): number {
  for (let i = 0; i < bands.length; i++) {
    for (const w of (bands[i] as CompiledBand).windows) {
      if (minute >= w.from && minute < w.to && w.days.has(weekday) && matches(w.holiday, holiday) && matches(w.eve, eve)) return i;
    }
  }
  return -1;
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
  const compiled: Compiled = { config, zone: config.timeZone, bands, boundaries, dayContext: new Map(), chunks: chunkCacheFor(config) };
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

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function daysInMonthOf(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/**
 * Epoch ms of an instant in a strict RFC 3339 form (`YYYY-MM-DDTHH:MM:SS`, an optional all-zero
 * fraction, then `Z` or `±HH:MM`), read with plain integer arithmetic; `null` for any other text,
 * which the caller then reads with luxon. Every text it accepts is one `DeliveredVisit`'s `start`
 * and `end` accept, and the result is the one luxon gives. Internal to the package.
 */
export function strictInstantMs(iso: unknown): number | null {
  if (typeof iso !== 'string') return null;
  const n = iso.length;
  if (n < 20 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45 || iso.charCodeAt(10) !== 84 || iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58) {
    return null;
  }
  const century = twoDigits(iso, 0);
  const yy = twoDigits(iso, 2);
  const month = twoDigits(iso, 5);
  const day = twoDigits(iso, 8);
  const hour = twoDigits(iso, 11);
  const minute = twoDigits(iso, 14);
  const second = twoDigits(iso, 17);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return null;
  }
  const year = century * 100 + yy;
  if (day > daysInMonthOf(year, month)) return null;
  let at = 19;
  if (iso.charCodeAt(at) === 46) {
    // A fraction of zeros only (luxon reads at most 30 digits); any other fraction goes to luxon.
    const from = ++at;
    while (at < n && iso.charCodeAt(at) === 48) at++;
    if (at === from || at - from > 30) return null;
  }
  let offsetMinutes: number;
  const sign = iso.charCodeAt(at);
  if (sign === 90 && at === n - 1) {
    offsetMinutes = 0;
  } else if ((sign === 43 || sign === 45) && at === n - 6 && iso.charCodeAt(at + 3) === 58) {
    const offsetHours = twoDigits(iso, at + 1);
    const offsetMins = twoDigits(iso, at + 4);
    if (offsetHours < 0 || offsetHours > 23 || offsetMins < 0 || offsetMins > 59) return null;
    offsetMinutes = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else {
    return null;
  }
  return (daysFromCivil(year, month, day) * 1440 + hour * 60 + minute - offsetMinutes) * MINUTE_MS + second * 1000;
}

/** Milliseconds since the epoch of an ISO-8601 instant with offset or `Z`, or `null`. */
export function instantMs(iso: string): number | null {
  const strict = strictInstantMs(iso);
  if (strict !== null) return strict;
  const dt = DateTime.fromISO(iso, { setZone: true });
  return dt.isValid ? dt.toMillis() : null;
}

function requireInstant(iso: string, what: string): number {
  let ms = strictInstantMs(iso);
  if (ms === null) {
    ms = instantMs(iso);
    if (ms === null || !/(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(iso)) {
      throw new DomainError('DOMAIN.INVALID_VISIT', `${what} must be an ISO-8601 instant with offset, got ${iso}.`, { what, value: iso });
    }
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
 * The pieces of one UTC day (`day` = days since the epoch), computed once with luxon and then
 * memoised: cut at local midnight, at every window edge and at every offset change, so that a
 * 23- or 25-hour local day, or a zone whose clock changes at midnight, is read exactly as the
 * local clock reads it.
 */
function piecesOfDay(compiled: Compiled, day: number): Piece[] {
  const cached = compiled.chunks.get(day);
  if (cached) return cached;
  const zone = compiled.zone;
  const dayEnd = (day + 1) * DAY_MS;
  const pieces: Piece[] = [];
  let t = day * DAY_MS;
  while (t < dayEnd) {
    const local = localParts(t, zone);
    const nextBoundary = compiled.boundaries.find((b) => b > local.minute) as number;
    let next = t + (nextBoundary - local.minute) * MINUTE_MS;
    // A daylight-saving change before the boundary shifts the local clock: cut the piece there.
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
    const end = Math.min(next, dayEnd);
    pieces.push({ start: t, end, date: local.date, minute: local.minute, band: undefined });
    t = end;
  }
  if (compiled.chunks.size >= MAX_CACHED_DAYS) compiled.chunks.clear();
  compiled.chunks.set(day, pieces);
  return pieces;
}

/** The band index of a piece (`-1`: none), memoised on the piece. Throws `DOMAIN.YEAR_OUT_OF_RANGE` outside the holiday calendar. */
function bandOf(compiled: Compiled, piece: Piece): number {
  let band = piece.band;
  if (band === undefined) {
    const ctx = contextOf(compiled, piece.date);
    band = bandAt(compiled.bands, ctx.weekday, ctx.holiday, ctx.eve, piece.minute);
    piece.band = band;
  }
  return band;
}

/** The piece containing the instant `ms`. */
function pieceAt(compiled: Compiled, ms: number): Piece {
  const pieces = piecesOfDay(compiled, Math.floor(ms / DAY_MS));
  let i = 0;
  while ((pieces[i] as Piece).end <= ms) i++;
  return pieces[i] as Piece;
}

/**
 * Calls `fn` for each piece overlapping `[startMs, endMs)`, in time order, with the part of it
 * inside the interval. Integer arithmetic on memoised pieces: no time-zone work per call.
 */
function walk(compiled: Compiled, startMs: number, endMs: number, fn: (piece: Piece, from: number, to: number) => void): void {
  if (startMs >= endMs) return;
  let day = Math.floor(startMs / DAY_MS);
  let pieces = piecesOfDay(compiled, day);
  let i = 0;
  while ((pieces[i] as Piece).end <= startMs) i++;
  let t = startMs;
  for (;;) {
    const piece = pieces[i] as Piece;
    const to = piece.end < endMs ? piece.end : endMs;
    fn(piece, t, to);
    if (to >= endMs) return;
    t = to;
    if (++i === pieces.length) {
      pieces = piecesOfDay(compiled, ++day);
      i = 0;
    }
  }
}

/**
 * A band configuration validated and prepared for fast classification by
 * {@link prepareTimeBands}. Internal to the package (the statement pricing uses it); not exported
 * from the package root.
 */
export interface PreparedTimeBands {
  /** The parsed configuration. */
  readonly config: TimeBandConfig;
}

/**
 * Validates a band configuration (the errors of {@link validateTimeBandConfig}) and returns it
 * prepared for {@link localDateAt} and {@link forEachBandStretch}. Memoised per configuration
 * object; the per-day pieces are memoised per configuration content.
 */
export function prepareTimeBands(config: unknown): PreparedTimeBands {
  return compile(config);
}

/** The local date (`YYYY-MM-DD`, in the configuration's zone) of the instant `ms`. */
export function localDateAt(prepared: PreparedTimeBands, ms: number): string {
  return pieceAt(prepared as Compiled, ms).date;
}

/**
 * Calls `fn(localDate, band, minutes)` for each stretch of `[startMs, endMs)` (whole-minute epoch
 * ms) whose minutes share one local date and one band, in time order; `band` is the band's index
 * in `prepared.config.bands`, or `-1` for minutes in no band. Adjacent stretches may share date
 * and band (they are cut at window edges and offset changes too); their minutes add up.
 * Throws `DOMAIN.YEAR_OUT_OF_RANGE` for a date outside the holiday calendar.
 */
export function forEachBandStretch(prepared: PreparedTimeBands, startMs: number, endMs: number, fn: (localDate: string, band: number, minutes: number) => void): void {
  const compiled = prepared as Compiled;
  walk(compiled, startMs, endMs, (piece, from, to) => fn(piece.date, bandOf(compiled, piece), (to - from) / MINUTE_MS));
}

function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/**
 * The band of the minute starting at `instant`, read on the local clock of the configuration's
 * zone, or `null` when it is in no band.
 */
export function classifyMinute(instant: string, config: TimeBandConfig = NACKA_TIME_BANDS): string | null {
  const compiled = compile(config);
  const ms = requireInstant(instant, 'instant');
  const band = bandOf(compiled, pieceAt(compiled, ms));
  return band === -1 ? null : (compiled.bands[band] as CompiledBand).id;
}

/**
 * Classifies every minute of `[start, end)` into the configured bands, in local time of the
 * configuration's zone (luxon's tz data), across midnight, band boundaries and daylight-saving
 * changes. Minutes in no band are reported as unpriced, never dropped (DOMAIN.md §2).
 *
 * The local days are worked out with luxon once per UTC day and configuration and memoised
 * (bounded), so classifying an interval is integer arithmetic.
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
  type Run = { start: number; end: number; date: string; minute: number; band: number };
  const runs: Run[] = [];
  const byBand: Record<string, number> = {};
  let unpricedMinutes = 0;
  let last: Run | undefined;
  walk(compiled, startMs, endMs, (piece, from, to) => {
    const band = bandOf(compiled, piece);
    const minutes = (to - from) / MINUTE_MS;
    if (band === -1) unpricedMinutes += minutes;
    else {
      const id = (compiled.bands[band] as CompiledBand).id;
      byBand[id] = (byBand[id] ?? 0) + minutes;
    }
    // Minutes of one local date and one band form one segment, whatever cuts lie between them.
    if (last && last.band === band && last.date === piece.date) last.end = to;
    else {
      last = { start: from, end: to, date: piece.date, minute: piece.minute + (from - piece.start) / MINUTE_MS, band };
      runs.push(last);
    }
  });
  const segments: BandSegment[] = runs.map((run) => ({
    start: new Date(run.start).toISOString(),
    end: new Date(run.end).toISOString(),
    localDate: run.date,
    localStart: clock(run.minute),
    band: run.band === -1 ? null : (compiled.bands[run.band] as CompiledBand).id,
    minutes: (run.end - run.start) / MINUTE_MS,
  }));
  return { minutes: (endMs - startMs) / MINUTE_MS, segments, byBand, unpricedMinutes };
}

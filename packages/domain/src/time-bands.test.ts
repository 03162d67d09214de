import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { NACKA_TIME_BANDS, classifyInterval, classifyMinute, validateTimeBandConfig, type TimeBandConfig } from './time-bands.js';
import { isPricingHoliday } from './holidays.js';

const DAY_IDS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Independent oracle: every band whose windows contain the minute starting at `ms`, read straight off the configuration. */
function bandsContaining(ms: number, config: TimeBandConfig): string[] {
  const local = DateTime.fromMillis(ms, { zone: config.timeZone });
  const date = local.toISODate() as string;
  const next = local.plus({ days: 1 }).toISODate() as string;
  const holiday = isPricingHoliday(date, config.holidayEves);
  const eve = isPricingHoliday(next, config.holidayEves);
  const minute = local.hour * 60 + local.minute;
  const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  const ok = (cond: string | undefined, value: boolean) => !cond || cond === 'any' || (cond === 'only') === value;
  return config.bands
    .filter((b) =>
      b.windows.some(
        (w) =>
          w.days.includes(DAY_IDS[local.weekday - 1] as never) &&
          minute >= toMin(w.from) &&
          minute < toMin(w.to) &&
          ok(w.holiday, holiday) &&
          ok(w.eveOfHoliday, eve),
      ),
    )
    .map((b) => b.id);
}

const ALL_DAY: TimeBandConfig = {
  id: 'all-day',
  timeZone: 'Europe/Stockholm',
  holidayEves: [],
  bands: [{ id: 'all', nameSv: 'Dygnet runt', nameEn: 'Around the clock', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }] }],
};

describe('time bands', () => {
  it.each([
    ['a Monday morning', '2025-03-03T08:00:00+01:00', '2025-03-03T08:30:00+01:00', { 'weekday-day': 30 }, 0],
    ['a Monday across 19:00', '2025-03-03T18:30:00+01:00', '2025-03-03T19:30:00+01:00', { 'weekday-day': 30, 'weekday-evening': 30 }, 0],
    ['a Friday across 19:00', '2025-03-07T18:30:00+01:00', '2025-03-07T19:30:00+01:00', { 'weekday-day': 30, 'weekend-holiday': 30 }, 0],
    ['a Monday evening across 22:00', '2025-03-03T21:30:00+01:00', '2025-03-03T22:30:00+01:00', { 'weekday-evening': 30 }, 30],
    ['a Saturday morning across 06:00', '2025-03-08T05:30:00+01:00', '2025-03-08T06:30:00+01:00', { 'weekend-holiday': 30 }, 30],
    ['Maundy Thursday after 19:00 (evening before Good Friday)', '2025-04-17T19:00:00+02:00', '2025-04-17T20:00:00+02:00', { 'weekend-holiday': 60 }, 0],
    ['Maundy Thursday daytime', '2025-04-17T10:00:00+02:00', '2025-04-17T11:00:00+02:00', { 'weekday-day': 60 }, 0],
    ['Good Friday daytime', '2025-04-18T10:00:00+02:00', '2025-04-18T11:00:00+02:00', { 'weekend-holiday': 60 }, 0],
    ['Midsummer Eve (a Friday) daytime', '2025-06-20T10:00:00+02:00', '2025-06-20T11:00:00+02:00', { 'weekend-holiday': 60 }, 0],
    ['the Thursday evening before Midsummer Eve', '2025-06-19T20:00:00+02:00', '2025-06-19T21:00:00+02:00', { 'weekend-holiday': 60 }, 0],
    ['Christmas Eve (a Wednesday) daytime', '2025-12-24T10:00:00+01:00', '2025-12-24T11:00:00+01:00', { 'weekend-holiday': 60 }, 0],
    ['the evening of 23 December', '2025-12-23T19:30:00+01:00', '2025-12-23T20:00:00+01:00', { 'weekend-holiday': 30 }, 0],
    ['Ascension Day (a Thursday)', '2025-05-29T08:00:00+02:00', '2025-05-29T09:00:00+02:00', { 'weekend-holiday': 60 }, 0],
    ['a Tuesday night across midnight', '2025-03-04T21:30:00+01:00', '2025-03-05T06:30:00+01:00', { 'weekday-evening': 30, 'weekday-day': 30 }, 480],
    ['a visit given in UTC', '2025-03-03T07:00:00Z', '2025-03-03T07:45:00Z', { 'weekday-day': 45 }, 0],
    ['the spring-forward night (1 real hour)', '2025-03-30T01:30:00+01:00', '2025-03-30T03:30:00+02:00', {}, 60],
    ['the fall-back night (3 real hours)', '2025-10-26T01:30:00+02:00', '2025-10-26T03:30:00+01:00', {}, 180],
  ])('classifies %s', (_name, start, end, byBand, unpriced) => {
    const result = classifyInterval(start, end);
    expect(result.byBand).toEqual(byBand);
    expect(result.unpricedMinutes).toBe(unpriced);
  });

  it('counts 23 hours on the spring-forward day and 25 on the fall-back day', () => {
    expect(classifyInterval('2025-03-30T00:00:00+01:00', '2025-03-31T00:00:00+02:00', ALL_DAY).byBand).toEqual({ all: 23 * 60 });
    expect(classifyInterval('2025-10-26T00:00:00+02:00', '2025-10-27T00:00:00+01:00', ALL_DAY).byBand).toEqual({ all: 25 * 60 });
    const fallBack = classifyInterval('2025-10-26T00:00:00+02:00', '2025-10-27T00:00:00+01:00');
    expect(fallBack.byBand).toEqual({ 'weekend-holiday': 16 * 60 });
    expect(fallBack.unpricedMinutes).toBe(9 * 60);
  });

  it('reads the band of a single minute on the local clock', () => {
    expect(classifyMinute('2025-03-03T18:59:00+01:00')).toBe('weekday-day');
    expect(classifyMinute('2025-03-03T19:00:00+01:00')).toBe('weekday-evening');
    expect(classifyMinute('2025-03-03T22:00:00+01:00')).toBeNull();
  });

  it('refuses a configuration where two bands overlap with DOMAIN.TIME_BAND_OVERLAP', () => {
    const overlapping: TimeBandConfig = {
      ...NACKA_TIME_BANDS,
      bands: [...NACKA_TIME_BANDS.bands, { id: 'late', nameSv: 'Sen', nameEn: 'Late', windows: [{ days: ['mon'], from: '21:00', to: '23:00' }] }],
    };
    expect(() => validateTimeBandConfig(overlapping)).toThrow(expect.objectContaining({ code: 'DOMAIN.TIME_BAND_OVERLAP' }));
  });

  it.each([
    ['an unknown time zone', { ...ALL_DAY, timeZone: 'Europe/Nowhere' }, 'DOMAIN.INVALID_TIME_ZONE'],
    ['a window that ends before it starts', { ...ALL_DAY, bands: [{ ...ALL_DAY.bands[0], windows: [{ days: ['mon'], from: '10:00', to: '09:00' }] }] }, 'DOMAIN.INVALID_TIME_BAND_CONFIG'],
    ['a reserved band id', { ...ALL_DAY, bands: [{ ...ALL_DAY.bands[0], id: 'unpriced' }] }, 'DOMAIN.INVALID_TIME_BAND_CONFIG'],
  ])('refuses %s', (_name, config, code) => {
    expect(() => validateTimeBandConfig(config)).toThrow(expect.objectContaining({ code }));
  });

  it.each([
    ['ends before it starts', '2025-03-03T09:00:00+01:00', '2025-03-03T08:00:00+01:00', 'DOMAIN.VISIT_ENDS_BEFORE_START'],
    ['has seconds', '2025-03-03T08:00:30+01:00', '2025-03-03T09:00:00+01:00', 'DOMAIN.VISIT_NOT_WHOLE_MINUTES'],
    ['has no offset', '2025-03-03T08:00:00', '2025-03-03T09:00:00+01:00', 'DOMAIN.INVALID_VISIT'],
  ])('refuses an interval that %s', (_name, start, end, code) => {
    expect(() => classifyInterval(start, end)).toThrow(expect.objectContaining({ code }));
  });

  // Instants around the 2024–2026 daylight-saving changes, plus any minute of 2024–2026.
  const dstChanges = ['2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'].map(
    (iso) => Date.parse(iso) / 60_000,
  );
  const startMinute = fc.oneof(
    fc.integer({ min: Date.parse('2024-01-01T00:00:00Z') / 60_000, max: Date.parse('2026-12-31T00:00:00Z') / 60_000 }),
    fc.tuple(fc.constantFrom(...dstChanges), fc.integer({ min: -26 * 60, max: 2 * 60 })).map(([m, d]) => m + d),
  );

  it('puts every minute of a visit in exactly one band or in unpriced (checked minute by minute)', () => {
    fc.assert(
      fc.property(startMinute, fc.integer({ min: 1, max: 400 }), (start, length) => {
        const startMs = start * 60_000;
        const result = classifyInterval(new Date(startMs).toISOString(), new Date(startMs + length * 60_000).toISOString());
        let at = startMs;
        for (const segment of result.segments) {
          for (let i = 0; i < segment.minutes; i++, at += 60_000) {
            const oracle = bandsContaining(at, NACKA_TIME_BANDS);
            expect(oracle.length).toBeLessThanOrEqual(1);
            expect(segment.band).toBe(oracle[0] ?? null);
          }
        }
        expect(at).toBe(startMs + length * 60_000);
      }),
      { numRuns: 80 },
    );
  });

  it('makes band minutes plus unpriced minutes sum to the visit length, across daylight-saving changes', () => {
    fc.assert(
      fc.property(startMinute, fc.integer({ min: 1, max: 3 * 24 * 60 }), fc.constantFrom(NACKA_TIME_BANDS, ALL_DAY), (start, length, config) => {
        const startMs = start * 60_000;
        const result = classifyInterval(new Date(startMs).toISOString(), new Date(startMs + length * 60_000).toISOString(), config);
        const banded = Object.values(result.byBand).reduce((a, b) => a + b, 0);
        expect(result.minutes).toBe(length);
        expect(banded + result.unpricedMinutes).toBe(length);
        expect(result.segments.reduce((a, s) => a + s.minutes, 0)).toBe(length);
      }),
      { numRuns: 300 },
    );
  });
});

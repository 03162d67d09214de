import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { NACKA_TIME_BANDS, classifyInterval, classifyMinute, instantMs, type TimeBandConfig } from './time-bands.js';
import { referenceClassification } from './test-support/minute-reference.js';

// The classifier reads each local day with luxon once and then classifies intervals with integer
// arithmetic on memoised pieces. These properties check it against a straightforward reference
// that reads every single minute on the local clock with luxon, in zones whose clocks change in
// unusual ways too.

/** A configuration with windows that start and end off the hour, around DST changes and at midnight. */
const AWKWARD: TimeBandConfig = {
  id: 'awkward',
  timeZone: 'Europe/Stockholm',
  holidayEves: ['christmas-eve'],
  bands: [
    {
      id: 'early',
      nameSv: 'Tidig',
      nameEn: 'Early',
      windows: [
        { days: ['mon', 'tue', 'wed'], from: '00:00', to: '02:30' },
        { days: ['sun'], from: '01:15', to: '02:30', holiday: 'exclude' },
      ],
    },
    { id: 'day', nameSv: 'Dag', nameEn: 'Day', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '02:30', to: '23:59', holiday: 'exclude', eveOfHoliday: 'exclude' }] },
    { id: 'holiday', nameSv: 'Helg', nameEn: 'Holiday', windows: [{ days: ['thu', 'fri', 'sat'], from: '00:00', to: '24:00', holiday: 'only' }] },
  ],
};

// Zones whose clocks change at 02:00/03:00 (Stockholm), at midnight (Santiago), by 30 minutes
// (Lord Howe), or never, with a non-whole-hour offset (Kolkata).
const ZONES = ['Europe/Stockholm', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata'] as const;
const CONFIGS: TimeBandConfig[] = ZONES.flatMap((timeZone) => [
  { ...NACKA_TIME_BANDS, id: `nacka-${timeZone}`, timeZone },
  { ...AWKWARD, id: `awkward-${timeZone}`, timeZone },
]);

/** Every offset change of `zone` in 2024–2026, as epoch minutes (found by scanning days, then minutes). */
function offsetChanges(zone: string): number[] {
  const changes: number[] = [];
  const end = Date.parse('2027-01-01T00:00:00Z');
  let previous = DateTime.fromMillis(Date.parse('2024-01-01T00:00:00Z'), { zone }).offset;
  for (let ms = Date.parse('2024-01-01T00:00:00Z'); ms < end; ms += 86_400_000) {
    const offset = DateTime.fromMillis(ms, { zone }).offset;
    if (offset !== previous) {
      let m = ms - 86_400_000;
      while (DateTime.fromMillis(m, { zone }).offset === previous) m += 60_000;
      changes.push(m / 60_000);
      previous = offset;
    }
  }
  return changes;
}
const CHANGES = new Map(ZONES.map((zone) => [zone, offsetChanges(zone)]));

const visitAround = fc.constantFrom(...CONFIGS).chain((config) => {
  const changes = CHANGES.get(config.timeZone as (typeof ZONES)[number]) ?? [];
  const anyMinute = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z') / 60_000, max: Date.parse('2026-12-30T00:00:00Z') / 60_000 });
  const nearChange = changes.length
    ? fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -30 * 60, max: 6 * 60 })).map(([m, d]) => m + d)
    : anyMinute;
  return fc.tuple(fc.constant(config), fc.oneof(nearChange, nearChange, anyMinute), fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 1800 })));
});

const pad = (n: number) => String(n).padStart(2, '0');

describe('time bands against a minute-by-minute reference', () => {
  it('has offset changes to test in every zone but Kolkata', () => {
    expect(CHANGES.get('Europe/Stockholm')).toHaveLength(6);
    expect(CHANGES.get('America/Santiago')?.length).toBeGreaterThanOrEqual(6);
    expect(CHANGES.get('Australia/Lord_Howe')?.length).toBeGreaterThanOrEqual(6);
    expect(CHANGES.get('Asia/Kolkata')).toHaveLength(0);
  });

  it('gives exactly the reference segments, band minutes and local times, across daylight-saving changes (property)', () => {
    fc.assert(
      fc.property(visitAround, fc.boolean(), ([config, start, length], localOffsets) => {
        const startMs = start * 60_000;
        const endMs = startMs + length * 60_000;
        // Instants as UTC, or on the local clock with its offset: both read the same.
        const text = (ms: number) =>
          localOffsets ? (DateTime.fromMillis(ms, { zone: config.timeZone }).toISO({ suppressMilliseconds: true }) as string) : new Date(ms).toISOString();
        const result = classifyInterval(text(startMs), text(endMs), config);
        expect(result).toEqual(referenceClassification(startMs, endMs, config));
        if (length > 0) expect(classifyMinute(text(startMs), config)).toBe(result.segments[0]?.band);
      }),
      { numRuns: 120 },
    );
  }, 60_000);

  it('reads every offset-qualified instant exactly as luxon does (property)', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map(pad);
    const instant = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')),
        fc.integer({ min: 1, max: 12 }).map(pad),
        fc.integer({ min: 1, max: 31 }).map(pad),
        two(23),
        two(59),
        two(59),
        fc.constantFrom('', '.000', '.0', '.5', '.0000000000', '.001'),
        fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), two(23), two(59)).map(([s, h, m]) => `${s}${h}:${m}`), fc.constantFrom('+0100', '+01', 'z', '')),
      )
      .map(([y, mo, d, h, mi, s, f, o]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f}${o}`);
    fc.assert(
      fc.property(instant, (text) => {
        const dt = DateTime.fromISO(text, { setZone: true });
        expect(instantMs(text)).toBe(dt.isValid ? dt.toMillis() : null);
      }),
      { numRuns: 2000 },
    );
  });
});

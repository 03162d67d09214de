import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { createStatementAccumulator, priceProviderStatement, type StatementAccumulatorInput } from './statement.js';
import { NACKA_HOME_CARE_RATES, type RateTable } from './rate-tables.js';
import { NACKA_TIME_BANDS, type TimeBandConfig } from './time-bands.js';
import type { DeliveredVisit } from './visits.js';
import { referenceStatement } from './test-support/minute-reference.js';

const BASE = NACKA_HOME_CARE_RATES[0] as RateTable;
/** Two tables that change on the spring-forward day, 30 March 2025, local date. */
const CHANGING: RateTable[] = [
  { ...BASE, id: 'old', validTo: '2025-03-30' },
  { ...BASE, id: 'new', validFrom: '2025-03-30', rates: BASE.rates.map((r) => ({ ...r, orePerHour: r.orePerHour + 617 })) },
];

function head(over: Partial<StatementAccumulatorInput> = {}): StatementAccumulatorInput {
  return { providerId: 'p1', providerKind: 'municipal', month: '2025-03', rateTables: NACKA_HOME_CARE_RATES, ...over };
}

function visit(start: string, end: string, over: Partial<DeliveredVisit> = {}): DeliveredVisit {
  return { visitId: `v-${start}`, customerId: 'c1', kind: 'care', status: 'approved', start, end, ...over };
}

function stream(visits: readonly DeliveredVisit[], over: Partial<StatementAccumulatorInput> = {}) {
  const acc = createStatementAccumulator(head(over));
  for (const v of visits) acc.add(v);
  return acc.finish();
}

const text = (ms: number, zone: string, local: boolean) =>
  local ? (DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) as string) : new Date(ms).toISOString();

/** Visits of one month around a DST change, one customer per visit (so none overlap). */
function visitsArb(month: '2025-03' | '2025-10', zone = 'Europe/Stockholm') {
  const monthStart = DateTime.fromISO(`${month}-01T00:00`, { zone }).toMillis() / 60_000;
  const change = Date.parse(month === '2025-03' ? '2025-03-30T01:00:00Z' : '2025-10-26T01:00:00Z') / 60_000;
  const start = fc.oneof(
    fc.integer({ min: monthStart - 300, max: monthStart + 31 * 1440 + 300 }),
    fc.integer({ min: change - 3 * 1440, max: change + 1440 }),
  );
  const one = fc.record({
    start,
    length: fc.oneof(fc.integer({ min: 1, max: 240 }), fc.integer({ min: 1, max: 1500 })),
    kind: fc.constantFrom('care' as const, 'care' as const, 'service' as const),
    status: fc.constantFrom('approved' as const, 'approved' as const, 'approved' as const, 'reported' as const, 'disputed' as const),
    local: fc.boolean(),
  });
  return fc.array(one, { maxLength: 30 }).map((specs) =>
    specs.map(
      (s, i): DeliveredVisit => ({
        visitId: `v${i}`,
        customerId: `c${i}`,
        kind: s.kind,
        status: s.status,
        start: text(s.start * 60_000, zone, s.local),
        end: text((s.start + s.length) * 60_000, zone, s.local),
      }),
    ),
  );
}

describe('statement accumulator', () => {
  it('prices like a minute-by-minute reading of DOMAIN.md §2, across DST changes and a rate change (property)', () => {
    const cases = fc.oneof(
      fc.tuple(fc.constant('2025-03' as const), visitsArb('2025-03'), fc.constantFrom(NACKA_HOME_CARE_RATES, CHANGING)),
      fc.tuple(fc.constant('2025-10' as const), visitsArb('2025-10'), fc.constant(NACKA_HOME_CARE_RATES)),
    );
    fc.assert(
      fc.property(cases, fc.constantFrom('municipal' as const, 'private' as const), ([month, visits, rateTables], providerKind) => {
        const expected = referenceStatement({ month, providerKind, visits, rateTables, bands: NACKA_TIME_BANDS });
        const streamed = stream(visits, { month, providerKind, rateTables });
        expect({ lines: streamed.lines, totalOre: streamed.totalOre, unpricedMinutes: streamed.unpricedMinutes, excluded: streamed.excluded }).toEqual(expected);
        expect(priceProviderStatement({ ...head({ month, providerKind, rateTables }), visits })).toEqual(streamed);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('gives priceProviderStatement’s statement for the same visits, in any zone (property)', () => {
    const santiago: TimeBandConfig = { ...NACKA_TIME_BANDS, id: 'santiago', timeZone: 'America/Santiago' };
    fc.assert(
      fc.property(visitsArb('2025-03'), fc.constantFrom(NACKA_TIME_BANDS, santiago), (visits, bands) => {
        const batch = priceProviderStatement({ ...head({ bands }), visits });
        expect(stream(visits, { bands })).toEqual(batch);
        expect(batch.visits.length + batch.excluded.length).toBe(visits.length);
      }),
      { numRuns: 100 },
    );
  });

  it('leaves the appendix out when asked, and nothing else (property)', () => {
    fc.assert(
      fc.property(visitsArb('2025-03'), (visits) => {
        const full = stream(visits);
        expect(stream(visits, { appendix: false })).toEqual({ ...full, visits: [] });
        expect(stream(visits, { appendix: true })).toEqual(full);
      }),
      { numRuns: 50 },
    );
  });

  it('rounds each line once at finish, not per visit', () => {
    // 3 × 7 min at 293 SEK/h: per visit 3 × 3 418 = 10 254 öre; per line 21 min → 10 255.
    const result = stream([
      visit('2025-03-03T08:00:00+01:00', '2025-03-03T08:07:00+01:00'),
      visit('2025-03-04T08:00:00+01:00', '2025-03-04T08:07:00+01:00'),
      visit('2025-03-05T08:00:00+01:00', '2025-03-05T08:07:00+01:00'),
    ]);
    expect(result.lines).toEqual([{ kind: 'care', band: 'weekday-day', orePerHour: 29_300, minutes: 21, amountOre: 10_255 }]);
  });

  it('leaves the accumulator as it was when a visit is refused halfway through its pricing', () => {
    const noEvening: RateTable[] = [{ ...BASE, rates: BASE.rates.filter((r) => r.band !== 'weekday-evening') }];
    const acc = createStatementAccumulator(head({ rateTables: noEvening }));
    const day = visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00');
    acc.add(day);
    // 18:00–20:00 on a Tuesday: the day hour has a rate, the evening hour has none.
    const across = visit('2025-03-04T18:00:00+01:00', '2025-03-04T20:00:00+01:00', { kind: 'care' });
    expect(() => acc.add(across)).toThrow(expect.objectContaining({ code: 'DOMAIN.RATE_MISSING' }));
    // The refused visit is not remembered: its id may come again, corrected.
    acc.add({ ...across, end: '2025-03-04T19:00:00+01:00' });
    expect(acc.count).toBe(2);
    const result = acc.finish();
    expect(result.lines).toEqual([{ kind: 'care', band: 'weekday-day', orePerHour: 29_300, minutes: 120, amountOre: 58_600 }]);
    expect(result.visits.map((v) => v.visitId)).toEqual([day.visitId, across.visitId]);
  });

  it('refuses a duplicate id and an overlap with a visit added before, and ignores disputed visits for overlaps', () => {
    const acc = createStatementAccumulator(head());
    acc.add(visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00', { visitId: 'a' }));
    expect(() => acc.add(visit('2025-03-10T08:00:00+01:00', '2025-03-10T09:00:00+01:00', { visitId: 'a' }))).toThrow(
      expect.objectContaining({ code: 'DOMAIN.DUPLICATE_VISIT_ID' }),
    );
    // Added out of order: the earlier visit's end overlaps the later one's start.
    acc.add(visit('2025-03-03T10:00:00+01:00', '2025-03-03T11:00:00+01:00', { visitId: 'c' }));
    expect(() => acc.add(visit('2025-03-03T09:30:00+01:00', '2025-03-03T10:01:00+01:00', { visitId: 'b' }))).toThrow(
      expect.objectContaining({ code: 'DOMAIN.VISIT_OVERLAP', details: { customerId: 'c1', visitIds: ['b', 'c'] } }),
    );
    expect(() => acc.add(visit('2025-03-03T08:59:00+01:00', '2025-03-03T09:30:00+01:00', { visitId: 'b' }))).toThrow(
      expect.objectContaining({ code: 'DOMAIN.VISIT_OVERLAP', details: { customerId: 'c1', visitIds: ['a', 'b'] } }),
    );
    acc.add(visit('2025-03-03T08:30:00+01:00', '2025-03-03T09:30:00+01:00', { visitId: 'd', status: 'disputed' }));
    acc.add(visit('2025-03-03T09:00:00+01:00', '2025-03-03T10:00:00+01:00', { visitId: 'b' }));
    acc.add(visit('2025-03-03T08:30:00+01:00', '2025-03-03T09:30:00+01:00', { visitId: 'e', customerId: 'c2' }));
    expect(acc.finish().excluded).toEqual([{ visitId: 'd', reason: 'disputed' }]);
  });

  it('refuses bad visits with the codes and messages of priceProviderStatement, numbering them by position in the stream', () => {
    const acc = createStatementAccumulator(head());
    acc.add(visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00'));
    const bad = { ...visit('2025-03-04T08:00:00+01:00', '2025-03-04T09:00:00+01:00'), start: '2025-03-04T08:00' };
    expect(() => acc.add(bad)).toThrow(expect.objectContaining({ code: 'DOMAIN.INVALID_VISIT', message: 'Visit at index 1 is malformed.' }));
    expect(() => acc.add(bad)).toThrow(expect.objectContaining({ message: 'Visit at index 2 is malformed.' }));
    expect(() => acc.add(visit('2025-03-05T08:00:00.5+01:00', '2025-03-05T09:00:00+01:00'))).toThrow(
      expect.objectContaining({ code: 'DOMAIN.VISIT_NOT_WHOLE_MINUTES' }),
    );
    expect(() => acc.add(visit('2025-03-05T09:00:00+01:00', '2025-03-05T08:00:00+01:00'))).toThrow(
      expect.objectContaining({ code: 'DOMAIN.VISIT_ENDS_BEFORE_START' }),
    );
    expect(() => acc.add(visit('2025-03-05T09:00:00+01:00', '2025-03-05T09:00:00+01:00'))).toThrow(expect.objectContaining({ code: 'DOMAIN.VISIT_EMPTY' }));
    // Any RFC 3339 form of a whole minute is read, also one zod accepts and luxon reads the long way.
    acc.add(visit('2025-03-06T07:00:00.000000Z', '2025-03-06T07:30:00.0Z'));
    expect(acc.count).toBe(2);
    expect(acc.finish().lines[0]?.minutes).toBe(90);
  });

  it('gives the same errors as before for malformed visits in a batch, with zod’s issues', () => {
    const input = { ...head(), visits: [{ visitId: 'x', customerId: 'c1', kind: 'care', status: 'approved', start: 'yesterday', end: '2025-03-03T09:00:00+01:00' }] };
    expect(() => priceProviderStatement(input as never)).toThrow(
      expect.objectContaining({
        code: 'DOMAIN.INVALID_VISIT',
        message: 'Visit at index 0 is malformed.',
        details: { index: 0, visitId: 'x', issues: [{ path: 'start', message: 'Invalid ISO datetime' }] },
      }),
    );
  });

  it.each([
    ['a header without provider', { providerId: '' }, 'DOMAIN.INVALID_INPUT'],
    ['an unknown month', { month: '2025-13' }, 'DOMAIN.INVALID_INPUT'],
    ['a broken band configuration', { bands: { ...NACKA_TIME_BANDS, timeZone: 'Europe/Nowhere' } }, 'DOMAIN.INVALID_TIME_ZONE'],
    ['rate tables with a gap', { rateTables: [{ ...BASE, id: 'a', validTo: '2025-02-01' }, { ...BASE, id: 'b', validFrom: '2025-03-01' }] }, 'DOMAIN.RATE_TABLE_GAP'],
    ['tables of two municipalities', { rateTables: [BASE, { ...BASE, id: 's', municipality: 'solna' }] }, 'DOMAIN.RATE_TABLES_AMBIGUOUS'],
  ] as const)('refuses %s up front', (_name, over, code) => {
    expect(() => createStatementAccumulator(head(over as Partial<StatementAccumulatorInput>))).toThrow(expect.objectContaining({ code }));
  });

  it('is finished by finish()', () => {
    const acc = createStatementAccumulator(head());
    expect(acc.finish()).toEqual({ providerId: 'p1', providerKind: 'municipal', month: '2025-03', lines: [], totalOre: 0, unpricedMinutes: 0, excluded: [], visits: [] });
    expect(() => acc.add(visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00'))).toThrow('finished');
    expect(() => acc.finish()).toThrow('finished');
  });
});

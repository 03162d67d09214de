import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { priceProviderStatement, type ProviderStatementInput } from './statement.js';
import { NACKA_HOME_CARE_RATES, type RateTable } from './rate-tables.js';
import type { DeliveredVisit } from './visits.js';

let n = 0;
function visit(start: string, end: string, over: Partial<DeliveredVisit> = {}): DeliveredVisit {
  n += 1;
  return { visitId: `v${n}`, customerId: 'c1', kind: 'care', status: 'approved', start, end, ...over };
}

function statement(visits: DeliveredVisit[], over: Partial<ProviderStatementInput> = {}) {
  return priceProviderStatement({ providerId: 'p1', providerKind: 'municipal', month: '2025-03', visits, rateTables: NACKA_HOME_CARE_RATES, ...over });
}

describe('provider statements', () => {
  it.each([
    // provider kind, band (by visit time), rate öre/h
    ['municipal', '2025-03-03T08:00:00+01:00', 'weekday-day', 29_300],
    ['private', '2025-03-03T08:00:00+01:00', 'weekday-day', 31_000],
    ['municipal', '2025-03-03T19:00:00+01:00', 'weekday-evening', 32_400],
    ['private', '2025-03-03T19:00:00+01:00', 'weekday-evening', 34_200],
    ['municipal', '2025-03-08T10:00:00+01:00', 'weekend-holiday', 36_900],
    ['private', '2025-03-08T10:00:00+01:00', 'weekend-holiday', 39_000],
  ] as const)('pays a %s provider an hour of care at %s in band %s at %i öre', (providerKind, start, band, orePerHour) => {
    const end = new Date(Date.parse(start) + 3_600_000).toISOString();
    const result = statement([visit(start, end)], { providerKind });
    expect(result.lines).toEqual([{ kind: 'care', band, orePerHour, minutes: 60, amountOre: orePerHour }]);
    expect(result.totalOre).toBe(orePerHour);
  });

  it.each([
    ['municipal', 24_600],
    ['private', 26_300],
  ] as const)('pays service at the single %s service rate whatever the time', (providerKind, rate) => {
    const result = statement([visit('2025-03-08T21:30:00+01:00', '2025-03-08T22:30:00+01:00', { kind: 'service' })], { providerKind });
    expect(result.lines).toEqual([{ kind: 'service', band: 'any', orePerHour: rate, minutes: 60, amountOre: rate }]);
    expect(result.unpricedMinutes).toBe(0);
  });

  it('rounds each line once, not each visit', () => {
    // 3 × 7 min at 293 SEK/h: per visit 3 418.33 öre → 3 × 3 418 = 10 254; per line 21 min → 10 255.
    const result = statement([
      visit('2025-03-03T08:00:00+01:00', '2025-03-03T08:07:00+01:00'),
      visit('2025-03-04T08:00:00+01:00', '2025-03-04T08:07:00+01:00'),
      visit('2025-03-05T08:00:00+01:00', '2025-03-05T08:07:00+01:00'),
    ]);
    expect(result.lines).toEqual([{ kind: 'care', band: 'weekday-day', orePerHour: 29_300, minutes: 21, amountOre: 10_255 }]);
  });

  it('rounds a half öre up', () => {
    // 3 min at 293.10 SEK/h = 1 465.5 öre → 1 466.
    const table: RateTable = { ...(NACKA_HOME_CARE_RATES[0] as RateTable), rates: NACKA_HOME_CARE_RATES[0]!.rates.map((r) => (r.band === 'weekday-day' && r.providerKind === 'municipal' ? { ...r, orePerHour: 29_310 } : r)) };
    const result = statement([visit('2025-03-03T08:00:00+01:00', '2025-03-03T08:03:00+01:00')], { rateTables: [table] });
    expect(result.lines[0]?.amountOre).toBe(1_466);
  });

  it('shows care minutes between 22 and 06 as unpriced, never paid or dropped', () => {
    const result = statement([visit('2025-03-04T21:30:00+01:00', '2025-03-04T23:00:00+01:00')]);
    expect(result.lines).toEqual([
      { kind: 'care', band: 'weekday-evening', orePerHour: 32_400, minutes: 30, amountOre: 16_200 },
      { kind: 'care', band: 'unpriced', orePerHour: null, minutes: 60, amountOre: 0 },
    ]);
    expect(result.unpricedMinutes).toBe(60);
    expect(result.totalOre).toBe(16_200);
  });

  it('excludes disputed, not yet approved and other months’ visits, and lists them', () => {
    const disputed = visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00', { status: 'disputed', customerId: 'c2' });
    const reported = visit('2025-03-04T08:00:00+01:00', '2025-03-04T09:00:00+01:00', { status: 'reported' });
    const april = visit('2025-04-01T08:00:00+02:00', '2025-04-01T09:00:00+02:00');
    const paid = visit('2025-03-05T08:00:00+01:00', '2025-03-05T08:30:00+01:00');
    const result = statement([disputed, reported, april, paid]);
    expect(result.excluded).toEqual([
      { visitId: disputed.visitId, reason: 'disputed' },
      { visitId: reported.visitId, reason: 'not-approved' },
      { visitId: april.visitId, reason: 'outside-month' },
    ]);
    expect(result.totalOre).toBe(14_650);
    expect(result.visits.map((v) => v.visitId)).toEqual([paid.visitId]);
  });

  it('puts a visit across midnight at month end in the month it starts, local time', () => {
    // 31 March 23:30 → 1 April 00:30 local; 31 March 21:30Z is 23:30 local (+02:00 after the DST change).
    const late = visit('2025-03-31T21:30:00Z', '2025-03-31T22:30:00Z', { kind: 'service' });
    expect(statement([late]).lines).toEqual([{ kind: 'service', band: 'any', orePerHour: 24_600, minutes: 60, amountOre: 24_600 }]);
    expect(statement([late], { month: '2025-04' }).excluded).toEqual([{ visitId: late.visitId, reason: 'outside-month' }]);
  });

  it('prices each minute by the rate table valid on its local date', () => {
    const base = NACKA_HOME_CARE_RATES[0] as RateTable;
    const tables: RateTable[] = [
      { ...base, id: 'h1', validTo: '2025-04-01' },
      { ...base, id: 'h2', validFrom: '2025-04-01', rates: base.rates.map((r) => ({ ...r, orePerHour: r.orePerHour + 600 })) },
    ];
    // Service from 31 March 23:30 to 1 April 00:30 local: 30 min at the old rate, 30 at the new.
    const result = statement([visit('2025-03-31T21:30:00Z', '2025-03-31T22:30:00Z', { kind: 'service' })], { rateTables: tables });
    expect(result.lines).toEqual([
      { kind: 'service', band: 'any', orePerHour: 24_600, minutes: 30, amountOre: 12_300 },
      { kind: 'service', band: 'any', orePerHour: 25_200, minutes: 30, amountOre: 12_600 },
    ]);
  });

  it('pays each provider only its own visits when a customer switches mid-month', () => {
    const before = visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00');
    const after = visit('2025-03-20T08:00:00+01:00', '2025-03-20T09:00:00+01:00');
    expect(statement([before], { providerId: 'old' }).totalOre).toBe(29_300);
    expect(statement([after], { providerId: 'new', providerKind: 'private' }).totalOre).toBe(31_000);
  });

  it.each([
    ['a malformed visit', [{ visitId: 'x', customerId: 'c1', kind: 'care', status: 'approved', start: 'yesterday', end: '2025-03-03T09:00:00+01:00' }], 'DOMAIN.INVALID_VISIT'],
    ['a visit of an unknown kind', [{ visitId: 'x', customerId: 'c1', kind: 'massage', status: 'approved', start: '2025-03-03T08:00:00+01:00', end: '2025-03-03T09:00:00+01:00' }], 'DOMAIN.INVALID_VISIT'],
    ['a visit that ends before it starts', [visit('2025-03-03T09:00:00+01:00', '2025-03-03T08:00:00+01:00')], 'DOMAIN.VISIT_ENDS_BEFORE_START'],
    ['a visit without length', [visit('2025-03-03T09:00:00+01:00', '2025-03-03T09:00:00+01:00')], 'DOMAIN.VISIT_EMPTY'],
    ['a visit with seconds', [visit('2025-03-03T09:00:10+01:00', '2025-03-03T09:30:00+01:00')], 'DOMAIN.VISIT_NOT_WHOLE_MINUTES'],
    [
      'overlapping visits of one customer',
      [visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00'), visit('2025-03-03T08:59:00+01:00', '2025-03-03T09:30:00+01:00', { kind: 'service' })],
      'DOMAIN.VISIT_OVERLAP',
    ],
    [
      'two visits with one id',
      [visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00', { visitId: 'same' }), visit('2025-03-04T08:00:00+01:00', '2025-03-04T09:00:00+01:00', { visitId: 'same' })],
      'DOMAIN.DUPLICATE_VISIT_ID',
    ],
  ])('refuses %s with a typed error', (_name, visits, code) => {
    expect(() => statement(visits as DeliveredVisit[])).toThrow(expect.objectContaining({ code }));
  });

  it('accepts back-to-back visits and overlaps of different customers', () => {
    const result = statement([
      visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00'),
      visit('2025-03-03T09:00:00+01:00', '2025-03-03T09:30:00+01:00'),
      visit('2025-03-03T08:30:00+01:00', '2025-03-03T09:00:00+01:00', { customerId: 'c2' }),
    ]);
    expect(result.lines[0]?.minutes).toBe(120);
  });

  it('ignores a disputed visit when checking overlaps (the corrected report replaces it)', () => {
    const result = statement([
      visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00', { status: 'disputed' }),
      visit('2025-03-03T08:00:00+01:00', '2025-03-03T08:45:00+01:00'),
    ]);
    expect(result.totalOre).toBe(21_975);
  });

  it.each([
    ['a gap', [{ id: 'a', validTo: '2025-02-01' }, { id: 'b', validFrom: '2025-03-01' }], 'DOMAIN.RATE_TABLE_GAP'],
    ['an overlap', [{ id: 'a', validTo: '2025-03-15' }, { id: 'b', validFrom: '2025-03-01' }], 'DOMAIN.RATE_TABLE_OVERLAP'],
    ['an open-ended table followed by another', [{ id: 'a' }, { id: 'b', validFrom: '2025-03-01' }], 'DOMAIN.RATE_TABLE_OVERLAP'],
    ['no table for the visit’s date', [{ id: 'a', validFrom: '2025-04-01' }], 'DOMAIN.NO_RATE_TABLE'],
    ['a table ending before it starts', [{ id: 'a', validTo: '2023-01-01' }], 'DOMAIN.INVALID_RATE_TABLE'],
    ['two rates for one key', [{ id: 'a', rates: [...NACKA_HOME_CARE_RATES[0]!.rates, { kind: 'service', band: 'any', providerKind: 'private', orePerHour: 1 }] }], 'DOMAIN.RATE_TABLE_DUPLICATE_RATE'],
    ['a missing rate', [{ id: 'a', rates: NACKA_HOME_CARE_RATES[0]!.rates.filter((r) => r.band !== 'weekday-day') }], 'DOMAIN.RATE_MISSING'],
    ['tables of two municipalities', [{ id: 'a' }, { id: 'b', municipality: 'solna' }], 'DOMAIN.RATE_TABLES_AMBIGUOUS'],
  ] as const)('refuses rate tables with %s', (_name, overrides, code) => {
    const tables = overrides.map((o) => ({ ...(NACKA_HOME_CARE_RATES[0] as RateTable), ...o })) as RateTable[];
    expect(() => statement([visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00')], { rateTables: tables })).toThrow(expect.objectContaining({ code }));
  });

  it('picks one municipality’s tables when asked to', () => {
    const tables = [NACKA_HOME_CARE_RATES[0] as RateTable, { ...(NACKA_HOME_CARE_RATES[0] as RateTable), id: 's', municipality: 'solna', rates: NACKA_HOME_CARE_RATES[0]!.rates.map((r) => ({ ...r, orePerHour: 1 })) }];
    const result = statement([visit('2025-03-03T08:00:00+01:00', '2025-03-03T09:00:00+01:00')], { rateTables: tables, municipality: 'nacka' });
    expect(result.totalOre).toBe(29_300);
  });

  it('makes the total equal the sum of the lines, each rounded once (property)', () => {
    const monthStart = Date.parse('2025-03-01T00:00:00+01:00') / 60_000;
    const visitArb = fc.record({
      offset: fc.integer({ min: 0, max: 30 * 24 * 60 - 200 }),
      length: fc.integer({ min: 1, max: 180 }),
      kind: fc.constantFrom('care' as const, 'service' as const),
      status: fc.constantFrom('approved' as const, 'approved' as const, 'reported' as const, 'disputed' as const),
      customer: fc.integer({ min: 1, max: 40 }),
    });
    fc.assert(
      fc.property(fc.array(visitArb, { maxLength: 40 }), fc.constantFrom('municipal' as const, 'private' as const), (specs, providerKind) => {
        // Each spec gets its own customer slot so generated visits never overlap.
        const visits: DeliveredVisit[] = specs.map((s, i) => ({
          visitId: `v${i}`,
          customerId: `c${i}`,
          kind: s.kind,
          status: s.status,
          start: new Date((monthStart + s.offset) * 60_000).toISOString(),
          end: new Date((monthStart + s.offset + s.length) * 60_000).toISOString(),
        }));
        const result = statement(visits, { providerKind });
        expect(result.totalOre).toBe(result.lines.reduce((a, l) => a + l.amountOre, 0));
        for (const line of result.lines) {
          expect(line.amountOre).toBe(line.orePerHour === null ? 0 : Math.round((line.minutes * line.orePerHour) / 60));
        }
        const approvedMinutes = specs.filter((s) => s.status === 'approved').reduce((a, s) => a + s.length, 0);
        expect(result.lines.reduce((a, l) => a + l.minutes, 0)).toBe(approvedMinutes);
        expect(result.excluded.length + result.visits.length).toBe(visits.length);
      }),
      { numRuns: 150 },
    );
  });
});

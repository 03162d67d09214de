import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IsoDate, IsoMonth, addDays, lastDayOfMonth, monthsCovered, nextMonth, previousMonth, startOfDayMs, stockholmDate, stockholmDateByIntl, stockholmMonth } from './calendar-date.js';

describe('calendar dates and months at the edge', () => {
  it.each(['2026-02', '1900-01', '2999-12'])('accepts the month %s', (month) => {
    expect(IsoMonth.safeParse(month).success).toBe(true);
  });

  it.each(['0000-01', '0001-12', '1899-12', '3000-01', '2026-13', '2026-00', '2026-1'])('refuses the month %s, which PostgreSQL cannot keep or no calendar has', (month) => {
    expect(IsoMonth.safeParse(month).success).toBe(false);
  });

  it.each([
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['0000-01-01', false],
    ['1900-01-01', true],
  ])('reads %s as a calendar date: %s', (date, ok) => {
    expect(IsoDate.safeParse(date).success).toBe(ok);
  });
});

describe("the municipality's day at an instant (Europe/Stockholm)", () => {
  it.each([
    ['2026-01-20T22:59:59Z', '2026-01-20'], // 23:59:59 CET
    ['2026-01-20T23:00:00Z', '2026-01-21'], // midnight CET
    ['2026-03-28T23:30:00Z', '2026-03-29'], // 00:30 CET, the night summer time begins
    ['2026-03-29T21:59:00Z', '2026-03-29'], // 23:59 CEST
    ['2026-03-29T22:00:00Z', '2026-03-30'], // midnight CEST
    ['2026-10-24T22:30:00Z', '2026-10-25'], // 00:30 CEST, the night summer time ends
    ['2026-10-25T22:59:00Z', '2026-10-25'], // 23:59 CET again
    ['2026-12-31T23:00:00Z', '2027-01-01'], // New Year in Stockholm, still 2026 in UTC
  ])('at %s is %s', (instant, date) => {
    expect(stockholmDate(new Date(instant))).toBe(date);
  });

  it('is the date Intl formats at every quarter hour of the days around each summer-time change 2024–2027, every hour of 2026, and every 97th hour 1900–2100', () => {
    const differing: string[] = [];
    const check = (ms: number) => {
      // The quarter hour's first instant and the last one of the hour it falls in.
      for (const t of [new Date(ms), new Date(Math.floor(ms / 3_600_000) * 3_600_000 + 3_599_999)]) if (stockholmDate(t) !== stockholmDateByIntl(t)) differing.push(t.toISOString());
    };
    const changes = ['2024-03-31', '2024-10-27', '2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25', '2027-03-28', '2027-10-31'];
    for (const day of changes) for (let ms = Date.parse(`${day}T00:00:00Z`) - 24 * 3_600_000; ms < Date.parse(`${day}T00:00:00Z`) + 48 * 3_600_000; ms += 15 * 60_000) check(ms);
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3_600_000) check(ms);
    for (let ms = Date.UTC(1900, 0, 1); ms < Date.UTC(2100, 0, 1); ms += 97 * 3_600_000) check(ms);
    expect(differing).toEqual([]);
  });

  it('is the date Intl formats at any instant from 1800 to 2200 (before 1900 Stockholm was not a whole hour from UTC)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1800, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
        expect(stockholmDate(new Date(ms))).toBe(stockholmDateByIntl(new Date(ms)));
      }),
      { numRuns: 5_000 },
    );
    // The last seconds of 1899, when Stockholm kept no whole-hour offset in some versions of the tz database.
    expect(stockholmDate(new Date('1899-12-31T22:59:50Z'))).toBe(stockholmDateByIntl(new Date('1899-12-31T22:59:50Z')));
  });

  it('refuses an invalid date as Intl does', () => {
    expect(() => stockholmDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('months and days, the one calendar arithmetic every service and the workflows use', () => {
  it('lists every month a period touches, across a year end, and one month for a period inside it', () => {
    expect(monthsCovered('2025-11-15', '2026-02-01')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsCovered('2026-02-01', '2026-02-28')).toEqual(['2026-02']);
    expect(monthsCovered('2026-03-01', '2026-02-28')).toEqual([]);
  });

  it('knows the last day of February in leap, common and century years, and of December', () => {
    expect(lastDayOfMonth('2024-02')).toBe('2024-02-29');
    expect(lastDayOfMonth('2026-02')).toBe('2026-02-28');
    expect(lastDayOfMonth('1900-02')).toBe('1900-02-28');
    expect(lastDayOfMonth('2000-02')).toBe('2000-02-29');
    expect(lastDayOfMonth('2025-12')).toBe('2025-12-31');
  });

  it('steps months and days across month and year ends, in both directions', () => {
    expect(nextMonth('2025-12')).toBe('2026-01');
    expect(nextMonth('2026-01')).toBe('2026-02');
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(previousMonth('2024-03')).toBe('2024-02');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it("takes a day's start at midnight UTC", () => {
    expect(startOfDayMs('2026-03-29')).toBe(Date.parse('2026-03-29T00:00:00Z'));
  });

  it.each([
    ['2026-01-31T22:59:59Z', '2026-01'], // 23:59:59 CET on the 31st
    ['2026-01-31T23:00:00Z', '2026-02'], // midnight CET: February in Stockholm, January in UTC
    ['2026-06-30T22:00:00Z', '2026-07'], // midnight CEST
  ])('files the instant %s under the Stockholm month %s', (instant, month) => {
    expect(stockholmMonth(new Date(instant))).toBe(month);
  });
});

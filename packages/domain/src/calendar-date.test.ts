import { describe, expect, it } from 'vitest';
import { IsoDate, IsoMonth, addDays, lastDayOfMonth, monthsCovered, nextMonth, previousMonth, startOfDayMs, stockholmDate, stockholmMonth } from './calendar-date.js';

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

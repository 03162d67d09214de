import { describe, expect, it } from 'vitest';
import { IsoDate, IsoMonth } from './calendar-date.js';

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

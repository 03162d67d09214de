import { describe, expect, it } from 'vitest';
import { addDays, lastDayOfMonth, monthsCovered } from './months.js';

describe('calendar arithmetic for journeys', () => {
  it('lists every month a validity period touches, across a year end', () => {
    expect(monthsCovered('2025-11-15', '2026-02-01')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsCovered('2026-02-01', '2026-02-28')).toEqual(['2026-02']);
  });

  it('knows the last day of February in leap and common years', () => {
    expect(lastDayOfMonth('2024-02')).toBe('2024-02-29');
    expect(lastDayOfMonth('2026-02')).toBe('2026-02-28');
  });

  it('steps days across month and year ends, in both directions', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

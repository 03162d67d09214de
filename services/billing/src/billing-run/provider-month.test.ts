import { describe, expect, it } from 'vitest';
import { visitMicros } from './provider-month.js';

describe("a visit's length as the provider pass tallies it for the fee phase", () => {
  it('is exact to the microsecond within a day, as the database stores visit times', () => {
    expect(visitMicros('2026-02-03T07:30:00.000000Z', '2026-02-03T08:07:00.000000Z')).toBe(37 * 60 * 1_000_000);
    expect(visitMicros('2026-02-03T07:30:00.000001Z', '2026-02-03T07:30:01.999999Z')).toBe(1_999_998);
    expect(visitMicros('2026-02-03T00:00:00.000000Z', '2026-02-03T23:59:59.999999Z')).toBe(86_400_000_000 - 1);
  });

  it('crosses midnight, a month end and a year end through the calendar', () => {
    expect(visitMicros('2026-02-03T23:45:00.000000Z', '2026-02-04T00:20:00.000500Z')).toBe(35 * 60 * 1_000_000 + 500);
    expect(visitMicros('2026-02-28T23:50:00.000000Z', '2026-03-01T00:10:00.000000Z')).toBe(20 * 60 * 1_000_000);
    expect(visitMicros('2025-12-31T23:00:00.250000Z', '2026-01-01T01:00:00.000000Z')).toBe(2 * 3600 * 1_000_000 - 250_000);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { divideRoundHalfUp, roundToKronorHalfUp } from './money.js';

describe('money', () => {
  it.each([
    [0, 60, 0],
    [29, 60, 0],
    [30, 60, 1],
    [89, 60, 1],
    [90, 60, 2],
    [205_100, 60, 3_418], // 7 min × 293 SEK/h = 3 418.33 öre
    [87_930, 60, 1_466], // 3 min × 293.10 SEK/h = 1 465.5 öre
  ])('divides %i by %i rounding half up to %i', (n, d, q) => {
    expect(divideRoundHalfUp(n, d)).toBe(q);
  });

  it('rounds to whole kronor half up', () => {
    expect(roundToKronorHalfUp(225_349)).toBe(225_300);
    expect(roundToKronorHalfUp(225_350)).toBe(225_400);
  });

  it('agrees with exact big-integer rounding for any safe numerator (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: 1_000_000 }), (n, d) => {
        const big = (2n * BigInt(n) + BigInt(d)) / (2n * BigInt(d));
        expect(divideRoundHalfUp(n, d)).toBe(Number(big));
      }),
      { numRuns: 1000 },
    );
  });

  it('treats a negative or fractional amount as a broken invariant', () => {
    expect(() => divideRoundHalfUp(-1, 60)).toThrow();
    expect(() => divideRoundHalfUp(1.5, 60)).toThrow();
    expect(() => divideRoundHalfUp(1, 0)).toThrow();
  });
});

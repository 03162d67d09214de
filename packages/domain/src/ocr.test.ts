import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createOcrReference, isValidOcrReference, luhnCheckDigit } from './ocr.js';

describe('OCR references', () => {
  it.each([
    ['12345', '1234574'],
    ['1', '133'],
    ['2025000123', '202500012325'],
  ])('creates %s → %s', (base, ref) => {
    expect(createOcrReference(base)).toBe(ref);
  });

  it('computes the Luhn digit from the rightmost digit', () => {
    expect(luhnCheckDigit('123457')).toBe(4);
    expect(luhnCheckDigit('7992739871')).toBe(3);
  });

  it.each([
    ['1234574', true],
    ['1234575', false], // wrong check digit
    ['1234564', false], // wrong length digit
    ['12345 74', false],
    ['4', false], // shorter than 2 digits
    ['12345678901234567890123456', false], // longer than 25 digits
    ['', false],
  ])('validates %s as %s', (ref, valid) => {
    expect(isValidOcrReference(ref)).toBe(valid);
  });

  it.each(['', 'abc', '123456789012345678901234'])('refuses the base %j with DOMAIN.OCR_INVALID_BASE', (base) => {
    expect(() => createOcrReference(base)).toThrow(expect.objectContaining({ code: 'DOMAIN.OCR_INVALID_BASE' }));
  });

  it('always validates a generated reference of 2–25 digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 23 }), (base) => {
        const ref = createOcrReference(base);
        return ref.startsWith(base) && ref.length === base.length + 2 && isValidOcrReference(ref);
      }),
      { numRuns: 500 },
    );
  });

  it('never validates a reference with any single digit changed', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 23 }),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (base, at, delta) => {
          const ref = createOcrReference(base);
          const i = at % ref.length;
          const changed = `${ref.slice(0, i)}${(Number(ref[i]) + delta) % 10}${ref.slice(i + 1)}`;
          return changed !== ref && !isValidOcrReference(changed);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

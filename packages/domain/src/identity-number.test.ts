import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityCheckDigit, parseIdentityNumber } from './identity-number.js';

describe('identity numbers', () => {
  it('computes the check digit of the worked example 811218-987 as 6', () => {
    expect(identityCheckDigit('811218987')).toBe(6);
  });

  it.each([
    // input, reference date, digits, kind, birth date
    ['811218-9876', '2025-01-01', '198112189876', 'personnummer', '1981-12-18'],
    ['8112189876', '2025-01-01', '198112189876', 'personnummer', '1981-12-18'],
    ['19811218-9876', undefined, '198112189876', 'personnummer', '1981-12-18'],
    ['198112189876', undefined, '198112189876', 'personnummer', '1981-12-18'],
    [' 811218-9876 ', '2025-01-01', '198112189876', 'personnummer', '1981-12-18'],
    ['811218+9876', '2025-01-01', '188112189876', 'personnummer', '1881-12-18'],
    ['701063-2391', '2025-01-01', '197010632391', 'samordningsnummer', '1970-10-03'],
    ['250101-1239', '2025-01-01', '202501011239', 'personnummer', '2025-01-01'],
    ['250101-1239', '2024-12-31', '192501011239', 'personnummer', '1925-01-01'],
    ['240229-1237', '2025-06-01', '202402291237', 'personnummer', '2024-02-29'],
    ['19121212-1212', undefined, '191212121212', 'personnummer', '1912-12-12'],
    ['19121212+1212', '2025-01-01', '191212121212', 'personnummer', '1912-12-12'],
  ] as const)('parses %s (reference %s) as %s', (input, referenceDate, digits, kind, birthDate) => {
    const result = parseIdentityNumber(input, referenceDate ? { referenceDate } : {});
    expect(result).toEqual({ ok: true, value: { digits, kind, birthDate, formatted: `${digits.slice(0, 8)}-${digits.slice(8)}` } });
  });

  it.each([
    ['811218-9875', '2025-01-01', 'DOMAIN.IDENTITY_NUMBER_CHECK_DIGIT'],
    ['81121-9876', '2025-01-01', 'DOMAIN.IDENTITY_NUMBER_FORMAT'],
    ['811218_9876', '2025-01-01', 'DOMAIN.IDENTITY_NUMBER_FORMAT'],
    ['8112189876x', '2025-01-01', 'DOMAIN.IDENTITY_NUMBER_FORMAT'],
    ['', '2025-01-01', 'DOMAIN.IDENTITY_NUMBER_FORMAT'],
    ['811218-9876', undefined, 'DOMAIN.IDENTITY_NUMBER_REFERENCE_DATE_REQUIRED'],
    ['251301-1235', '2026-01-01', 'DOMAIN.IDENTITY_NUMBER_DATE'],
    ['200230-1238', '2025-01-01', 'DOMAIN.IDENTITY_NUMBER_DATE'],
    ['230229-1238', '2025-01-01', 'DOMAIN.IDENTITY_NUMBER_DATE'],
    ['19811218-9876', '1980-01-01', 'DOMAIN.IDENTITY_NUMBER_BIRTH_AFTER_REFERENCE'],
    ['811218-9876', '2025-13-01', 'DOMAIN.INVALID_DATE'],
  ] as const)('refuses %s (reference %s) with %s', (input, referenceDate, code) => {
    const result = parseIdentityNumber(input, referenceDate ? { referenceDate } : {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('takes the century from 12 digits even when the separator says otherwise', () => {
    const result = parseIdentityNumber('19811218+9876', { referenceDate: '2025-01-01' });
    expect(result.ok && result.value.birthDate).toBe('1981-12-18');
  });
});

describe('the century of a 10-digit identity number follows its separator (DOMAIN.md §1)', () => {
  /** The 10-digit written form of a birth date with birth number 123, as it is written in `year`. */
  function tenDigits(birthDate: string, writtenInYear: number): string {
    const yymmdd = birthDate.slice(2, 4) + birthDate.slice(5, 7) + birthDate.slice(8, 10);
    const separator = writtenInYear - Number(birthDate.slice(0, 4)) >= 100 ? '+' : '-';
    return `${yymmdd}${separator}123${identityCheckDigit(`${yymmdd}123`)}`;
  }
  const day = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

  it('reads back the birth date of anyone under 200 from the form written on any later day', () => {
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [birthDate, reference] = a <= b ? [a, b] : [b, a];
        fc.pre(Number(reference.slice(0, 4)) - Number(birthDate.slice(0, 4)) < 200);
        const parsed = parseIdentityNumber(tenDigits(birthDate, Number(reference.slice(0, 4))), { referenceDate: reference });
        expect(parsed.ok && parsed.value.birthDate).toBe(birthDate);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reads a 10-digit number as a birth after the reference date, nor as 200 years or more before it', () => {
    fc.assert(
      fc.property(day, day, fc.constantFrom('-', '+'), (birth, reference, separator) => {
        const yymmdd = birth.slice(2, 4) + birth.slice(5, 7) + birth.slice(8, 10);
        const parsed = parseIdentityNumber(`${yymmdd}${separator}123${identityCheckDigit(`${yymmdd}123`)}`, { referenceDate: reference });
        if (!parsed.ok) return;
        expect(parsed.value.birthDate <= reference).toBe(true);
        const age = Number(reference.slice(0, 4)) - Number(parsed.value.birthDate.slice(0, 4));
        expect(separator === '+' ? age >= 100 && age < 200 : age >= 0 && age < 100).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a + number of someone who turns 100 later this year as born 100 years ago', () => {
    const result = parseIdentityNumber(tenDigits('1926-12-31', 2026), { referenceDate: '2026-12-07' });
    expect(tenDigits('1926-12-31', 2026)).toMatch(/^261231\+/);
    expect(result.ok && result.value.birthDate).toBe('1926-12-31');
  });

  it('refuses a - number of that same person: in their hundredth year the separator is already +', () => {
    const result = parseIdentityNumber(`261231-123${identityCheckDigit('261231123')}`, { referenceDate: '2026-12-07' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('DOMAIN.IDENTITY_NUMBER_BIRTH_AFTER_REFERENCE');
  });
});

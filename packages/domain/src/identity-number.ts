import { DomainError, type Result } from './errors.js';
import { IsoDate, dateFromParts } from './calendar-date.js';

/**
 * A validated Swedish identity number, normalised to 12 digits (century included).
 * Sensitive personal data (DOMAIN.md §1): only the decisions service stores it.
 */
export type IdentityNumber = {
  /** All 12 digits, `YYYYMMDDNNNC`, no separator. */
  digits: string;
  /** Samordningsnummer have 60 added to the day of birth (Folkbokföringslagen 18 a §). */
  kind: 'personnummer' | 'samordningsnummer';
  /** Date of birth `YYYY-MM-DD` (for a samordningsnummer, the day with 60 taken off). */
  birthDate: string;
  /** The usual written form, `YYYYMMDD-NNNC`. */
  formatted: string;
};

/** Options for {@link parseIdentityNumber}. */
export type ParseIdentityNumberOptions = {
  /**
   * `YYYY-MM-DD`, the day the number was given. Needed for 10-digit input to infer the century;
   * for 12-digit input it only rejects a birth date after it.
   */
  referenceDate?: string;
};

const SHAPE = /^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$/;

/**
 * Luhn check digit over the 9 digits YYMMDDNNN: weights 2,1,2,1… from the left, digit sums of
 * the products, `(10 − sum mod 10) mod 10` (Skatteverket SKV 704; DOMAIN.md §1).
 *
 * @example identityCheckDigit('811218987') // 6
 */
export function identityCheckDigit(nineDigits: string): number {
  if (!/^\d{9}$/.test(nineDigits)) throw new Error('identityCheckDigit needs exactly 9 digits');
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const product = Number(nineDigits[i]) * (i % 2 === 0 ? 2 : 1);
    sum += product > 9 ? product - 9 : product;
  }
  return (10 - (sum % 10)) % 10;
}

function fail(code: ConstructorParameters<typeof DomainError>[0], message: string, details?: Record<string, unknown>): Result<IdentityNumber> {
  return { ok: false, error: new DomainError(code, message, details) };
}

/**
 * Parses a personnummer or samordningsnummer given with 10 digits (`YYMMDD-NNNC`,
 * `YYMMDD+NNNC`, `YYMMDDNNNC`) or 12 digits (`YYYYMMDD-NNNC`, `YYYYMMDDNNNC`), validates the
 * check digit and the date, and normalises it to 12 digits.
 *
 * For 10 digits the separator gives the century (Folkbokföringslagen 18 §; DOMAIN.md §1): it is `+`
 * from the year the person turns 100, so `-` (or none) is the latest year ending in YY that is not
 * after the reference year, and `+` the latest that is not after the reference year − 100. With 12 digits the separator is ignored: the century is given
 * (DOMAIN.md §1, never infer it from the separator).
 *
 * Refusals are values with codes `DOMAIN.IDENTITY_NUMBER_FORMAT`, `…_CHECK_DIGIT`, `…_DATE`,
 * `…_REFERENCE_DATE_REQUIRED`, `…_BIRTH_AFTER_REFERENCE`, and `DOMAIN.INVALID_DATE` for a bad
 * reference date.
 *
 * @example
 * ```ts
 * parseIdentityNumber('811218-9876', { referenceDate: '2025-01-01' })
 * // { ok: true, value: { digits: '198112189876', kind: 'personnummer', birthDate: '1981-12-18', … } }
 * ```
 */
export function parseIdentityNumber(input: string, opts: ParseIdentityNumberOptions = {}): Result<IdentityNumber> {
  if (typeof input !== 'string') return fail('DOMAIN.IDENTITY_NUMBER_FORMAT', 'An identity number must be a string.');
  const trimmed = input.trim();
  const match = SHAPE.exec(trimmed);
  if (!match) {
    return fail('DOMAIN.IDENTITY_NUMBER_FORMAT', 'Expected 10 digits (YYMMDD-NNNC, + from age 100) or 12 digits (YYYYMMDD-NNNC).', {
      length: trimmed.length,
    });
  }
  const [, century, yy, mm, dd, separator, birthNumber, check] = match as unknown as [string, string | undefined, string, string, string, string, string, string];

  const reference = opts.referenceDate;
  if (reference !== undefined && !IsoDate.safeParse(reference).success) {
    return fail('DOMAIN.INVALID_DATE', 'referenceDate must be YYYY-MM-DD.', { referenceDate: reference });
  }
  if (century === undefined && reference === undefined) {
    return fail('DOMAIN.IDENTITY_NUMBER_REFERENCE_DATE_REQUIRED', 'A 10-digit identity number needs a reference date to infer the century.');
  }

  const expected = identityCheckDigit(`${yy}${mm}${dd}${birthNumber}`);
  if (expected !== Number(check)) {
    return fail('DOMAIN.IDENTITY_NUMBER_CHECK_DIGIT', 'The check digit does not match.');
  }

  const month = Number(mm);
  const rawDay = Number(dd);
  // Samordningsnummer: day of birth + 60 (Folkbokföringslagen 18 a §).
  const kind = rawDay > 60 ? 'samordningsnummer' : 'personnummer';
  const day = kind === 'samordningsnummer' ? rawDay - 60 : rawDay;

  let year: number;
  if (century !== undefined) {
    year = Number(`${century}${yy}`);
  } else {
    // The separator turns to `+` on 1 January of the year the person turns 100, not on the
    // birthday: `-` is the latest year ending in YY not after the reference year, `+` the latest
    // not after the reference year − 100. A `-` number whose date falls later in the reference
    // year is then a birth after the reference date, refused below, never silently a century older.
    const refYear = Number((reference as string).slice(0, 4));
    const latestYear = separator === '+' ? refYear - 100 : refYear;
    year = latestYear - ((((latestYear - Number(yy)) % 100) + 100) % 100);
  }

  const birthDate = dateFromParts(year, month, day);
  if (birthDate === null) {
    return fail('DOMAIN.IDENTITY_NUMBER_DATE', 'The digits do not form a date of birth.', { kind });
  }
  if (reference !== undefined && birthDate > reference) {
    return fail('DOMAIN.IDENTITY_NUMBER_BIRTH_AFTER_REFERENCE', 'The date of birth is after the reference date.');
  }

  const yyyy = String(year).padStart(4, '0');
  const digits = `${yyyy}${mm}${dd}${birthNumber}${check}`;
  return { ok: true, value: { digits, kind, birthDate, formatted: `${digits.slice(0, 8)}-${digits.slice(8)}` } };
}

/** True when `input` parses as a valid identity number (see {@link parseIdentityNumber}). */
export function isValidIdentityNumber(input: string, opts: ParseIdentityNumberOptions = {}): boolean {
  return parseIdentityNumber(input, opts).ok;
}

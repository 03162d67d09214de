import { DomainError } from './errors.js';

/**
 * Luhn (modulus 10) check digit over a digit string, weights 2,1,2,1… from the rightmost digit,
 * as Bankgirot prescribes for OCR references.
 */
export function luhnCheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new Error('luhnCheckDigit needs digits');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i]);
    const product = i % 2 === 0 ? digit * 2 : digit;
    sum += product > 9 ? product - 9 : product;
  }
  return (10 - (sum % 10)) % 10;
}

/** Shortest OCR reference, check and length digits included (Bankgirot; DOMAIN.md §6). */
export const OCR_MIN_LENGTH = 2;
/** Longest OCR reference (Bankgirot; DOMAIN.md §6). */
export const OCR_MAX_LENGTH = 25;

/**
 * An OCR reference from a base of digits: base + length digit ((total length) mod 10) + Luhn check
 * digit over everything before it (Bankgirot, variable length with length digit; DOMAIN.md §6).
 * Throws `DOMAIN.OCR_INVALID_BASE` unless the base is 1–23 digits.
 *
 * @example createOcrReference('12345') // '1234574'
 */
export function createOcrReference(base: string): string {
  if (typeof base !== 'string' || !/^\d{1,23}$/.test(base)) {
    throw new DomainError('DOMAIN.OCR_INVALID_BASE', 'An OCR base must be 1–23 digits.', { length: typeof base === 'string' ? base.length : null });
  }
  const withLength = `${base}${(base.length + 2) % 10}`;
  return `${withLength}${luhnCheckDigit(withLength)}`;
}

/**
 * True when `ref` is 2–25 digits whose second-last digit is the length digit and last digit the
 * Luhn check digit (Bankgirot; DOMAIN.md §6).
 */
export function isValidOcrReference(ref: string): boolean {
  if (typeof ref !== 'string' || !/^\d+$/.test(ref) || ref.length < OCR_MIN_LENGTH || ref.length > OCR_MAX_LENGTH) return false;
  const lengthDigit = Number(ref[ref.length - 2]);
  if (lengthDigit !== ref.length % 10) return false;
  return luhnCheckDigit(ref.slice(0, -1)) === Number(ref[ref.length - 1]);
}

import { DomainError } from './errors.js';

/** Öre per krona. Money is integer öre everywhere inside Kundval (DOMAIN.md, intro). */
export const ORE_PER_KRONA = 100;

/** Throws when `value` is not a non-negative safe integer: such a number cannot be an amount in öre. */
export function assertOre(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DomainError('DOMAIN.AMOUNT_NOT_SAFE_INTEGER', `${what} must be a non-negative safe integer (öre), got ${value}.`, {
      what,
      value,
    });
  }
}

/**
 * `numerator / denominator` rounded half up, for non-negative safe integers.
 * Exact integer arithmetic (no floating point), so the result never drifts by an öre.
 *
 * @example divideRoundHalfUp(7 * 29_300, 60) // 34_183 (34 183.33 öre)
 */
export function divideRoundHalfUp(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || numerator < 0) throw new Error(`numerator must be a non-negative safe integer: ${numerator}`);
  if (!Number.isSafeInteger(denominator) || denominator <= 0) throw new Error(`denominator must be a positive safe integer: ${denominator}`);
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  return remainder * 2 >= denominator ? quotient + 1 : quotient;
}

/** An amount in öre rounded half up to whole kronor (still in öre). */
export function roundToKronorHalfUp(ore: number): number {
  return divideRoundHalfUp(ore, ORE_PER_KRONA) * ORE_PER_KRONA;
}

/** `a × b`, throwing when the product leaves the safe-integer range (a broken invariant, never a wrong amount). */
export function multiplySafe(a: number, b: number): number {
  const product = a * b;
  if (!Number.isSafeInteger(product)) throw new Error(`amount overflow: ${a} × ${b}`);
  return product;
}

/** Sum of amounts in öre, throwing when the sum leaves the safe-integer range. */
export function sumOre(amounts: readonly number[]): number {
  let total = 0;
  for (const amount of amounts) {
    total += amount;
    if (!Number.isSafeInteger(total)) throw new Error('amount overflow in sum');
  }
  return total;
}

import { z } from 'zod';
import { luhnCheckDigit } from '@kundval/domain';

/**
 * A Bankgiro number as the payment file carries it: 7 or 8 digits, the last a Luhn (mod 10) check
 * digit over the others (Bankgirot). Written as `5050-1055` on invoices; the hyphen is dropped here
 * so that what is stored and what reaches the bank are the same digits.
 */
export const Bankgiro = z
  .string()
  .trim()
  .regex(/^\d{3,4}-?\d{4}$/, 'expected a Bankgiro number: 7–8 digits, e.g. 5050-1055')
  .transform((s) => s.replace('-', ''))
  .refine((digits) => luhnCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1)), 'the Bankgiro check digit does not match');
export type Bankgiro = z.infer<typeof Bankgiro>;

/** A Swedish IBAN (SE + 22 digits, ISO 13616 mod-97 check): the municipality's own account, debited. */
export const SwedishIban = z
  .string()
  .transform((s) => s.replace(/\s+/g, '').toUpperCase())
  .pipe(z.string().regex(/^SE\d{22}$/, 'expected a Swedish IBAN: SE and 22 digits'))
  .refine(ibanChecksumHolds, 'the IBAN check digits do not match');

/** A BIC of 8 or 11 characters (ISO 9362), the pattern the pain.001.001.03 schema imposes. */
export const Bic = z.string().regex(/^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/, 'expected a BIC, e.g. ESSESESS');

function ibanChecksumHolds(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const numeric = rearranged.replace(/[A-Z]/g, (ch) => String(ch.charCodeAt(0) - 55));
  // Piecewise mod 97: the number is far beyond 2^53.
  let rest = 0;
  for (const digit of numeric) rest = (rest * 10 + Number(digit)) % 97;
  return rest === 1;
}

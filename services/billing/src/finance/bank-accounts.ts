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

/**
 * A Plusgiro number (PlusGirot, Nordea): 2–8 digits, the last a Luhn (mod 10) check digit over the
 * others, written with spaces and a hyphen before the check digit (`4 10 54-1`); stored as digits.
 */
export const Plusgiro = z
  .string()
  .trim()
  .regex(/^[\d ]{1,10}-?\d$/, 'expected a Plusgiro number: 2–8 digits, e.g. 410541-1')
  .transform((s) => s.replace(/[\s-]/g, ''))
  .refine((digits) => digits.length >= 2 && digits.length <= 8, 'a Plusgiro number has 2–8 digits')
  .refine((digits) => luhnCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1)), 'the Plusgiro check digit does not match');
export type Plusgiro = z.infer<typeof Plusgiro>;

/**
 * An IBAN of any country (ISO 13616): two letters, two check digits, up to 30 letters or digits,
 * the mod-97 check holding; written in groups of four on paper, stored without spaces.
 */
export const Iban = z
  .string()
  .transform((s) => s.replace(/\s+/g, '').toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, 'expected an IBAN: country code, two check digits, the account (e.g. SE45 5000 0000 0583 9825 7466)'))
  .refine(ibanChecksumHolds, 'the IBAN check digits do not match');

/** A Swedish IBAN (SE + 22 digits, ISO 13616 mod-97 check): the municipality's own account, debited. */
export const SwedishIban = z
  .string()
  .transform((s) => s.replace(/\s+/g, '').toUpperCase())
  .pipe(z.string().regex(/^SE\d{22}$/, 'expected a Swedish IBAN: SE and 22 digits'))
  .refine(ibanChecksumHolds, 'the IBAN check digits do not match');

/** A BIC of 8 or 11 characters (ISO 9362), the pattern the pain.001.001.03 schema imposes. */
export const Bic = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/, 'expected a BIC, e.g. ESSESESS'));

function ibanChecksumHolds(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const numeric = rearranged.replace(/[A-Z]/g, (ch) => String(ch.charCodeAt(0) - 55));
  // Piecewise mod 97: the number is far beyond 2^53.
  let rest = 0;
  for (const digit of numeric) rest = (rest * 10 + Number(digit)) % 97;
  return rest === 1;
}

/**
 * Where a provider is paid: a Bankgiro or Plusgiro number (the giro systems route the payment), or
 * an account by IBAN with its bank's BIC. The shape the payment file and the batches store.
 */
export const PayeeAccount = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bankgiro'), number: Bankgiro }),
  z.object({ kind: z.literal('plusgiro'), number: Plusgiro }),
  z.object({ kind: z.literal('iban'), number: Iban, bic: Bic }),
]);
export type PayeeAccount = z.infer<typeof PayeeAccount>;

/** A payee account from its stored columns (already validated when it was registered). */
export function payeeAccountOf(row: { account_kind: string; account_number: string; bic: string | null }): PayeeAccount {
  return PayeeAccount.parse({ kind: row.account_kind, number: row.account_number, ...(row.bic ? { bic: row.bic } : {}) });
}

/** A Swedish organisation number (NNNNNN-NNNN), the last digit a Luhn check digit over the other nine (Bolagsverket). */
export const OrganisationNumber = z
  .string()
  .trim()
  .regex(/^\d{6}-?\d{4}$/, 'expected an organisation number: NNNNNN-NNNN')
  .transform((s) => `${s.replace('-', '').slice(0, 6)}-${s.replace('-', '').slice(6)}`)
  .refine((s) => luhnCheckDigit(s.replace('-', '').slice(0, 9)) === Number(s.slice(-1)), 'the organisation number check digit does not match');

import { randomInt } from 'node:crypto';
import { identityCheckDigit } from '@kundval/domain';

/** A valid personnummer (YYMMDD-NNNC) for a birth date and birth number, for test customers. */
export function testIdentityNumber(birthDate: string, birthNumber: number): string {
  const nine = `${birthDate.slice(2, 4)}${birthDate.slice(5, 7)}${birthDate.slice(8, 10)}${String(birthNumber).padStart(3, '0')}`;
  return `${nine.slice(0, 6)}-${nine.slice(6)}${identityCheckDigit(nine)}`;
}

/**
 * A fresh valid personnummer of someone born in the given year (a random day and birth number),
 * so that journeys of one run, or of repeated demo runs, practically never share a customer.
 */
export function nextIdentityNumber(birthYear = 1938): string {
  const date = new Date(Date.UTC(birthYear, 0, 1) + randomInt(0, 365) * 86_400_000).toISOString().slice(0, 10);
  return testIdentityNumber(date, randomInt(0, 1000));
}

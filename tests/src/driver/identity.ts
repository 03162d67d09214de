import { identityCheckDigit } from '@kundval/domain';

/** A valid personnummer (YYMMDD-NNNC) for a birth date and birth number, for test customers. */
export function testIdentityNumber(birthDate: string, birthNumber: number): string {
  const nine = `${birthDate.slice(2, 4)}${birthDate.slice(5, 7)}${birthDate.slice(8, 10)}${String(birthNumber).padStart(3, '0')}`;
  return `${nine.slice(0, 6)}-${nine.slice(6)}${identityCheckDigit(nine)}`;
}

let serial = 0;
/** A fresh valid personnummer on each call, so journeys in one run never share a customer. */
export function nextIdentityNumber(birthDate = '1938-04-12'): string {
  serial = (serial + 1) % 1000;
  return testIdentityNumber(birthDate, (Date.now() + serial) % 1000);
}

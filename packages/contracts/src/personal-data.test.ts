import { describe, expect, it } from 'vitest';
import { FreeText, MASKED_IDENTITY_NUMBER as M, scrubIdentityNumbers } from './personal-data.js';

describe('identity numbers in free text', () => {
  it.each([
    ['Kunden 19811218-9876 bor utanför området', `Kunden ${M} bor utanför området`],
    ['Kunden 811218-9876 bor utanför området', `Kunden ${M} bor utanför området`],
    ['pnr 198112189876.', `pnr ${M}.`],
    ['pnr 8112189876, ring', `pnr ${M}, ring`],
    ['born 1912: 121212+1212', `born 1912: ${M}`],
    ['samordningsnummer 701063-2391', `samordningsnummer ${M}`],
    ['811218 9876 och 19701063-2391', `${M} och ${M}`],
  ])('masks %j', (text, masked) => {
    expect(scrubIdentityNumbers(text)).toBe(masked);
  });

  it.each([
    'Fullt: 12 platser av 12 belagda sedan 2026-11-01',
    'Ring 070-123 45 67 eller 08-718 80 00',
    'Order 3f2c9a10-8d7e-4c55-9f59-0b1f6c0f1d2e',
    'Belopp 1234567890 öre', // month 56 is no month
    // UUIDs whose digit-only groups are shaped like a number (one failed a CI run as a task id)
    'acceptance-overdue:f75da57a-0a96-46db-bb07-652603099260',
    'journey 19121212-1212-4c55-9f59-0b1f6c0f1d2e started',
  ])('leaves %j as it is', (text) => {
    expect(scrubIdentityNumbers(text)).toBe(text);
  });

  it('masks a number written next to a UUID, not the UUID', () => {
    expect(scrubIdentityNumbers('task f75da57a-0a96-46db-bb07-652603099260: kund 19811218-9876')).toBe(
      `task f75da57a-0a96-46db-bb07-652603099260: kund ${M}`,
    );
  });

  it('masks, trims and bounds a free-text field at the schema edge', () => {
    expect(FreeText(100).parse('  Kund 811218-9876 ')).toBe(`Kund ${M}`);
    expect(FreeText(5).safeParse('för lång text').success).toBe(false);
    expect(FreeText(5).safeParse('   ').success).toBe(false);
  });
});

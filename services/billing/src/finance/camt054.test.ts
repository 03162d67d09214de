import { describe, expect, it } from 'vitest';
import { parseCamt054 } from './camt054.js';
import { camt054Xml, validateAgainst } from './test-support/bank-files.js';

const notification = camt054Xml({
  messageId: 'CAMT054-20250627-000118',
  entries: [
    {
      amount: '3125.50',
      bookingDate: '2025-06-27',
      reference: 'BG-0627-000001',
      transactions: [
        { amount: '1250.00', ocr: '1000012 34', payer: 'Anna Andersson', reference: 'BG-0627-000001-1' },
        { amount: '1875.50', text: 'Avgift juni', payer: 'Bo Berg', reference: 'BG-0627-000001-2' },
      ],
    },
    { amount: '42.00', bookingDate: '2025-06-27', reference: 'BG-0627-000002' },
    { amount: '99.00', indicator: 'DBIT', bookingDate: '2025-06-27', reference: 'BG-0627-000003' },
    { amount: '10.00', status: 'PDNG', bookingDate: '2025-06-28', reference: 'BG-0628-000004' },
  ],
});

describe('camt.054 notifications of incoming payments', () => {
  it('a notification as a Swedish bank sends it is valid against the official camt.054.001.02 schema', async () => {
    expect(await validateAgainst('camt.054.001.02', notification)).toEqual({ valid: true, errors: [] });
  });

  it('reads each booked credit transaction as a payment in öre with its OCR reference; debits and pending entries are left', () => {
    expect(parseCamt054(notification)).toEqual({
      format: 'camt054',
      fileReference: 'CAMT054-20250627-000118',
      skippedEntries: 2,
      payments: [
        { position: 'body.BkToCstmrDbtCdtNtfctn.Ntfctn.0.Ntry.0.NtryDtls.TxDtls.0', kind: 'payment', bankReference: 'BG-0627-000001-1', reference: '100001234', amountOre: 125_000, paymentDate: '2025-06-27', payerName: 'Anna Andersson', information: null },
        { position: 'body.BkToCstmrDbtCdtNtfctn.Ntfctn.0.Ntry.0.NtryDtls.TxDtls.1', kind: 'payment', bankReference: 'BG-0627-000001-2', reference: null, amountOre: 187_550, paymentDate: '2025-06-27', payerName: 'Bo Berg', information: 'Avgift juni' },
        { position: 'body.BkToCstmrDbtCdtNtfctn.Ntfctn.0.Ntry.1', kind: 'payment', bankReference: 'BG-0627-000002', reference: null, amountOre: 4_200, paymentDate: '2025-06-27', payerName: null, information: null },
      ],
    });
  });

  it('refuses an entry whose transactions do not add up to it, and another currency, naming the element', () => {
    const broken = camt054Xml({ messageId: 'M', entries: [{ amount: '100.00', bookingDate: '2025-06-27', transactions: [{ amount: '60.00' }, { amount: '30.00' }] }] });
    expect(() => parseCamt054(broken)).toThrow("The entry's amount is 10000 öre but its transactions sum to 9000 öre.");
    const euro = camt054Xml({ messageId: 'M', entries: [{ amount: '100.00', bookingDate: '2025-06-27' }] }).replace('Ccy="SEK"', 'Ccy="EUR"');
    expect(() => parseCamt054(euro)).toThrow('The currency is EUR, not SEK.');
    const threeDecimals = camt054Xml({ messageId: 'M', entries: [{ amount: '100.005', bookingDate: '2025-06-27' }] });
    expect(() => parseCamt054(threeDecimals)).toThrow('"100.005" is not an amount in kronor with at most two decimals.');
  });
});

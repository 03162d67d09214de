import { describe, expect, it } from 'vitest';
import { BgMaxError, parseBgMax } from './bgmax.js';
import { bgmax } from './test-support/bank-files.js';

// Two deposits of a day to the municipality's Bankgiro 5678-1234, as Bankgirot delivers them.
const file = [
  bgmax.start('20250627061503123456'),
  bgmax.opening('56781234'),
  bgmax.payment({ sender: '9912346', reference: '100001234', ore: 125_000, serial: '250627000101' }),
  bgmax.name('ANNA ANDERSSON'),
  bgmax.address('STORGATAN 1', '13130'),
  bgmax.town('NACKA'),
  bgmax.payerId('194512129999'),
  bgmax.payment({ reference: '5555555555555', ore: 30_000, referenceCode: '5', channel: '3', serial: '250627000102' }),
  bgmax.information('AVGIFT MAJ MAMMA'),
  bgmax.deposit({ account: '33001234567', date: '20250627', serial: '1', ore: 155_000, count: 2 }),
  bgmax.opening('56781234'),
  bgmax.payment({ reference: '', ore: 9_900, referenceCode: '0', serial: '250627000201' }),
  bgmax.payment({ reference: '100001234', ore: 2_500, serial: '250627000202' }, '21'),
  bgmax.deposit({ account: '33001234567', date: '20250627', serial: '2', ore: 7_400, count: 2 }),
  bgmax.end({ payments: 3, deductions: 1, deposits: 2 }),
].join('\r\n');

describe('BgMax files from Bankgirot', () => {
  it('reads payments with OCR reference, amount in öre, payer name and information; addresses and identity numbers are not kept', () => {
    expect(parseBgMax(file)).toEqual({
      format: 'bgmax',
      fileReference: '20250627061503123456',
      receivingBankgiro: ['56781234', '56781234'],
      test: false,
      payments: [
        { position: 'line 3', kind: 'payment', bankReference: '250627000101', reference: '100001234', amountOre: 125_000, paymentDate: '2025-06-27', payerName: 'ANNA ANDERSSON', information: null },
        { position: 'line 8', kind: 'payment', bankReference: '250627000102', reference: '5555555555555', amountOre: 30_000, paymentDate: '2025-06-27', payerName: null, information: 'AVGIFT MAJ MAMMA' },
        { position: 'line 12', kind: 'payment', bankReference: '250627000201', reference: null, amountOre: 9_900, paymentDate: '2025-06-27', payerName: null, information: null },
        { position: 'line 13', kind: 'deduction', bankReference: '250627000202', reference: '100001234', amountOre: 2_500, paymentDate: '2025-06-27', payerName: null, information: null },
      ],
    });
    expect(JSON.stringify(parseBgMax(file))).not.toContain('194512129999');
  });

  it('reads records whose trailing blanks were cut off, and a test file as a test', () => {
    const trimmed = file.split('\r\n').map((l) => l.trimEnd()).join('\n');
    expect(parseBgMax(trimmed).payments.map((p) => p.amountOre)).toEqual([125_000, 30_000, 9_900, 2_500]);
    expect(parseBgMax(file.replace('20250627061503123456P', '20250627061503123456T')).test).toBe(true);
  });

  const refusal = (content: string) => {
    try {
      parseBgMax(content);
      return null;
    } catch (err) {
      return err instanceof BgMaxError ? err.message : String(err);
    }
  };
  const lines = file.split('\r\n');
  const withLine = (n: number, replacement: string) => lines.map((l, i) => (i === n - 1 ? replacement : l)).join('\r\n');

  it('refuses a malformed payment line, naming the line and the field', () => {
    const amount = lines[2]!.slice(0, 37) + '0000000001250O0' + lines[2]!.slice(52);
    expect(refusal(withLine(3, amount))).toBe('line 3: the amount (positions 38–55) must be digits, not "0000000001250O0000"');
    expect(refusal(withLine(3, `${lines[2]!}X`))).toBe('line 3: a record is 80 characters, this one 81');
    expect(refusal(withLine(5, `99${lines[4]!.slice(2)}`))).toBe('line 5: unknown record type "99"');
  });

  it('refuses a file whose totals do not agree with its records', () => {
    expect(refusal(withLine(10, bgmax.deposit({ account: '33001234567', date: '20250627', serial: '1', ore: 155_001, count: 2 })))).toBe("line 10: the deposit amount 155001 öre is not the section's sum 155000 öre");
    expect(refusal(withLine(15, bgmax.end({ payments: 4, deductions: 1, deposits: 2 })))).toBe('line 15: the end record counts 4 TK20 records, the file has 3');
    expect(refusal(lines.slice(0, 14).join('\r\n'))).toBe('line 14: the file has no end record TK70');
    expect(refusal(lines.slice(1).join('\r\n'))).toBe('line 1: the file must begin with a start record TK01, not TK05');
    expect(refusal(withLine(1, bgmax.start('20250627061503123456').replace('BGMAX', 'BGMIN')))).toBe('line 1: the layout name is "BGMIN", not BGMAX');
    expect(refusal([lines[0], lines[1], lines[3]].join('\n'))).toBe('line 3: record TK26 must follow a payment record TK20 or TK21');
    expect(refusal(withLine(10, bgmax.deposit({ account: '33001234567', date: '20250231', serial: '1', ore: 155_000, count: 2 })))).toBe('line 10: the payment date 20250231 is not a date');
  });
});

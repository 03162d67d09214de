import { describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import { ZodError } from 'zod';
import { buildPain001, type Pain001Input } from './pain001.js';
import { controlTotalProblems, validateAgainstXsd } from './test-support/pain001-checks.js';

const city = { name: 'Demo kommun', iban: 'SE45 5000 0000 0583 9825 7466', bic: 'ESSESESS' };
const otherAccount = { name: 'Demo kommun', iban: 'SE3550000000054910000003', bic: 'ESSESESS' };

function input(overrides: Partial<Pain001Input> = {}): Pain001Input {
  return {
    messageId: 'KV0123456789abcdef0123456789ab',
    createdAt: new Date('2025-02-03T08:15:30.123Z'),
    initiatingParty: { name: 'Demo kommun', id: '2120000001' },
    payments: [
      { endToEndId: 'e2e-1', debtor: city, executionDate: '2025-02-05', amountOre: 1_234_550, creditor: { name: 'Omsorg AB', bankgiro: '5050-1055' }, remittance: { kind: 'text', text: 'Kundval 2025-01 order 7' } },
      { endToEndId: 'e2e-2', debtor: city, executionDate: '2025-02-05', amountOre: 99, creditor: { name: 'Hemtjänst Åkesson', bankgiro: '9020900' }, remittance: { kind: 'ocr', reference: '1234574' } },
      { endToEndId: 'e2e-3', debtor: city, executionDate: '2025-02-06', amountOre: 10_000, creditor: { name: 'Vård Öst', bankgiro: '1234566' }, remittance: { kind: 'text', text: 'Kundval 2025-01' } },
      { endToEndId: 'e2e-4', debtor: otherAccount, executionDate: '2025-02-05', amountOre: 5, creditor: { name: 'Vård Öst', bankgiro: '1234566' }, remittance: { kind: 'text', text: 'Kundval 2025-01' } },
    ],
    ...overrides,
  };
}

type Node = Record<string, unknown>;
const read = (xml: string) => ((create(xml).end({ format: 'object' }) as Node)['Document'] as Node)['CstmrCdtTrfInitn'] as Node;
const asList = (v: unknown) => (Array.isArray(v) ? v : [v]) as Node[];

describe('buildPain001', () => {
  it('writes a credit transfer file that the official pain.001.001.03 schema accepts', async () => {
    const result = await validateAgainstXsd(buildPain001(input()));
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('makes one PmtInf per debtor account and execution date, each with its own count and control sum', () => {
    const xml = buildPain001(input());
    const doc = read(xml);
    const groups = asList(doc['PmtInf']).map((p) => ({
      id: p['PmtInfId'],
      date: p['ReqdExctnDt'],
      iban: ((p['DbtrAcct'] as Node)['Id'] as Node)['IBAN'],
      count: p['NbOfTxs'],
      sum: p['CtrlSum'],
    }));
    expect(groups).toEqual([
      { id: 'KV0123456789abcdef0123456789ab-1', date: '2025-02-05', iban: 'SE4550000000058398257466', count: '2', sum: '12346.49' },
      { id: 'KV0123456789abcdef0123456789ab-2', date: '2025-02-06', iban: 'SE4550000000058398257466', count: '1', sum: '100.00' },
      { id: 'KV0123456789abcdef0123456789ab-3', date: '2025-02-05', iban: 'SE3550000000054910000003', count: '1', sum: '0.05' },
    ]);
    expect(doc['GrpHdr']).toMatchObject({ MsgId: 'KV0123456789abcdef0123456789ab', CreDtTm: '2025-02-03T08:15:30Z', NbOfTxs: '4', CtrlSum: '12446.54' });
    expect(controlTotalProblems(xml)).toEqual([]);
  });

  it('pays a Bankgiro number in SEK with the amount in kronor and two decimals, through Bankgirot (SESBA 9900)', () => {
    const first = asList(asList(read(buildPain001(input()))['PmtInf'])[0]!['CdtTrfTxInf'])[0]!;
    expect(first).toEqual({
      PmtId: { EndToEndId: 'e2e-1' },
      Amt: { InstdAmt: { '@Ccy': 'SEK', '#': '12345.50' } },
      CdtrAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'SESBA' }, MmbId: '9900' } } },
      Cdtr: { Nm: 'Omsorg AB' },
      CdtrAcct: { Id: { Othr: { Id: '50501055', SchmeNm: { Prtry: 'BGNR' } } } },
      RmtInf: { Ustrd: 'Kundval 2025-01 order 7' },
    });
  });

  it('carries an OCR reference as structured remittance of type SCOR', () => {
    const second = asList(asList(read(buildPain001(input()))['PmtInf'])[0]!['CdtTrfTxInf'])[1]!;
    expect(second['RmtInf']).toEqual({ Strd: { CdtrRefInf: { Tp: { CdOrPrtry: { Cd: 'SCOR' } }, Ref: '1234574' } } });
    expect(second['Amt']).toEqual({ InstdAmt: { '@Ccy': 'SEK', '#': '0.99' } });
  });

  it('escapes markup in names and text rather than breaking the file', async () => {
    const [first, ...rest] = input().payments;
    const xml = buildPain001(input({ payments: [{ ...first!, creditor: { name: 'Vård & <Omsorg> "AB"', bankgiro: '5050-1055' } }, ...rest] }));
    const names = create(xml).root().filter((n) => n.node.nodeName === 'Cdtr', false, true).map((n) => n.node.textContent?.trim());
    expect(names[0]).toBe('Vård & <Omsorg> "AB"');
    expect((await validateAgainstXsd(xml)).valid).toBe(true);
  });

  it('is the same file for the same input: the clock and the message id are parameters', () => {
    expect(buildPain001(input())).toBe(buildPain001(input()));
  });

  it.each([
    ['a Bankgiro number with a wrong check digit', { creditor: { name: 'X', bankgiro: '5050-1056' } }],
    ['free text longer than 140 characters', { remittance: { kind: 'text' as const, text: 'x'.repeat(141) } }],
    ['an OCR reference with a wrong check digit', { remittance: { kind: 'ocr' as const, reference: '1234575' } }],
    ['a zero amount', { amountOre: 0 }],
    ['an amount in fractions of öre', { amountOre: 10.5 }],
    ['an IBAN with wrong check digits', { debtor: { ...city, iban: 'SE4650000000058398257466' } }],
  ])('refuses %s', (_what, change) => {
    const [first, ...rest] = input().payments;
    expect(() => buildPain001(input({ payments: [{ ...first!, ...change }, ...rest] }))).toThrow(ZodError);
  });

  it('refuses two payments with the same EndToEndId', () => {
    const [first, second] = input().payments;
    expect(() => buildPain001(input({ payments: [first!, { ...second!, endToEndId: first!.endToEndId }] }))).toThrow(/repeats the EndToEndId/);
  });
});

describe('the schema check itself', () => {
  it('catches a file that lacks a mandatory element (GrpHdr/NbOfTxs)', async () => {
    const broken = buildPain001(input()).replace(/<NbOfTxs>4<\/NbOfTxs>/, '');
    const result = await validateAgainstXsd(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(/NbOfTxs/);
  });

  it('catches a malformed amount and currency', async () => {
    const broken = buildPain001(input()).replace('<InstdAmt Ccy="SEK">12345.50</InstdAmt>', '<InstdAmt Ccy="sek">12 345,50</InstdAmt>');
    const result = await validateAgainstXsd(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThanOrEqual(2);
  });

  it('catches a missing CtrlSum, which the schema leaves optional, by the control-total check', async () => {
    const broken = buildPain001(input()).replace(/\s*<CtrlSum>12446.54<\/CtrlSum>/, '');
    expect((await validateAgainstXsd(broken)).valid).toBe(true);
    expect(controlTotalProblems(broken)).toEqual(['GrpHdr: CtrlSum is missing']);
  });

  it('catches a control sum that disagrees with the amounts', () => {
    const broken = buildPain001(input()).replace('<CtrlSum>100.00</CtrlSum>', '<CtrlSum>100.01</CtrlSum>');
    expect(controlTotalProblems(broken)).toEqual(['PmtInf 1: CtrlSum 100.01 but the amounts sum to 100']);
  });
});

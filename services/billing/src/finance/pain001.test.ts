import { describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import { ZodError } from 'zod';
import { buildPain001, type Pain001Input } from './pain001.js';
import type { PayeeAccount } from './bank-accounts.js';
import { controlTotalProblems, swedishGuideProblems, validateAgainstXsd } from './test-support/pain001-checks.js';

const city = { name: 'Demo kommun', iban: 'SE45 5000 0000 0583 9825 7466', bic: 'ESSESESS' };
const otherAccount = { name: 'Demo kommun', iban: 'SE3550000000054910000003', bic: 'ESSESESS' };

function input(overrides: Partial<Pain001Input> = {}): Pain001Input {
  return {
    messageId: 'KV0123456789abcdef0123456789ab',
    createdAt: new Date('2025-02-03T08:15:30.123Z'),
    initiatingParty: { name: 'Demo kommun', id: '2120000001', idScheme: 'BANK' },
    payments: [
      { endToEndId: 'e2e-1', debtor: city, executionDate: '2025-02-05', amountOre: 1_234_550, creditor: { name: 'Omsorg AB', account: { kind: 'bankgiro', number: '5050-1055' } }, remittance: { kind: 'text', text: 'Kundval 2025-01 order 7' } },
      { endToEndId: 'e2e-2', debtor: city, executionDate: '2025-02-05', amountOre: 99, creditor: { name: 'Hemtjänst Åkesson', account: { kind: 'bankgiro', number: '9020900' } }, remittance: { kind: 'ocr', reference: '1234574' } },
      { endToEndId: 'e2e-3', debtor: city, executionDate: '2025-02-06', amountOre: 10_000, creditor: { name: 'Vård Öst', account: { kind: 'plusgiro', number: '4 10 54-8' } }, remittance: { kind: 'ocr', reference: '20250189' } },
      { endToEndId: 'e2e-4', debtor: otherAccount, executionDate: '2025-02-05', amountOre: 5, creditor: { name: 'Assistans Norr', account: { kind: 'iban', number: 'SE73 6000 0000 0000 1234 5678', bic: 'handsess' } }, remittance: { kind: 'text', text: 'Kundval 2025-01 ref 20250189' } },
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

  it('follows the Swedish implementation guide: initiator id, NURG, SLEV once per PmtInf, giro clearing, valid OCR', () => {
    expect(swedishGuideProblems(buildPain001(input()))).toEqual([]);
  });

  it("identifies the municipality as initiating party by the id and scheme its bank agreement names", () => {
    expect(read(buildPain001(input()))['GrpHdr']).toMatchObject({ InitgPty: { Nm: 'Demo kommun', Id: { OrgId: { Othr: { Id: '2120000001', SchmeNm: { Cd: 'BANK' } } } } } });
    const agreement = read(buildPain001(input({ initiatingParty: { name: 'Demo kommun', id: '123456789123B001', idScheme: 'CUST' } })))['GrpHdr'] as Node;
    expect(agreement['InitgPty']).toEqual({ Nm: 'Demo kommun', Id: { OrgId: { Othr: { Id: '123456789123B001', SchmeNm: { Cd: 'CUST' } } } } });
  });

  it('states the charge bearer SLEV, service level NURG and category SUPP once per PmtInf', () => {
    const first = asList(read(buildPain001(input()))['PmtInf'])[0]!;
    expect(first['ChrgBr']).toBe('SLEV');
    expect(first['PmtTpInf']).toEqual({ SvcLvl: { Cd: 'NURG' }, CtgyPurp: { Cd: 'SUPP' } });
    expect(first['DbtrAcct']).toEqual({ Id: { IBAN: 'SE4550000000058398257466' }, Ccy: 'SEK' });
  });

  it('pays a Plusgiro number through PlusGirot (SESBA 9960) with the scheme BBAN, and an IBAN through its bank by BIC', () => {
    const pmtInfs = asList(read(buildPain001(input()))['PmtInf']);
    const plusgiro = asList(pmtInfs[1]!['CdtTrfTxInf'])[0]!;
    expect(plusgiro).toMatchObject({
      CdtrAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'SESBA' }, MmbId: '9960' } } },
      Cdtr: { Nm: 'Vård Öst' },
      CdtrAcct: { Id: { Othr: { Id: '410548', SchmeNm: { Cd: 'BBAN' } } } },
      RmtInf: { Strd: { CdtrRefInf: { Tp: { CdOrPrtry: { Cd: 'SCOR' } }, Ref: '20250189' } } },
    });
    const iban = asList(pmtInfs[2]!['CdtTrfTxInf'])[0]!;
    expect(iban).toMatchObject({ CdtrAgt: { FinInstnId: { BIC: 'HANDSESS' } }, Cdtr: { Nm: 'Assistans Norr' }, CdtrAcct: { Id: { IBAN: 'SE7360000000000012345678' } }, RmtInf: { Ustrd: 'Kundval 2025-01 ref 20250189' } });
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
    const xml = buildPain001(input({ payments: [{ ...first!, creditor: { name: 'Vård & <Omsorg> "AB"', account: { kind: 'bankgiro', number: '5050-1055' } } }, ...rest] }));
    const names = create(xml).root().filter((n) => n.node.nodeName === 'Cdtr', false, true).map((n) => n.node.textContent?.trim());
    expect(names[0]).toBe('Vård & <Omsorg> "AB"');
    expect((await validateAgainstXsd(xml)).valid).toBe(true);
  });

  it('is the same file for the same input: the clock and the message id are parameters', () => {
    expect(buildPain001(input())).toBe(buildPain001(input()));
  });

  it.each([
    ['a Bankgiro number with a wrong check digit', { creditor: { name: 'X', account: { kind: 'bankgiro' as const, number: '5050-1056' } } }],
    ['free text longer than 140 characters', { remittance: { kind: 'text' as const, text: 'x'.repeat(141) } }],
    ['an OCR reference with a wrong check digit', { remittance: { kind: 'ocr' as const, reference: '1234575' } }],
    ['a zero amount', { amountOre: 0 }],
    ['an amount in fractions of öre', { amountOre: 10.5 }],
    ['an IBAN with wrong check digits', { debtor: { ...city, iban: 'SE4650000000058398257466' } }],
    ['a Plusgiro number with a wrong check digit', { creditor: { name: 'X', account: { kind: 'plusgiro' as const, number: '41054-9' } } }],
    ['a payee IBAN with wrong check digits', { creditor: { name: 'X', account: { kind: 'iban' as const, number: 'SE7460000000000012345678', bic: 'HANDSESS' } } }],
    // Typed as the schema's input would be from an unchecked caller: the BIC is what is missing.
    ['a payee IBAN without a BIC', { creditor: { name: 'X', account: { kind: 'iban', number: 'SE7360000000000012345678' } as unknown as PayeeAccount } }],
    ['a malformed BIC', { creditor: { name: 'X', account: { kind: 'iban' as const, number: 'SE7360000000000012345678', bic: 'HAND1SESS' } } }],
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
  it('catches a Bankgiro payee routed through PlusGirot, a charge code per transaction and a bad OCR', () => {
    const broken = buildPain001(input())
      .replace('<MmbId>9900</MmbId>', '<MmbId>9960</MmbId>')
      .replace('<Ref>1234574</Ref>', '<Ref>1234575</Ref>')
      .replace('<ChrgBr>SLEV</ChrgBr>', '<ChrgBr>SHAR</ChrgBr>');
    expect(swedishGuideProblems(broken)).toEqual([
      'PmtInf 0: ChrgBr is not SLEV',
      'PmtInf 0 tx 0: a Bankgiro payee must go through SESBA 9900',
      'PmtInf 0 tx 1: 1234575 is not a valid OCR reference',
    ]);
  });

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

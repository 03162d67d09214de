import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { buildSie4i, UnbalancedVoucherError, type SieFile } from './sie.js';
import { parseSie } from './sie-parse.js';
import { formatOre, parseOre } from './money.js';
import { lastDayOfMonth } from '@kundval/domain';
import { sie4Problems } from './test-support/sie-checks.js';

function file(overrides: Partial<SieFile> = {}): SieFile {
  return {
    program: { name: 'Kundval', version: '0.1.0' },
    generatedOn: '2025-02-03',
    companyName: 'Demo kommun',
    organisationNumber: '212000-0001',
    vouchers: [
      {
        series: 'KV',
        date: '2025-01-31',
        text: 'Ersättning 2025-01 Vård Öst "Söder"',
        transactions: [
          { account: '4510', amountOre: 1_234_550 },
          { account: '2440', amountOre: -1_234_550 },
        ],
      },
      {
        series: 'KV',
        number: 7,
        date: '2025-01-31',
        text: 'Avgift 2025-01 faktura 12 OCR 1234574',
        transactions: [
          { account: '1510', amountOre: 99 },
          { account: '3010', amountOre: -50 },
          { account: '3010', amountOre: -49 },
        ],
      },
    ],
    ...overrides,
  };
}

describe('buildSie4i', () => {
  it('reads back to the same vouchers', () => {
    const parsed = parseSie(buildSie4i(file()));
    expect(parsed).toEqual({
      flagga: '0',
      program: ['Kundval', '0.1.0'],
      format: 'PC8',
      generatedOn: '2025-02-03',
      sieType: '4',
      companyName: 'Demo kommun',
      organisationNumber: '212000-0001',
      accounts: [],
      vouchers: file().vouchers,
    });
  });

  it('writes the identification records first, in code page 437, with CR LF line ends', () => {
    const bytes = buildSie4i(file());
    const text = iconv.decode(bytes, 'cp437');
    expect(text.split('\r\n').slice(0, 7)).toEqual([
      '#FLAGGA 0',
      '#PROGRAM "Kundval" "0.1.0"',
      '#FORMAT PC8',
      '#GEN 20250203',
      '#SIETYP 4',
      '#FNAMN "Demo kommun"',
      '#ORGNR 212000-0001',
    ]);
    // ä is 0x84 and Ö 0x99 in CP437 (not 0xE4/0xD6 as in Latin-1).
    expect(bytes.includes(0x84)).toBe(true);
    expect(bytes.includes(0x99)).toBe(true);
    expect(bytes.includes(0xe4)).toBe(false);
    expect(text).toContain('#VER "KV" "" 20250131 "Ersättning 2025-01 Vård Öst \\"Söder\\""\r\n{\r\n   #TRANS 4510 {} 12345.50\r\n   #TRANS 2440 {} -12345.50\r\n}');
  });

  it('refuses a voucher that does not balance with a typed error, before writing anything', () => {
    const unbalanced = file();
    unbalanced.vouchers[1]!.transactions[2]!.amountOre = -48;
    let thrown: unknown;
    try {
      buildSie4i(unbalanced);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnbalancedVoucherError);
    expect(thrown).toMatchObject({ code: 'FINANCE.SIE_UNBALANCED', voucherIndex: 1, differenceOre: 1 });
  });

  it('keeps line breaks in a text from splitting a record', () => {
    const [first] = file().vouchers;
    const parsed = parseSie(buildSie4i(file({ vouchers: [{ ...first!, text: 'två\r\nrader' }] })));
    expect(parsed.vouchers[0]!.text).toBe('två  rader');
  });

  it('writes a file without vouchers when the month has none', () => {
    expect(parseSie(buildSie4i(file({ vouchers: [] }))).vouchers).toEqual([]);
  });
});

describe('the chart of accounts and voucher numbers (SIE 4B)', () => {
  const declared = (): Partial<SieFile> => ({
    chartType: 'EUBAS97',
    accounts: [
      { number: '1510', name: 'Kundfordringar avgifter' },
      { number: '2440', name: 'Leverantörsskulder' },
      { number: '3010', name: 'Avgifter kundval' },
      { number: '4510', name: 'Ersättning utförare kundval' },
    ],
    vouchers: file().vouchers.map((v, i) => ({ ...v, number: 41 + i })),
  });

  it('declares #KPTYP after the identification and a #KONTO per account before the first voucher', () => {
    const text = iconv.decode(buildSie4i(file(declared())), 'cp437');
    expect(text.split('\r\n').slice(6, 12)).toEqual([
      '#ORGNR 212000-0001',
      '#KPTYP EUBAS97',
      '#KONTO 1510 "Kundfordringar avgifter"',
      '#KONTO 2440 "Leverantörsskulder"',
      '#KONTO 3010 "Avgifter kundval"',
      '#KONTO 4510 "Ersättning utförare kundval"',
    ]);
    expect(text).toContain('#VER "KV" 41 20250131 "Ersättning 2025-01 Vård Öst \\"Söder\\""');
    expect(text).toContain('#VER "KV" 42 20250131 "Avgift 2025-01 faktura 12 OCR 1234574"');
    const parsed = parseSie(buildSie4i(file(declared())));
    expect(parsed.chartType).toBe('EUBAS97');
    expect(parsed.vouchers.map((v) => v.number)).toEqual([41, 42]);
  });

  it('writes a file the SIE 4 rules accept: records in order, numbered balanced vouchers, declared accounts', () => {
    expect(sie4Problems(buildSie4i(file(declared())))).toEqual([]);
  });

  it('refuses an account used but not declared, and a number given twice in a series', () => {
    const undeclared = declared();
    undeclared.accounts = undeclared.accounts!.filter((a) => a.number !== '3010');
    expect(() => buildSie4i(file(undeclared))).toThrow(/not declared with #KONTO: 3010/);
    const twice = declared();
    twice.vouchers = twice.vouchers!.map((v) => ({ ...v, number: 7 }));
    expect(() => buildSie4i(file(twice))).toThrow(/Voucher number 7 appears twice in series KV/);
  });

  it('the rule check itself catches unnumbered vouchers, an unknown chart, an undeclared account and LF line ends', () => {
    const good = iconv.decode(buildSie4i(file(declared())), 'cp437');
    const broken = good.replace('#KPTYP EUBAS97', '#KPTYP KOMMUNBAS').replace('#VER "KV" 42', '#VER "KV" ""').replace('#KONTO 3010 "Avgifter kundval"\r\n', '');
    expect(sie4Problems(iconv.encode(broken, 'cp437'))).toEqual([
      'line 8: #KPTYP KOMMUNBAS is not a chart type of the format',
      'line 17: the voucher has no number',
      'account 3010 is used but not declared',
    ]);
    expect(sie4Problems(iconv.encode(good.replaceAll('\r\n', '\n'), 'cp437'))).toContain('line ends are not CR LF');
  });
});

describe('amounts and dates', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [-50, '-0.50'],
    [1_234_550, '12345.50'],
    [-1_234_550, '-12345.50'],
  ])('writes %i öre as %s kronor and reads it back', (ore, kronor) => {
    expect(formatOre(ore)).toBe(kronor);
    expect(parseOre(kronor)).toBe(ore);
  });

  it('knows the last day of February in a leap year', () => {
    expect(lastDayOfMonth('2024-02')).toBe('2024-02-29');
    expect(lastDayOfMonth('2025-12')).toBe('2025-12-31');
  });
});

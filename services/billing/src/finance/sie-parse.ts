import iconv from 'iconv-lite';
import { parseOre } from './money.js';
import type { SieVoucher } from './sie.js';

/**
 * Reads the subset of SIE 4 that `buildSie4i` writes (identification records, #VER and #TRANS),
 * so that a test — or a finance officer's tool — can check what a file says. Records it does not
 * know are skipped, as the format asks of every reader.
 */
export type ParsedSie = {
  flagga: string;
  program: string[];
  format: string;
  generatedOn: string;
  sieType: string;
  companyName: string;
  organisationNumber?: string;
  chartType?: string;
  accounts: { number: string; name: string }[];
  vouchers: SieVoucher[];
};

export class SieParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`SIE line ${line}: ${message}`);
    this.name = 'SieParseError';
  }
}

export function parseSie(bytes: Uint8Array): ParsedSie {
  const lines = iconv.decode(Buffer.from(bytes), 'cp437').split(/\r?\n/);
  const head: Record<string, string[]> = {};
  const vouchers: SieVoucher[] = [];
  const accounts: { number: string; name: string }[] = [];
  let open: SieVoucher | null = null;
  let inBlock = false;

  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '') continue;
    if (line === '{') {
      if (!open || inBlock) throw new SieParseError(lineNo, '{ without a #VER before it');
      inBlock = true;
      continue;
    }
    if (line === '}') {
      if (!open || !inBlock) throw new SieParseError(lineNo, '} without an open voucher');
      vouchers.push(open);
      open = null;
      inBlock = false;
      continue;
    }
    const [label, ...fields] = tokenize(line, lineNo);
    if (label === '#VER') {
      if (inBlock) throw new SieParseError(lineNo, '#VER inside a voucher');
      const [series = '', number = '', date = '', text = ''] = fields;
      open = { series, ...(number === '' ? {} : { number: Number(number) }), date: isoDate(date, lineNo), text, transactions: [] };
    } else if (label === '#TRANS') {
      if (!open || !inBlock) throw new SieParseError(lineNo, '#TRANS outside a voucher');
      const [account = '', , amount = ''] = fields;
      try {
        open.transactions.push({ account, amountOre: parseOre(amount) });
      } catch (err) {
        throw new SieParseError(lineNo, (err as Error).message);
      }
    } else if (label === '#KONTO' && !inBlock) {
      accounts.push({ number: fields[0] ?? '', name: fields[1] ?? '' });
    } else if (label && !inBlock) {
      head[label] = fields;
    }
  }
  if (open) throw new SieParseError(lines.length, 'the last voucher is not closed');

  const one = (label: string) => {
    const value = head[label]?.[0];
    if (value === undefined) throw new SieParseError(0, `${label} is missing`);
    return value;
  };
  const orgnr = head['#ORGNR']?.[0];
  return {
    flagga: one('#FLAGGA'),
    program: head['#PROGRAM'] ?? [],
    format: one('#FORMAT'),
    generatedOn: isoDate(one('#GEN'), 0),
    sieType: one('#SIETYP'),
    companyName: one('#FNAMN'),
    ...(orgnr ? { organisationNumber: orgnr } : {}),
    ...(head['#KPTYP']?.[0] ? { chartType: head['#KPTYP'][0] } : {}),
    accounts,
    vouchers,
  };
}

/** Fields: bare words, "quoted text" with \" escapes, and {object lists} kept as one field. */
function tokenize(line: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (ch === '"') {
      let text = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && line[i + 1] === '"') i++;
        text += line[i];
        i++;
      }
      if (i >= line.length) throw new SieParseError(lineNo, 'unterminated quoted field');
      out.push(text);
      i++;
    } else if (ch === '{') {
      const end = line.indexOf('}', i);
      if (end < 0) throw new SieParseError(lineNo, 'unterminated object list');
      out.push(line.slice(i + 1, end).trim());
      i = end + 1;
    } else {
      let word = '';
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') word += line[i++];
      out.push(word);
    }
  }
  return out;
}

function isoDate(sieDate: string, lineNo: number): string {
  if (!/^\d{8}$/.test(sieDate)) throw new SieParseError(lineNo, `${sieDate} is not a date YYYYMMDD`);
  return `${sieDate.slice(0, 4)}-${sieDate.slice(4, 6)}-${sieDate.slice(6)}`;
}

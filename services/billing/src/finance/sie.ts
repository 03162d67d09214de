import { z } from 'zod';
import iconv from 'iconv-lite';
import { formatOre } from './money.js';

/**
 * SIE 4I: vouchers for import into the municipality's ledger (DOMAIN.md §6; the SIE group's
 * format description 4B). The file is code page 437 ("PC8"), one record per line.
 */

export const SieTransaction = z.object({
  account: z.string().regex(/^\d{1,10}$/, 'an account is a number'),
  /** Debit positive, credit negative, in öre. */
  amountOre: z.number().int().refine(Number.isSafeInteger),
});
export type SieTransaction = z.infer<typeof SieTransaction>;

export const SieVoucher = z.object({
  series: z.string().regex(/^[A-Za-z0-9]{1,10}$/),
  /** Omitted in an import file: the receiving ledger numbers the voucher in its own series. */
  number: z.number().int().positive().optional(),
  date: z.iso.date(),
  text: z.string().max(200),
  transactions: z.array(SieTransaction).min(2),
});
export type SieVoucher = z.infer<typeof SieVoucher>;

export const SieFile = z.object({
  program: z.object({ name: z.string().min(1), version: z.string().min(1) }),
  /** The date the file was made (#GEN); a parameter so that the function stays pure. */
  generatedOn: z.iso.date(),
  companyName: z.string().min(1),
  organisationNumber: z.string().regex(/^\d{6}-\d{4}$/).optional(),
  /** The chart of accounts the account numbers belong to (#KPTYP): BAS95, BAS96, EUBAS97, NE2007, BAS20xx… */
  chartType: z.string().regex(/^[A-Z0-9]{1,20}$/).optional(),
  /** The accounts the vouchers use, declared with their names (#KONTO) so the ledger can check them. */
  accounts: z.array(z.object({ number: z.string().regex(/^\d{1,10}$/), name: z.string().min(1).max(100) })).default([]),
  vouchers: z.array(SieVoucher),
});
export type SieFile = z.input<typeof SieFile>;

/** A voucher whose transactions do not sum to zero: the ledger would refuse it, so it is never written. */
export class UnbalancedVoucherError extends Error {
  readonly code = 'FINANCE.SIE_UNBALANCED';
  constructor(
    readonly voucherIndex: number,
    readonly differenceOre: number,
  ) {
    super(`Voucher ${voucherIndex} does not balance: its transactions sum to ${formatOre(differenceOre)} SEK.`);
    this.name = 'UnbalancedVoucherError';
  }
}

/**
 * The SIE 4I file as CP437 bytes. Every voucher is checked before the first byte is written: a
 * half-written file that an accountant imports is worse than none.
 */
export function buildSie4i(input: SieFile): Buffer {
  const file = SieFile.parse(input);
  file.vouchers.forEach((v, i) => {
    const sum = v.transactions.reduce((s, t) => s + t.amountOre, 0);
    if (sum !== 0) throw new UnbalancedVoucherError(i, sum);
  });
  // A declared chart makes every account used a declared one: the ledger rejects an unknown account.
  if (file.accounts.length > 0) {
    const declared = new Set(file.accounts.map((a) => a.number));
    const missing = [...new Set(file.vouchers.flatMap((v) => v.transactions.map((t) => t.account)))].filter((a) => !declared.has(a));
    if (missing.length > 0) throw new RangeError(`Accounts used but not declared with #KONTO: ${missing.join(', ')}`);
  }
  const numbers = new Set<string>();
  for (const v of file.vouchers) {
    if (v.number === undefined) continue;
    const key = `${v.series}|${v.number}`;
    if (numbers.has(key)) throw new RangeError(`Voucher number ${v.number} appears twice in series ${v.series}`);
    numbers.add(key);
  }
  const lines = [
    '#FLAGGA 0',
    `#PROGRAM ${quote(file.program.name)} ${quote(file.program.version)}`,
    '#FORMAT PC8',
    `#GEN ${sieDate(file.generatedOn)}`,
    '#SIETYP 4',
    `#FNAMN ${quote(file.companyName)}`,
    ...(file.organisationNumber ? [`#ORGNR ${file.organisationNumber}`] : []),
    ...(file.chartType ? [`#KPTYP ${file.chartType}`] : []),
    ...file.accounts.map((a) => `#KONTO ${a.number} ${quote(a.name)}`),
  ];
  for (const v of file.vouchers) {
    lines.push(`#VER ${quote(v.series)} ${v.number ?? '""'} ${sieDate(v.date)} ${quote(v.text)}`, '{');
    for (const t of v.transactions) lines.push(`   #TRANS ${t.account} {} ${formatOre(t.amountOre)}`);
    lines.push('}');
  }
  // CR LF: the format comes from DOS, and the importing programs expect its line ends.
  return iconv.encode(`${lines.join('\r\n')}\r\n`, 'cp437');
}

/** A quoted field; SIE escapes a quote with a backslash and knows no line breaks inside a field. */
function quote(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters would break the line-based format
  return `"${text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/"/g, '\\"')}"`;
}

function sieDate(isoDate: string): string {
  return isoDate.replaceAll('-', '');
}

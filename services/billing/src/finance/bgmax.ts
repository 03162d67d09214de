import type { IncomingPaymentFile, IncomingPaymentRecord } from './incoming-file.js';

/**
 * Bankgirot's BgMax file ("Bankgiro Inbetalningar", layout BGMAX version 01): fixed-width records
 * of 80 characters, ISO 8859-1, the record type (transaktionskod, TK) in positions 1–2. Read record
 * by record after Bankgirot's published layout (positions below are 1-based, as the manual gives
 * them). Pure: the caller decodes the bytes.
 *
 *   TK01 start       3–22 layout name `BGMAX`, 23–24 version `01`, 25–44 timestamp
 *                    YYYYMMDDHHMMSSµµµµµµ, 45 `P` production / `T` test
 *   TK05 opening     3–12 receiving Bankgiro, 13–22 Plusgiro, 23–25 currency `SEK`
 *   TK20 payment     3–12 payer's Bankgiro, 13–37 reference, 38–55 amount in öre, 56 reference
 *   TK21 deduction   code, 57 channel, 58–69 Bankgirot serial number, 70 image flag (TK21: 71
 *                    deduction code)
 *   TK22/23          extra reference (positive / negative), laid out as TK20
 *   TK25 information 3–52 text
 *   TK26 name        3–37 name, 38–72 extra name
 *   TK27 address 1   3–37 address, 38–46 post code
 *   TK28 address 2   3–37 town, 38–72 country, 73–74 country code
 *   TK29 payer id    3–14 organisation or personal identity number
 *   TK15 deposit     3–37 receiving bank account, 38–45 payment date, 46–50 deposit serial,
 *                    51–68 deposit amount in öre, 69–71 currency, 72–79 number of payments
 *   TK70 end         3–10 TK20 count, 11–18 TK21 count, 19–26 TK22+23 count, 27–34 TK15 count
 */

export class BgMaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'BgMaxError';
  }
}

/** A payment with what the records after it add; addresses and the payer's identity number are read past, never kept. */
type Open = IncomingPaymentRecord & { line: number; extraReferences: string[] };

export function parseBgMax(content: string): IncomingPaymentFile & { receivingBankgiro: string[]; test: boolean } {
  const lines = content.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  if (lines.length === 0) throw new BgMaxError(1, 'the file is empty');

  let fileReference: string | null = null;
  let test = false;
  let ended = false;
  const receivingBankgiro: string[] = [];
  const payments: IncomingPaymentRecord[] = [];
  const counts = { tk20: 0, tk21: 0, tk22: 0, tk15: 0 };
  let section: Open[] | null = null;
  let last: Open | null = null;

  lines.forEach((raw, index) => {
    const n = index + 1;
    if (raw.length > 80) throw new BgMaxError(n, `a record is 80 characters, this one ${raw.length}`);
    // Trailing blanks are often cut off by the systems in between; pad them back.
    const line = raw.padEnd(80, ' ');
    const tk = line.slice(0, 2);
    const field = (from: number, to: number) => line.slice(from - 1, to);
    const digits = (from: number, to: number, name: string) => {
      const v = field(from, to);
      if (!/^\d+$/.test(v)) throw new BgMaxError(n, `${name} (positions ${from}–${to}) must be digits, not "${v}"`);
      return v;
    };
    if (ended) throw new BgMaxError(n, 'a record after the end record TK70');
    if (n === 1 && tk !== '01') throw new BgMaxError(n, `the file must begin with a start record TK01, not TK${tk}`);
    switch (tk) {
      case '01': {
        if (n !== 1) throw new BgMaxError(n, 'a second start record TK01');
        if (field(3, 22).trim() !== 'BGMAX') throw new BgMaxError(n, `the layout name is "${field(3, 22).trim()}", not BGMAX`);
        if (field(23, 24) !== '01') throw new BgMaxError(n, `layout version ${field(23, 24)} is not 01`);
        fileReference = digits(25, 44, 'the timestamp');
        const marker = field(45, 45);
        if (marker !== 'P' && marker !== 'T') throw new BgMaxError(n, `the test marker (position 45) must be P or T, not "${marker}"`);
        test = marker === 'T';
        return;
      }
      case '05': {
        if (section !== null) throw new BgMaxError(n, 'an opening record TK05 before the deposit record TK15 of the previous section');
        receivingBankgiro.push(String(Number(digits(3, 12, 'the receiving Bankgiro'))));
        const currency = field(23, 25);
        if (currency !== 'SEK') throw new BgMaxError(n, `currency "${currency}" is not SEK`);
        section = [];
        last = null;
        return;
      }
      case '20':
      case '21': {
        if (section === null) throw new BgMaxError(n, `a payment record TK${tk} outside a section (no TK05 before it)`);
        const amountOre = Number(digits(38, 55, 'the amount'));
        if (!Number.isSafeInteger(amountOre)) throw new BgMaxError(n, 'the amount is too large');
        const reference = field(13, 37).trim();
        if (reference !== '' && !/^[\dA-Za-z -]+$/.test(reference)) throw new BgMaxError(n, `the reference "${reference}" has characters a reference cannot have`);
        const serial = digits(58, 69, 'the Bankgirot serial number');
        last = {
          line: n,
          position: `line ${n}`,
          kind: tk === '20' ? 'payment' : 'deduction',
          bankReference: serial,
          reference: reference === '' ? null : reference.replaceAll(' ', ''),
          amountOre,
          paymentDate: '',
          payerName: null,
          information: null,
          extraReferences: [],
        };
        section.push(last);
        counts[tk === '20' ? 'tk20' : 'tk21']++;
        return;
      }
      case '22':
      case '23': {
        const at = needPayment(last, n, tk);
        counts.tk22++;
        const reference = field(13, 37).trim();
        if (reference !== '') at.extraReferences.push(`${tk === '23' ? '-' : ''}${reference}`);
        return;
      }
      case '25': {
        const at = needPayment(last, n, tk);
        const info = field(3, 52).trim();
        if (info !== '') at.information = at.information ? `${at.information} ${info}` : info;
        return;
      }
      case '26': {
        const at = needPayment(last, n, tk);
        const name = [field(3, 37).trim(), field(38, 72).trim()].filter(Boolean).join(' ');
        at.payerName = name === '' ? null : name;
        return;
      }
      case '27':
      case '28':
      case '29':
        // Address and identity number: personal data finance does not need to match a payment.
        needPayment(last, n, tk);
        return;
      case '15': {
        if (section === null) throw new BgMaxError(n, 'a deposit record TK15 without an opening record TK05');
        const date = digits(38, 45, 'the payment date');
        const paymentDate = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
        if (Number.isNaN(Date.parse(`${paymentDate}T00:00:00Z`)) || new Date(`${paymentDate}T00:00:00Z`).toISOString().slice(0, 10) !== paymentDate) throw new BgMaxError(n, `the payment date ${date} is not a date`);
        const depositOre = Number(digits(51, 68, 'the deposit amount'));
        const currency = field(69, 71);
        if (currency !== 'SEK') throw new BgMaxError(n, `currency "${currency}" is not SEK`);
        const count = Number(digits(72, 79, 'the number of payments'));
        const own = section;
        // Deductions make the deposit's sum and count depend on how the bank nets them; the
        // section is checked exactly when it has only payments (ADR 0021).
        if (own.every((p) => p.kind === 'payment')) {
          const sum = own.reduce((s, p) => s + p.amountOre, 0);
          if (count !== own.length) throw new BgMaxError(n, `the deposit counts ${count} payments, the section has ${own.length}`);
          if (depositOre !== sum) throw new BgMaxError(n, `the deposit amount ${depositOre} öre is not the section's sum ${sum} öre`);
        }
        for (const p of own) {
          const { line: _line, extraReferences, ...record } = p;
          payments.push({ ...record, paymentDate, information: extraReferences.length > 0 ? [record.information, `references ${extraReferences.join(' ')}`].filter(Boolean).join('; ') : record.information });
        }
        counts.tk15++;
        section = null;
        last = null;
        return;
      }
      case '70': {
        if (section !== null) throw new BgMaxError(n, 'the end record TK70 before the deposit record TK15 of the last section');
        const expected = { tk20: Number(digits(3, 10, 'the payment count')), tk21: Number(digits(11, 18, 'the deduction count')), tk22: Number(digits(19, 26, 'the extra reference count')), tk15: Number(digits(27, 34, 'the deposit count')) };
        for (const k of ['tk20', 'tk21', 'tk22', 'tk15'] as const) {
          if (expected[k] !== counts[k]) throw new BgMaxError(n, `the end record counts ${expected[k]} ${k.toUpperCase()} records, the file has ${counts[k]}`);
        }
        ended = true;
        return;
      }
      default:
        throw new BgMaxError(n, `unknown record type "${tk}"`);
    }
  });
  if (!ended) throw new BgMaxError(lines.length, 'the file has no end record TK70');
  return { format: 'bgmax', fileReference: fileReference!, receivingBankgiro, test, payments };
}

function needPayment(last: Open | null, n: number, tk: string): Open {
  if (last === null) throw new BgMaxError(n, `record TK${tk} must follow a payment record TK20 or TK21`);
  return last;
}

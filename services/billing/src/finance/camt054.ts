import type { IncomingPaymentFile, IncomingPaymentRecord } from './incoming-file.js';
import { BankFileError, children, path, parseKronor, readXmlDocument, required, text, type XmlNode, type XmlValue } from './xml-read.js';

/**
 * ISO 20022 bank-to-customer debit/credit notification, `camt.054.001.02` — the version the
 * Swedish banks and Bankgirot send for incoming payments to a Bankgiro or account. Read here,
 * validated in tests against the official schema (ADR 0021). Pure.
 *
 * Only booked credits (`CdtDbtInd` CRDT, `Sts` BOOK) are payments to us; debits and pending
 * entries are counted and left. Each `TxDtls` of an entry is one payment; an entry without
 * details is one payment of the entry's amount.
 */
export const CAMT054_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.02';

const REPEATING = new Set(['Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd', 'Strd']);
const ROOT = 'body.BkToCstmrDbtCdtNtfctn';

export function parseCamt054(xml: string): IncomingPaymentFile & { skippedEntries: number } {
  const { namespace, document } = readXmlDocument(xml, REPEATING);
  if (namespace !== CAMT054_NAMESPACE) throw new BankFileError('body', `The namespace "${namespace}" is not camt.054.001.02.`);
  const message = document['BkToCstmrDbtCdtNtfctn'] as XmlNode | undefined;
  if (message === undefined) throw new BankFileError(ROOT, 'BkToCstmrDbtCdtNtfctn is missing.');
  const messageId = required(message['GrpHdr'], `${ROOT}.GrpHdr`, 'MsgId');
  const payments: IncomingPaymentRecord[] = [];
  let skippedEntries = 0;
  children(message, 'Ntfctn').forEach((notification, i) => {
    children(notification, 'Ntry').forEach((entry, j) => {
      const field = `${ROOT}.Ntfctn.${i}.Ntry.${j}`;
      const indicator = required(entry, field, 'CdtDbtInd');
      const status = required(entry, field, 'Sts');
      if (indicator !== 'CRDT' || status !== 'BOOK') {
        skippedEntries++;
        return;
      }
      const entryOre = amount(entry['Amt'], `${field}.Amt`);
      const paymentDate = (path(entry, 'BookgDt', 'Dt') ?? path(entry, 'BookgDt', 'DtTm')?.slice(0, 10) ?? path(entry, 'ValDt', 'Dt') ?? '').slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(paymentDate)) throw new BankFileError(`${field}.BookgDt`, 'The booking date is missing.');
      const entryRef = path(entry, 'AcctSvcrRef') ?? null;
      const details = children(entry, 'NtryDtls').flatMap((d) => children(d, 'TxDtls'));
      if (details.length === 0) {
        payments.push({ position: field, kind: 'payment', bankReference: entryRef, reference: null, amountOre: entryOre, paymentDate, payerName: null, information: null });
        return;
      }
      let sum = 0;
      details.forEach((tx, k) => {
        const txField = `${field}.NtryDtls.TxDtls.${k}`;
        const txAmount = child2(tx, 'AmtDtls', 'TxAmt', 'Amt') ?? child2(tx, 'Amt');
        // One transaction without an amount of its own is the entry's whole amount.
        const amountOre = txAmount === undefined && details.length === 1 ? entryOre : amount(txAmount, `${txField}.AmtDtls.TxAmt.Amt`);
        sum += amountOre;
        const strd = children(child2(tx, 'RmtInf'), 'Strd');
        const reference = strd.map((s) => path(s, 'CdtrRefInf', 'Ref')).find((r) => r !== undefined && r.trim() !== '');
        const ustrd = ((child2(tx, 'RmtInf', 'Ustrd') as XmlValue[] | undefined) ?? []).map(text).filter((t): t is string => Boolean(t));
        payments.push({
          position: txField,
          kind: 'payment',
          bankReference: path(tx, 'Refs', 'AcctSvcrRef') ?? (entryRef === null ? null : details.length === 1 ? entryRef : `${entryRef}/${k + 1}`),
          reference: reference === undefined ? null : reference.replaceAll(' ', ''),
          amountOre,
          paymentDate,
          payerName: path(tx, 'RltdPties', 'Dbtr', 'Nm') ?? null,
          information: ustrd.length > 0 ? ustrd.join(' ') : null,
        });
      });
      if (sum !== entryOre) throw new BankFileError(`${field}.Amt`, `The entry's amount is ${entryOre} öre but its transactions sum to ${sum} öre.`);
    });
  });
  return { format: 'camt054', fileReference: messageId, payments, skippedEntries };
}

function child2(node: XmlValue | undefined, ...names: string[]): XmlValue | undefined {
  let at = node;
  for (const n of names) at = at !== undefined && typeof at === 'object' && !Array.isArray(at) ? at[n] : undefined;
  return at;
}

function amount(node: XmlValue | undefined, field: string): number {
  const value = text(node);
  if (value === undefined) throw new BankFileError(field, 'The amount is missing.');
  const currency = typeof node === 'object' && !Array.isArray(node) ? node['@Ccy'] : undefined;
  if (currency !== 'SEK') throw new BankFileError(field, `The currency is ${String(currency)}, not SEK.`);
  return parseKronor(value, field);
}

import { BankFileError, children, path, readXmlDocument, required, text, type XmlNode, type XmlValue } from './xml-read.js';

/**
 * ISO 20022 customer payment status report, `pain.002`: the bank's answer to a pain.001 file. Read
 * here, validated in tests against the official schemas (ADR 0021). Pure: no database, no clock.
 *
 * Versions: `001.03` is what the Swedish banks send in answer to a `pain.001.001.03` file (ours);
 * `001.10` and `001.12` are read alike — the elements used here have the same names and places in
 * all three (GrpHdr/MsgId, OrgnlGrpInfAndSts/OrgnlMsgId/GrpSts, OrgnlPmtInfAndSts/PmtInfSts,
 * TxInfAndSts/OrgnlEndToEndId/TxSts, StsRsnInf/Rsn/Cd|Prtry and AddtlInf).
 */
export const PAIN002_NAMESPACES = ['03', '10', '12'].map((v) => `urn:iso:std:iso:20022:tech:xsd:pain.002.001.${v}`);

export type StatusReason = { code: string | null; info: string | null };
export type ReportedTransaction = { endToEndId: string; status: string | null; reasons: StatusReason[]; field: string };
export type ReportedPaymentInfo = { originalPaymentInfoId: string; status: string | null; reasons: StatusReason[]; field: string; transactions: ReportedTransaction[] };
export type PaymentStatusReport = {
  messageId: string;
  createdAt: string;
  namespace: string;
  originalMessageId: string;
  originalMessageName: string | null;
  groupStatus: string | null;
  groupReasons: StatusReason[];
  paymentInfos: ReportedPaymentInfo[];
};

const REPEATING = new Set(['OrgnlPmtInfAndSts', 'TxInfAndSts', 'StsRsnInf', 'AddtlInf', 'NbOfTxsPerSts']);
const ROOT = 'body.CstmrPmtStsRpt';
// The external code lists' status codes: four capitals (ACCP, ACSC, RJCT, PART, PDNG, …).
const STATUS = /^[A-Z]{4}$/;

/** Parses a pain.002 report; throws `BankFileError` naming the element that is missing or wrong. */
export function parsePain002(xml: string): PaymentStatusReport {
  const { namespace, document } = readXmlDocument(xml, REPEATING);
  if (!PAIN002_NAMESPACES.includes(namespace)) throw new BankFileError('body', `The namespace "${namespace}" is not pain.002.001.03, .10 or .12.`);
  const report = document['CstmrPmtStsRpt'];
  if (report === undefined || typeof report !== 'object' || Array.isArray(report)) throw new BankFileError(ROOT, 'CstmrPmtStsRpt is missing.');
  const header = report['GrpHdr'];
  const original = report['OrgnlGrpInfAndSts'] as XmlNode | undefined;
  const groupField = `${ROOT}.OrgnlGrpInfAndSts`;
  return {
    messageId: required(header, ROOT, 'MsgId'),
    createdAt: required(header, ROOT, 'CreDtTm'),
    namespace,
    originalMessageId: required(original, groupField, 'OrgnlMsgId'),
    originalMessageName: path(original, 'OrgnlMsgNmId') ?? null,
    groupStatus: status(path(original, 'GrpSts'), `${groupField}.GrpSts`),
    groupReasons: reasons(original),
    paymentInfos: children(report, 'OrgnlPmtInfAndSts').map((pmtInf, i) => {
      const field = `${ROOT}.OrgnlPmtInfAndSts.${i}`;
      return {
        originalPaymentInfoId: required(pmtInf, field, 'OrgnlPmtInfId'),
        status: status(path(pmtInf, 'PmtInfSts'), `${field}.PmtInfSts`),
        reasons: reasons(pmtInf),
        field,
        transactions: children(pmtInf, 'TxInfAndSts').map((tx, j) => {
          const txField = `${field}.TxInfAndSts.${j}`;
          return { endToEndId: required(tx, txField, 'OrgnlEndToEndId'), status: status(path(tx, 'TxSts'), `${txField}.TxSts`), reasons: reasons(tx), field: `${txField}.OrgnlEndToEndId` };
        }),
      };
    }),
  };
}

function status(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  if (!STATUS.test(value)) throw new BankFileError(field, `"${value}" is not a status code of four capital letters.`);
  return value;
}

function reasons(node: XmlNode | undefined): StatusReason[] {
  return children(node, 'StsRsnInf').map((r) => {
    const infos = ((r['AddtlInf'] as XmlValue[] | undefined) ?? []).map(text).filter((t): t is string => Boolean(t));
    return { code: path(r, 'Rsn', 'Cd') ?? path(r, 'Rsn', 'Prtry') ?? null, info: infos.length > 0 ? infos.join(' ') : null };
  });
}

/** What a status code means for a payment (ISO 20022 ExternalPaymentTransactionStatus1Code). */
export type PaymentOutcome = 'accepted' | 'rejected' | 'pending';

export function outcomeOf(code: string): PaymentOutcome {
  if (code === 'RJCT') return 'rejected';
  // Received or pending: the bank has not decided yet; a later report will.
  if (code === 'PDNG' || code === 'RCVD') return 'pending';
  // ACCP, ACSP, ACSC, ACTC, ACWC, ACCC, ACFC, ACIS, ACWP and the other accepted states.
  if (code.startsWith('AC')) return 'accepted';
  return 'pending';
}

/** The reason as the rejection stores it: `AC01 Incorrect account number` (≤ 140 characters). */
export function reasonText(reasons: readonly StatusReason[], fallback: string): string {
  const text = reasons
    .map((r) => [r.code, r.info].filter(Boolean).join(' '))
    .filter(Boolean)
    .join('; ');
  return (text || fallback).slice(0, 140);
}

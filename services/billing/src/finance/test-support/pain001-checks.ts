import { readFile } from 'node:fs/promises';
import { validateXML } from 'xmllint-wasm';
import { create } from 'xmlbuilder2';

const XSD_URL = new URL('../xsd/pain.001.001.03.xsd', import.meta.url);

/** Validates a payment file against the official ISO 20022 schema with libxml2 (compiled to WebAssembly: nothing to install). */
export async function validateAgainstXsd(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const xsd = await readFile(XSD_URL, 'utf8');
  const result = await validateXML({
    xml: [{ fileName: 'payment-file.xml', contents: xml }],
    schema: [{ fileName: 'pain.001.001.03.xsd', contents: xsd }],
  });
  return { valid: result.valid, errors: result.errors.map((e) => e.message) };
}

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);
const ore = (kronor: unknown) => Math.round(Number(kronor) * 100);

/**
 * What the schema leaves optional but the Swedish profile and the bank's control totals demand:
 * NbOfTxs and CtrlSum in GrpHdr and in every PmtInf, each agreeing with the transactions.
 */
export function controlTotalProblems(xml: string): string[] {
  const doc = create(xml).end({ format: 'object' }) as Node;
  const root = (doc['Document'] as Node)['CstmrCdtTrfInitn'] as Node;
  const header = root['GrpHdr'] as Node;
  const problems: string[] = [];
  const all: Node[] = [];
  for (const [i, pmtInf] of list(root['PmtInf']).entries()) {
    const txs = list(pmtInf['CdtTrfTxInf']);
    all.push(...txs);
    problems.push(...totals(`PmtInf ${i}`, pmtInf, txs));
  }
  problems.push(...totals('GrpHdr', header, all));
  return problems;
}

function totals(where: string, node: Node, txs: Node[]): string[] {
  const problems: string[] = [];
  const sum = txs.reduce((s, t) => s + ore(((t['Amt'] as Node)['InstdAmt'] as Node)['#']), 0);
  if (node['NbOfTxs'] === undefined) problems.push(`${where}: NbOfTxs is missing`);
  else if (Number(node['NbOfTxs']) !== txs.length) problems.push(`${where}: NbOfTxs ${String(node['NbOfTxs'])} but ${txs.length} transactions`);
  if (node['CtrlSum'] === undefined) problems.push(`${where}: CtrlSum is missing`);
  else if (ore(node['CtrlSum']) !== sum) problems.push(`${where}: CtrlSum ${String(node['CtrlSum'])} but the amounts sum to ${sum / 100}`);
  return problems;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const at = (node: unknown, ...path: string[]): unknown => path.reduce<unknown>((n, key) => (n && typeof n === 'object' ? (n as Node)[key] : undefined), node);

/**
 * What Payments Sweden's common Swedish implementation guide for pain.001.001.03 asks beyond the
 * schema, for domestic SEK payments (ADR 0031), written as an independent reading of the file:
 * - GrpHdr/InitgPty carries Id/OrgId/Othr/Id with a scheme code (the bank finds the agreement by it);
 * - every PmtInf is a transfer (TRF) with service level NURG, ChrgBr SLEV, a debtor IBAN and BIC;
 *   no transaction carries a charge code of its own;
 * - every amount is SEK with two decimals;
 * - a Bankgiro payee goes through SESBA 9900 with scheme BGNR and a Luhn-valid 7–8 digit number; a
 *   Plusgiro payee through SESBA 9960 with scheme BBAN and a Luhn-valid 2–8 digit number; an IBAN
 *   payee with a BIC as creditor agent and no clearing member;
 * - remittance is either unstructured (at most 140 characters) or one structured SCOR reference
 *   that is a valid OCR number (length digit and Luhn check digit), never both;
 * - names are at most 70 characters.
 */
export function swedishGuideProblems(xml: string): string[] {
  const doc = create(xml).end({ format: 'object' }) as Node;
  const root = at(doc, 'Document', 'CstmrCdtTrfInitn') as Node;
  const problems: string[] = [];
  const initiator = at(root, 'GrpHdr', 'InitgPty', 'Id', 'OrgId', 'Othr') as Node | undefined;
  if (!text(at(initiator, 'Id'))) problems.push('GrpHdr: InitgPty/Id/OrgId/Othr/Id is missing');
  if (!['BANK', 'CUST'].includes(text(at(initiator, 'SchmeNm', 'Cd')) ?? '')) problems.push('GrpHdr: InitgPty scheme code is not BANK or CUST');
  for (const [i, pmtInf] of list(root['PmtInf']).entries()) {
    const where = `PmtInf ${i}`;
    if (text(pmtInf['PmtMtd']) !== 'TRF') problems.push(`${where}: PmtMtd is not TRF`);
    if (text(at(pmtInf, 'PmtTpInf', 'SvcLvl', 'Cd')) !== 'NURG') problems.push(`${where}: service level is not NURG`);
    if (text(pmtInf['ChrgBr']) !== 'SLEV') problems.push(`${where}: ChrgBr is not SLEV`);
    if (!/^SE\d{22}$/.test(text(at(pmtInf, 'DbtrAcct', 'Id', 'IBAN')) ?? '')) problems.push(`${where}: the debtor account is not a Swedish IBAN`);
    if (!text(at(pmtInf, 'DbtrAgt', 'FinInstnId', 'BIC'))) problems.push(`${where}: the debtor agent has no BIC`);
    for (const [j, tx] of list(pmtInf['CdtTrfTxInf']).entries()) problems.push(...transactionProblems(`${where} tx ${j}`, tx));
  }
  return problems;
}

function transactionProblems(where: string, tx: Node): string[] {
  const problems: string[] = [];
  if (tx['ChrgBr'] !== undefined) problems.push(`${where}: a charge code on the transaction`);
  const amount = at(tx, 'Amt', 'InstdAmt') as Node;
  if (text(amount['@Ccy']) !== 'SEK') problems.push(`${where}: currency is not SEK`);
  if (!/^\d+\.\d\d$/.test(text(amount['#']) ?? '')) problems.push(`${where}: the amount has not two decimals`);
  if ((text(at(tx, 'Cdtr', 'Nm')) ?? '').length > 70) problems.push(`${where}: the payee name is longer than 70`);
  const member = text(at(tx, 'CdtrAgt', 'FinInstnId', 'ClrSysMmbId', 'MmbId'));
  const system = text(at(tx, 'CdtrAgt', 'FinInstnId', 'ClrSysMmbId', 'ClrSysId', 'Cd'));
  const bic = text(at(tx, 'CdtrAgt', 'FinInstnId', 'BIC'));
  const iban = text(at(tx, 'CdtrAcct', 'Id', 'IBAN'));
  const other = text(at(tx, 'CdtrAcct', 'Id', 'Othr', 'Id')) ?? '';
  const proprietary = text(at(tx, 'CdtrAcct', 'Id', 'Othr', 'SchmeNm', 'Prtry'));
  const code = text(at(tx, 'CdtrAcct', 'Id', 'Othr', 'SchmeNm', 'Cd'));
  if (iban !== undefined) {
    if (!bic || member !== undefined) problems.push(`${where}: an IBAN payee needs a BIC and no clearing member`);
  } else if (proprietary === 'BGNR') {
    if (system !== 'SESBA' || member !== '9900') problems.push(`${where}: a Bankgiro payee must go through SESBA 9900`);
    if (!/^\d{7,8}$/.test(other) || !luhnHolds(other)) problems.push(`${where}: ${other} is not a valid Bankgiro number`);
  } else if (code === 'BBAN' && member === '9960') {
    if (system !== 'SESBA') problems.push(`${where}: a Plusgiro payee must go through SESBA 9960`);
    if (!/^\d{2,8}$/.test(other) || !luhnHolds(other)) problems.push(`${where}: ${other} is not a valid Plusgiro number`);
  } else problems.push(`${where}: the payee account is neither IBAN, Bankgiro nor Plusgiro`);
  const rmt = tx['RmtInf'] as Node | undefined;
  const unstructured = list(rmt?.['Ustrd']);
  const structured = list(rmt?.['Strd']);
  if (unstructured.length > 0 && structured.length > 0) problems.push(`${where}: both unstructured and structured remittance`);
  if (unstructured.some((u) => (text(u) ?? '').length > 140)) problems.push(`${where}: unstructured remittance longer than 140`);
  for (const s of structured) {
    const ref = text(at(s, 'CdtrRefInf', 'Ref')) ?? '';
    if (text(at(s, 'CdtrRefInf', 'Tp', 'CdOrPrtry', 'Cd')) !== 'SCOR') problems.push(`${where}: a structured reference that is not SCOR`);
    // OCR: the second-last digit is the length mod 10, the last the Luhn check digit.
    if (!/^\d{2,25}$/.test(ref) || Number(ref.at(-2)) !== ref.length % 10 || !luhnHolds(ref)) problems.push(`${where}: ${ref} is not a valid OCR reference`);
  }
  return problems;
}

/** Luhn over a whole number, check digit included: an independent implementation of Bankgirot's mod 10. */
function luhnHolds(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((d, i) => {
    const n = Number(d) * (i % 2 === 1 ? 2 : 1);
    sum += n > 9 ? n - 9 : n;
  });
  return sum % 10 === 0;
}

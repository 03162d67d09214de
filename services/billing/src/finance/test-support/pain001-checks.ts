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

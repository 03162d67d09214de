import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Reading the bank's XML answers (pain.002, camt.054). `fast-xml-parser` checks that the text is
 * well-formed and turns it into plain objects; namespace prefixes are dropped, because banks
 * differ in whether they write `<Document>` or `<ns2:Document>`, and the message's namespace is
 * checked on its own. Every value stays a string: amounts are turned into öre by `parseKronor`.
 */

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

/** A file that is not the message it claims to be; `field` is the element's path in the message. */
export class BankFileError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BankFileError';
  }
}

/** Elements that may repeat, read as arrays whether one or many are present. */
export function readXmlDocument(xml: string, repeating: ReadonlySet<string>): { namespace: string; document: XmlNode } {
  // Banks never send a DTD; refusing one keeps entity expansion out of reach.
  if (/<!DOCTYPE/i.test(xml)) throw new BankFileError('body', 'The file has a DOCTYPE; a bank message has none.');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new BankFileError('body', `The file is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}).`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#',
    removeNSPrefix: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => repeating.has(localName(name)),
  });
  const parsed = parser.parse(xml) as XmlNode;
  const rootName = Object.keys(parsed).find((k) => localName(k) === 'Document');
  if (rootName === undefined) throw new BankFileError('body', 'The file has no ISO 20022 Document element.');
  const root = parsed[rootName] as XmlNode;
  const prefix = rootName.includes(':') ? rootName.slice(0, rootName.indexOf(':')) : '';
  const namespace = root[prefix ? `@xmlns:${prefix}` : '@xmlns'];
  return { namespace: typeof namespace === 'string' ? namespace : '', document: stripPrefixes(root) as XmlNode };
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

function stripPrefixes(value: XmlValue): XmlValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(stripPrefixes);
  const out: XmlNode = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('@xmlns')) continue;
    out[k.startsWith('@') ? `@${localName(k.slice(1))}` : localName(k)] = stripPrefixes(v);
  }
  return out;
}

/** A child element, or undefined. */
export function child(node: XmlValue | undefined, name: string): XmlValue | undefined {
  return node !== undefined && typeof node === 'object' && !Array.isArray(node) ? node[name] : undefined;
}

/** Repeating children as a list (empty when absent). */
export function children(node: XmlValue | undefined, name: string): XmlNode[] {
  const v = child(node, name);
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is XmlNode => typeof x === 'object' && !Array.isArray(x));
}

/** The text of an element (also of one with attributes), or undefined. */
export function text(node: XmlValue | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return undefined;
  const t = node['#'];
  return typeof t === 'string' ? t : Object.keys(node).length === 0 ? '' : undefined;
}

/** Text at a path of single children, e.g. `path(tx, 'Rsn', 'Cd')`. */
export function path(node: XmlValue | undefined, ...names: string[]): string | undefined {
  let at = node;
  for (const n of names) at = child(at, n);
  return text(at);
}

/** The text at `field`, which must be present and non-empty. */
export function required(node: XmlValue | undefined, field: string, ...names: string[]): string {
  const v = path(node, ...names);
  if (v === undefined || v === '') throw new BankFileError(`${field}.${names.join('.')}`, `${names.at(-1)} is missing.`);
  return v;
}

/** ISO 20022 amounts (`1234.5`, `0.07`) in öre, exactly: at most two decimals, no floating point. */
export function parseKronor(value: string, field: string): number {
  const m = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!m) throw new BankFileError(field, `"${value}" is not an amount in kronor with at most two decimals.`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

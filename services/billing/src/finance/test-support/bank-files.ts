import { readFile } from 'node:fs/promises';
import { validateXML } from 'xmllint-wasm';
import { create } from 'xmlbuilder2';

/**
 * Real-looking bank files for tests — what a Swedish bank and Bankgirot send — and their check
 * against the official ISO 20022 schemas in `../xsd` with libxml2 (WebAssembly).
 */
export async function validateAgainst(xsd: 'pain.002.001.03' | 'pain.002.001.12' | 'camt.054.001.02', xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const schema = await readFile(new URL(`../xsd/${xsd}.xsd`, import.meta.url), 'utf8');
  const result = await validateXML({ xml: [{ fileName: 'bank-file.xml', contents: xml }], schema: [{ fileName: `${xsd}.xsd`, contents: schema }] });
  return { valid: result.valid, errors: result.errors.map((e) => e.message) };
}

export type SampleTx = { endToEndId: string; status?: string; reason?: string; info?: string };

/** A pain.002 status report as a bank writes it in answer to our pain.001.001.03 file. */
export function pain002Xml(r: {
  version?: '03' | '10' | '12';
  messageId: string;
  originalMessageId: string;
  groupStatus?: string;
  groupReason?: string;
  paymentInfoId?: string;
  paymentInfoStatus?: string;
  transactions?: SampleTx[];
  prefix?: string;
}): string {
  const reason = (code: string | undefined, info: string | undefined) =>
    code === undefined ? {} : { StsRsnInf: { Rsn: { Cd: code }, ...(info ? { AddtlInf: info } : {}) } };
  const pmtInf =
    r.paymentInfoId === undefined
      ? {}
      : {
          OrgnlPmtInfAndSts: {
            OrgnlPmtInfId: r.paymentInfoId,
            ...(r.paymentInfoStatus ? { PmtInfSts: r.paymentInfoStatus } : {}),
            ...(r.transactions && r.transactions.length > 0
              ? {
                  TxInfAndSts: r.transactions.map((t, i) => ({
                    StsId: `${r.messageId}-${i + 1}`,
                    OrgnlEndToEndId: t.endToEndId,
                    ...(t.status ? { TxSts: t.status } : {}),
                    ...reason(t.reason, t.info),
                  })),
                }
              : {}),
          },
        };
  const body = {
    // The agent's BIC element was renamed BICFI after version 03.
    GrpHdr: { MsgId: r.messageId, CreDtTm: '2025-06-26T08:15:02', DbtrAgt: { FinInstnId: { [(r.version ?? '03') === '03' ? 'BIC' : 'BICFI']: 'ESSESESS' } } },
    OrgnlGrpInfAndSts: {
      OrgnlMsgId: r.originalMessageId,
      OrgnlMsgNmId: 'pain.001.001.03',
      ...(r.groupStatus ? { GrpSts: r.groupStatus } : {}),
      ...reason(r.groupReason, r.groupReason ? 'Se transaktionerna' : undefined),
    },
    ...pmtInf,
  };
  const ns = `urn:iso:std:iso:20022:tech:xsd:pain.002.001.${r.version ?? '03'}`;
  const document = r.prefix
    ? { [`${r.prefix}:Document`]: { [`@xmlns:${r.prefix}`]: ns, [`${r.prefix}:CstmrPmtStsRpt`]: prefixed(body, r.prefix) } }
    : { Document: { '@xmlns': ns, CstmrPmtStsRpt: body } };
  return create({ version: '1.0', encoding: 'UTF-8' }, document).end({ prettyPrint: true });
}

function prefixed(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((v) => prefixed(v, prefix));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.startsWith('@') || k === '#' ? k : `${prefix}:${k}`, prefixed(v, prefix)]));
}

export type SampleEntry = {
  amount: string;
  indicator?: 'CRDT' | 'DBIT';
  status?: 'BOOK' | 'PDNG';
  bookingDate: string;
  reference?: string;
  transactions?: { amount: string; ocr?: string; text?: string; payer?: string; reference?: string }[];
};

/** A camt.054.001.02 notification of payments to the municipality's Bankgiro, as a Swedish bank sends it. */
export function camt054Xml(n: { messageId: string; entries: SampleEntry[] }): string {
  const document = {
    Document: {
      '@xmlns': 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.02',
      BkToCstmrDbtCdtNtfctn: {
        GrpHdr: { MsgId: n.messageId, CreDtTm: '2025-06-27T06:00:00' },
        Ntfctn: {
          Id: `${n.messageId}-1`,
          CreDtTm: '2025-06-27T06:00:00',
          Acct: { Id: { Othr: { Id: '56781234', SchmeNm: { Prtry: 'BGNR' } } }, Ccy: 'SEK' },
          Ntry: n.entries.map((e) => ({
            Amt: { '@Ccy': 'SEK', '#': e.amount },
            CdtDbtInd: e.indicator ?? 'CRDT',
            Sts: e.status ?? 'BOOK',
            BookgDt: { Dt: e.bookingDate },
            ValDt: { Dt: e.bookingDate },
            ...(e.reference ? { AcctSvcrRef: e.reference } : {}),
            BkTxCd: { Domn: { Cd: 'PMNT', Fmly: { Cd: 'RCDT', SubFmlyCd: 'DMCT' } } },
            ...(e.transactions
              ? {
                  NtryDtls: {
                    TxDtls: e.transactions.map((t) => ({
                      ...(t.reference ? { Refs: { AcctSvcrRef: t.reference } } : {}),
                      AmtDtls: { TxAmt: { Amt: { '@Ccy': 'SEK', '#': t.amount } } },
                      ...(t.payer ? { RltdPties: { Dbtr: { Nm: t.payer } } } : {}),
                      RmtInf: {
                        ...(t.text ? { Ustrd: t.text } : {}),
                        ...(t.ocr ? { Strd: { CdtrRefInf: { Tp: { CdOrPrtry: { Cd: 'SCOR' } }, Ref: t.ocr } } } : {}),
                      },
                    })),
                  },
                }
              : {}),
          })),
        },
      },
    },
  };
  return create({ version: '1.0', encoding: 'UTF-8' }, document).end({ prettyPrint: true });
}

/** BgMax records, 80 characters each, built field by field at Bankgirot's positions. */
export const bgmax = {
  start: (timestamp: string, marker: 'P' | 'T' = 'P') => line(`01${'BGMAX'.padEnd(20)}01${timestamp}${marker}`),
  opening: (bankgiro: string) => line(`05${bankgiro.padStart(10, '0')}${' '.repeat(10)}SEK`),
  payment: (p: { sender?: string; reference: string; ore: number; referenceCode?: string; channel?: string; serial: string }, tk: '20' | '21' = '20') =>
    line(`${tk}${(p.sender ?? '').padStart(10, '0')}${p.reference.padEnd(25)}${String(p.ore).padStart(18, '0')}${p.referenceCode ?? '2'}${p.channel ?? '1'}${p.serial.padStart(12, '0')}0${tk === '21' ? '0' : ''}`),
  information: (text: string) => line(`25${text.padEnd(50)}`),
  name: (name: string) => line(`26${name.padEnd(35)}`),
  address: (street: string, postCode: string) => line(`27${street.padEnd(35)}${postCode.padEnd(9)}`),
  town: (town: string) => line(`28${town.padEnd(35)}`),
  payerId: (id: string) => line(`29${id.padEnd(12)}`),
  deposit: (d: { account: string; date: string; serial: string; ore: number; count: number }) =>
    line(`15${d.account.padStart(35, '0')}${d.date}${d.serial.padStart(5, '0')}${String(d.ore).padStart(18, '0')}SEK${String(d.count).padStart(8, '0')} `),
  end: (c: { payments: number; deductions?: number; references?: number; deposits: number }) =>
    line(`70${[c.payments, c.deductions ?? 0, c.references ?? 0, c.deposits].map((n) => String(n).padStart(8, '0')).join('')}`),
};

function line(s: string): string {
  if (s.length > 80) throw new Error(`record longer than 80: ${s}`);
  return s.padEnd(80, ' ');
}

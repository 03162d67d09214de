import { describe, expect, it } from 'vitest';
import { outcomeOf, parsePain002, reasonText } from './pain002.js';
import { pain002Xml, validateAgainst } from './test-support/bank-files.js';

const partlyRejected = {
  messageId: 'STS20250626-0001',
  originalMessageId: 'KV0123456789abcdef0123456789ab',
  groupStatus: 'PART',
  paymentInfoId: 'KV0123456789abcdef0123456789ab-1',
  transactions: [
    { endToEndId: '5f1c0e2a9b7d4c3e8a6f1b2c3d4e5f60', status: 'RJCT', reason: 'AC01', info: 'Mottagarkontot finns inte' },
    { endToEndId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', status: 'ACSC' },
  ],
};

describe('pain.002 status reports', () => {
  it('a partly rejected report in pain.002.001.03 (what the banks answer a pain.001.001.03 with) is valid against the official schema', async () => {
    expect(await validateAgainst('pain.002.001.03', pain002Xml(partlyRejected))).toEqual({ valid: true, errors: [] });
  });

  it('the same report in pain.002.001.12 is valid against the official .12 schema', async () => {
    expect(await validateAgainst('pain.002.001.12', pain002Xml({ ...partlyRejected, version: '12' }))).toEqual({ valid: true, errors: [] });
  });

  it('reads the group status, and each transaction by EndToEndId with its status and reason', () => {
    expect(parsePain002(pain002Xml(partlyRejected))).toEqual({
      messageId: 'STS20250626-0001',
      createdAt: '2025-06-26T08:15:02',
      namespace: 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.03',
      originalMessageId: 'KV0123456789abcdef0123456789ab',
      originalMessageName: 'pain.001.001.03',
      groupStatus: 'PART',
      groupReasons: [],
      paymentInfos: [
        {
          originalPaymentInfoId: 'KV0123456789abcdef0123456789ab-1',
          status: null,
          reasons: [],
          field: 'body.CstmrPmtStsRpt.OrgnlPmtInfAndSts.0',
          transactions: [
            { endToEndId: '5f1c0e2a9b7d4c3e8a6f1b2c3d4e5f60', status: 'RJCT', reasons: [{ code: 'AC01', info: 'Mottagarkontot finns inte' }], field: 'body.CstmrPmtStsRpt.OrgnlPmtInfAndSts.0.TxInfAndSts.0.OrgnlEndToEndId' },
            { endToEndId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', status: 'ACSC', reasons: [], field: 'body.CstmrPmtStsRpt.OrgnlPmtInfAndSts.0.TxInfAndSts.1.OrgnlEndToEndId' },
          ],
        },
      ],
    });
  });

  it('reads a report whose elements carry a namespace prefix, and .10 and .12 alike', () => {
    const prefixed = parsePain002(pain002Xml({ ...partlyRejected, prefix: 'ns2' }));
    expect(prefixed.paymentInfos[0]!.transactions.map((t) => [t.endToEndId, t.status])).toEqual([
      ['5f1c0e2a9b7d4c3e8a6f1b2c3d4e5f60', 'RJCT'],
      ['0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'ACSC'],
    ]);
    expect(parsePain002(pain002Xml({ ...partlyRejected, version: '10' })).namespace).toBe('urn:iso:std:iso:20022:tech:xsd:pain.002.001.10');
    expect(parsePain002(pain002Xml({ ...partlyRejected, version: '12' })).groupStatus).toBe('PART');
  });

  it('reads a whole rejection given only at group level', () => {
    const report = parsePain002(pain002Xml({ messageId: 'STS-2', originalMessageId: 'KV1', groupStatus: 'RJCT', groupReason: 'AM04' }));
    expect([report.groupStatus, report.groupReasons, report.paymentInfos]).toEqual(['RJCT', [{ code: 'AM04', info: 'Se transaktionerna' }], []]);
  });

  it('refuses what is not a pain.002 report, naming the element', () => {
    const refused = (xml: string) => {
      try {
        parsePain002(xml);
        return null;
      } catch (err) {
        return { field: (err as { field: string }).field, message: (err as Error).message };
      }
    };
    expect(refused('<Document><CstmrPmtStsRpt>')).toMatchObject({ field: 'body', message: expect.stringMatching(/^The file is not well-formed XML/) });
    expect(refused(pain002Xml(partlyRejected).replace('pain.002.001.03', 'pain.001.001.03'))).toEqual({ field: 'body', message: 'The namespace "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" is not pain.002.001.03, .10 or .12.' });
    expect(refused(pain002Xml(partlyRejected).replace(/<OrgnlMsgId>.*<\/OrgnlMsgId>/, ''))).toEqual({ field: 'body.CstmrPmtStsRpt.OrgnlGrpInfAndSts.OrgnlMsgId', message: 'OrgnlMsgId is missing.' });
    expect(refused(pain002Xml(partlyRejected).replace('<TxSts>ACSC</TxSts>', '<TxSts>ok</TxSts>'))).toEqual({ field: 'body.CstmrPmtStsRpt.OrgnlPmtInfAndSts.0.TxInfAndSts.1.TxSts', message: '"ok" is not a status code of four capital letters.' });
    expect(refused('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document/>')).toEqual({ field: 'body', message: 'The file has a DOCTYPE; a bank message has none.' });
  });

  it('maps the status codes: RJCT rejected, PDNG and RCVD pending, the AC… codes accepted', () => {
    expect(['RJCT', 'PDNG', 'RCVD', 'ACCP', 'ACSC', 'ACTC', 'ACSP', 'ACWC'].map(outcomeOf)).toEqual(['rejected', 'pending', 'pending', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(reasonText([{ code: 'AC01', info: 'Mottagarkontot finns inte' }, { code: 'BE05', info: null }], 'x')).toBe('AC01 Mottagarkontot finns inte; BE05');
    expect(reasonText([], 'RJCT (no reason given)')).toBe('RJCT (no reason given)');
  });
});

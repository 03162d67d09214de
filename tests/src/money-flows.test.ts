import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPlatform } from '@kundval/infra';
import { issueToken } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';
import { Actor, actors, eventually, nextIdentityNumber, runHomeCareJourney, type VisitPlan } from './driver/index.js';
import { startTestPlatform } from './support/platform.js';

/**
 * The money after the journey, end to end on real Temporal, NATS and services (ADR 0021, 0039,
 * 0040): the bank's rejection of a payment and its retry to the corrected account, customers'
 * payments of their fee invoices by OCR (in two parts, and none: a reminder), and the yearly
 * customer survey published into the choice listing with a follow-up task for the case handler.
 *
 * Fee invoices are due and reminded at once here (FEE_PAYMENT_TERM_DAYS = FEE_REMINDER_DAYS = 0):
 * the invoices are made today, and reminders are judged by today at the latest.
 */
const PRIVATE_PROVIDER_MONTH: VisitPlan[] = [
  { externalId: 'v-mon-morning', kind: 'care', start: '2026-02-02T08:00:00+01:00', end: '2026-02-02T09:00:00+01:00' },
  { externalId: 'v-tue-boundary', kind: 'care', start: '2026-02-03T18:30:00+01:00', end: '2026-02-03T19:30:00+01:00' },
  { externalId: 'v-wed-cleaning', kind: 'service', start: '2026-02-04T13:00:00+01:00', end: '2026-02-04T15:00:00+01:00' },
  { externalId: 'v-fri-evening', kind: 'care', start: '2026-02-06T19:00:00+01:00', end: '2026-02-06T20:00:00+01:00' },
  { externalId: 'v-sat', kind: 'care', start: '2026-02-07T10:00:00+01:00', end: '2026-02-07T10:45:00+01:00' },
  { externalId: 'v-sun-late', kind: 'care', start: '2026-02-08T21:30:00+01:00', end: '2026-02-08T22:30:00+01:00' },
];
const WEEKDAY_MORNINGS: VisitPlan[] = [9, 10, 11, 12, 13].map((day) => ({
  externalId: `v-feb-${day}`,
  kind: 'care' as const,
  start: `2026-02-${String(day).padStart(2, '0')}T08:00:00+01:00`,
  end: `2026-02-${String(day).padStart(2, '0')}T10:00:00+01:00`,
}));

type Batch = { batchId: string; messageId: string; status: string; includedOre: number; items: Array<{ paymentId: string; providerId: string; amountOre: number; endToEndId: string; status: string; account: { kind: string; number: string }; rejectionReason: string | null }> };
type Invoice = { invoiceId: string; feeOre: number; ocrReference: string | null; toPayOre: number };

describe('money flows after the journey, end to end', () => {
  let platform: LocalPlatform;
  const finance: Principal = { sub: 'ekonom-1', role: 'finance' };
  let chosen: Awaited<ReturnType<typeof runHomeCareJourney>>;
  let byDefault: Awaited<ReturnType<typeof runHomeCareJourney>>;

  beforeAll(async () => {
    platform = await startTestPlatform('money-flows', { env: { FEE_PAYMENT_TERM_DAYS: '0', FEE_REMINDER_DAYS: '0' } });
    // A customer at a private provider, fee capped by the fee room (1 204 kr), paid 2 039,50 kr; and one
    // at the default provider, fee capped at the 2026 maxtaxa (2 660 kr), paid 2 930 kr.
    chosen = await runHomeCareJourney(platform, {
      identityNumber: nextIdentityNumber(1937),
      careHoursPerMonth: 8,
      serviceHoursPerMonth: 2,
      validFrom: '2026-02-01',
      validTo: '2026-02-28',
      feeBasis: { netIncomeOre: 1_500_000, housingCostOre: 650_000, household: 'single' },
      choose: 'saltsjo-omsorg',
      month: '2026-02',
      visits: PRIVATE_PROVIDER_MONTH,
    });
    byDefault = await runHomeCareJourney(platform, {
      identityNumber: nextIdentityNumber(1939),
      careHoursPerMonth: 10,
      serviceHoursPerMonth: 0,
      validFrom: '2026-02-01',
      validTo: '2026-02-28',
      choose: null,
      month: '2026-02',
      visits: WEEKDAY_MORNINGS,
    });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  /** A request with a raw body (a bank file), as `who`. */
  async function send(who: Principal, method: 'POST' | 'PUT', url: string, body: string, contentType: string) {
    const token = await tokenFor(who);
    const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const people = () => actors(platform);
  const financeActor = () => new Actor(platform.auth, finance);

  it('a payment the bank rejects for its account is retried to the corrected account in a new batch, and only then', async () => {
    expect(chosen.settled).toMatchObject({ paymentOre: 203_950, feeOre: 120_400 });
    expect(byDefault.settled).toMatchObject({ paymentOre: 293_000, feeOre: 266_000 });
    const fin = financeActor();
    const billing = platform.urls.billing;
    await fin.ok('PUT', `${billing}/providers/saltsjo-omsorg/account`, { name: 'Saltsjö Omsorg AB', bankgiro: '5050-1055' });
    await fin.ok('PUT', `${billing}/providers/nacka-hemtjanst/account`, { name: 'Nacka hemtjänst', bankgiro: '902-0900' });
    const batch = await fin.ok<Batch>('POST', `${billing}/payment-batches`, { month: '2026-02' });
    expect(batch.items.map((i) => [i.providerId, i.amountOre]).sort()).toEqual([
      ['nacka-hemtjanst', 293_000],
      ['saltsjo-omsorg', 203_950],
    ]);
    expect(batch.includedOre).toBe(496_950);
    await fin.ok('POST', `${billing}/payment-batches/${batch.batchId}/sent`);
    const saltsjo = batch.items.find((i) => i.providerId === 'saltsjo-omsorg')!;

    // The bank's pain.002: the payment to Saltsjö rejected (AC01, wrong account number), the rest accepted.
    const report = pain002({ messageId: `STS-${batch.messageId}`, originalMessageId: batch.messageId, groupStatus: 'PART', paymentInfoId: `${batch.messageId}-1`, rejected: saltsjo.endToEndId });
    const imported = await send(finance, 'POST', `${billing}/payment-batches/${batch.batchId}/status-report`, report, 'application/xml');
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body['batch']).toMatchObject({ status: 'rejected-partly' });
    const after = await fin.ok<Batch>('GET', `${billing}/payment-batches/${batch.batchId}`);
    expect(after.items.find((i) => i.providerId === 'saltsjo-omsorg')).toMatchObject({ status: 'rejected', rejectionReason: 'AC01 Felaktigt kontonummer' });

    // Retried before the account is fixed: refused, nothing paid again.
    const early = await fin.call<{ error: string }>('POST', `${billing}/payment-batches/${batch.batchId}/retry`, {});
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('BILLING.ACCOUNT_NOT_CORRECTED');

    await fin.ok('PUT', `${billing}/providers/saltsjo-omsorg/account`, { name: 'Saltsjö Omsorg AB', bankgiro: '5402-9681' });
    const retried = await fin.call<Batch>('POST', `${billing}/payment-batches/${batch.batchId}/retry`, {});
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.body.items.map((i) => [i.providerId, i.amountOre, i.account.kind, i.account.number])).toEqual([['saltsjo-omsorg', 203_950, 'bankgiro', '54029681']]);
    expect(retried.body.includedOre).toBe(203_950);
    // The new file pays 2 039,50 kr to the corrected Bankgiro, once.
    const file = await fetch(`${billing}/payment-batches/${retried.body.batchId}/pain001`, { headers: { authorization: `Bearer ${await tokenFor(finance)}` } });
    const xml = await file.text();
    expect(xml).toContain('<InstdAmt Ccy="SEK">2039.50</InstdAmt>');
    expect(xml).toContain('<Id>54029681</Id>');
    expect(xml.match(/<CdtTrfTxInf>/g)).toHaveLength(1);
  });

  it('a fee invoice paid in two parts by its OCR is paid; another left unpaid is reminded, once', async () => {
    const fin = financeActor();
    const billing = platform.urls.billing;
    const [paidInParts] = await people().citizen(chosen.customerId).ok<Invoice[]>('GET', `${billing}/customers/${chosen.customerId}/invoices`);
    const [unpaid] = await people().citizen(byDefault.customerId).ok<Invoice[]>('GET', `${billing}/customers/${byDefault.customerId}/invoices`);
    expect([paidInParts!.feeOre, paidInParts!.toPayOre, unpaid!.feeOre]).toEqual([120_400, 120_400, 266_000]);

    // 700 kr on the 10th, then the remaining 504 kr on the 20th, each by the OCR (camt.054).
    const first = await send(finance, 'POST', `${billing}/incoming-payments/camt054`, camt054(`IN-1-${chosen.customerId}`, '2026-03-10', [{ amount: '700.00', ocr: paidInParts!.ocrReference!, ref: `BANK-${chosen.customerId}-1` }]), 'application/xml');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body['payments']).toMatchObject([{ status: 'matched', invoiceId: paidInParts!.invoiceId, appliedOre: 70_000, creditOre: 0, invoiceStatus: 'part-paid', invoiceBalanceOre: 50_400 }]);
    const second = await send(finance, 'POST', `${billing}/incoming-payments/camt054`, camt054(`IN-2-${chosen.customerId}`, '2026-03-20', [{ amount: '504.00', ocr: paidInParts!.ocrReference!, ref: `BANK-${chosen.customerId}-2` }]), 'application/xml');
    expect(second.body['payments']).toMatchObject([{ status: 'matched', appliedOre: 50_400, creditOre: 0, invoiceStatus: 'paid', invoiceBalanceOre: 0 }]);

    const reminded = await fin.ok<{ reminded: Array<{ invoiceId: string; balanceOre: number; feeOre: number; paidOre: number }> }>('POST', `${billing}/fee-invoices/reminders`, {});
    const ours = reminded.reminded.filter((r) => [paidInParts!.invoiceId, unpaid!.invoiceId].includes(r.invoiceId));
    expect(ours).toMatchObject([{ invoiceId: unpaid!.invoiceId, feeOre: 266_000, paidOre: 0, balanceOre: 266_000 }]);
    const again = await fin.ok<{ reminded: Array<{ invoiceId: string }> }>('POST', `${billing}/fee-invoices/reminders`, {});
    expect(again.reminded.filter((r) => r.invoiceId === unpaid!.invoiceId)).toEqual([]);

    // The customer's statement says the same.
    const statement = await people().citizen(chosen.customerId).ok<{ lines: Array<{ feeOre: number; paidOre: number; balanceOre: number }>; balanceOre: number }>('GET', `${billing}/customers/${chosen.customerId}/fee-statement`);
    expect(statement.lines.map((l) => [l.feeOre, l.paidOre, l.balanceOre])).toEqual([[120_400, 120_400, 0]]);
    expect(statement.balanceOre).toBe(0);
  });

  it('a survey the customers answer with their own tokens is published into the choice listing, and a provider below the threshold gets a follow-up task', async () => {
    const orders = platform.urls.orders;
    const caseHandler = people().caseHandler;
    const survey = await caseHandler.ok<{ surveyId: string }>('POST', `${orders}/surveys`, { areaId: 'home-care', year: 2026 });
    await people().citizen(chosen.customerId).ok('POST', `${orders}/surveys/${survey.surveyId}/answers`, { providerId: 'saltsjo-omsorg', score: 5 });
    await people().citizen(byDefault.customerId).ok('POST', `${orders}/surveys/${survey.surveyId}/answers`, { providerId: 'nacka-hemtjanst', score: 3 });
    const twice = await people().citizen(chosen.customerId).call<{ error: string }>('POST', `${orders}/surveys/${survey.surveyId}/answers`, { providerId: 'saltsjo-omsorg', score: 1 });
    expect([twice.status, twice.body.error]).toEqual([409, 'ORDERS.SURVEY_ALREADY_ANSWERED']);
    // A customer may not speak of a provider that did not serve them.
    const other = await people().citizen(byDefault.customerId).call<{ error: string }>('POST', `${orders}/surveys/${survey.surveyId}/answers`, { providerId: 'saltsjo-omsorg', score: 1 });
    expect(other.status).toBe(409);

    const published = await caseHandler.ok<{ results: Array<{ providerId: string; score: number; answers: number; followUp: boolean }> }>('POST', `${orders}/surveys/${survey.surveyId}/publish`, {});
    expect(published.results).toEqual([
      { providerId: 'nacka-hemtjanst', score: 3, answers: 1, followUp: true },
      { providerId: 'saltsjo-omsorg', score: 5, answers: 1, followUp: false },
    ]);
    const listing = await people().citizen(chosen.customerId).ok<Array<Record<string, unknown>>>('GET', `${orders}/providers?areaId=home-care`);
    expect(listing.find((p) => p['providerId'] === 'saltsjo-omsorg')).toMatchObject({ satisfactionScore: 5, satisfactionAnswers: 1, satisfactionYear: 2026, satisfactionSource: 'survey' });
    expect(listing.find((p) => p['providerId'] === 'nacka-hemtjanst')).toMatchObject({ satisfactionScore: 3, satisfactionAnswers: 1, satisfactionYear: 2026, satisfactionSource: 'survey' });

    // The decisions service turns the published survey into the case handler's task, through NATS.
    const tasks = await eventually(async () => {
      const open = await caseHandler.ok<Array<{ kind: string; providerId: string | null; applicationId: string | null; key: string; message: string }>>('GET', `${platform.urls.decisions}/tasks?kind=survey-follow-up&status=open`);
      return open.length > 0 ? open : undefined;
    }, 'the survey follow-up task');
    expect(tasks).toEqual([
      expect.objectContaining({
        kind: 'survey-follow-up',
        providerId: 'nacka-hemtjanst',
        applicationId: null,
        key: `${survey.surveyId}:nacka-hemtjanst`,
        message: 'nacka-hemtjanst scored 3,0 from 1 answer(s) in the customer survey of home-care 2026, below 3,5: follow up the provider\'s quality.',
      }),
    ]);
  });

  /** The local platform signs with the development issuer. */
  async function tokenFor(who: Principal) {
    return issueToken(platform.auth, who);
  }
});

/** A pain.002.001.03 status report as a Swedish bank answers a pain.001 file: one transfer rejected (AC01), the others accepted. */
function pain002(r: { messageId: string; originalMessageId: string; groupStatus: string; paymentInfoId: string; rejected: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>${r.messageId}</MsgId><CreDtTm>2026-03-02T08:15:02</CreDtTm><DbtrAgt><FinInstnId><BIC>ESSESESS</BIC></FinInstnId></DbtrAgt></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>${r.originalMessageId}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId><GrpSts>${r.groupStatus}</GrpSts></OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>${r.paymentInfoId}</OrgnlPmtInfId>
      <TxInfAndSts><StsId>${r.messageId}-1</StsId><OrgnlEndToEndId>${r.rejected}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC01</Cd></Rsn><AddtlInf>Felaktigt kontonummer</AddtlInf></StsRsnInf></TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>`;
}

/** A camt.054.001.02 notification of booked payments to the municipality's Bankgiro, each with its OCR as a structured reference. */
function camt054(messageId: string, bookingDate: string, payments: Array<{ amount: string; ocr: string; ref: string }>): string {
  const entries = payments
    .map(
      (p) => `
      <Ntry>
        <Amt Ccy="SEK">${p.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>${bookingDate}</Dt></BookgDt><ValDt><Dt>${bookingDate}</Dt></ValDt>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>${p.ref}</AcctSvcrRef></Refs>
          <AmtDtls><TxAmt><Amt Ccy="SEK">${p.amount}</Amt></TxAmt></AmtDtls>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${p.ocr}</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>${bookingDate}T06:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>${messageId}-1</Id><CreDtTm>${bookingDate}T06:00:00</CreDtTm>
      <Acct><Id><Othr><Id>56781234</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr></Id><Ccy>SEK</Ccy></Acct>${entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>`;
}

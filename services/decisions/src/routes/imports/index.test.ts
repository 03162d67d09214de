import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { startDecisions, testIdentityNumber, type DecisionJson, type TestDecisions } from '../../test-support/decisions-service.js';

type Report = {
  source: string;
  received: number;
  created: number;
  changed: number;
  unchanged: number;
  rejected: number;
  results: Array<{ index: number; externalId: string | null; status: string; decisionId: string | null; applicationId: string | null; errors: Array<{ field: string; reason: string; code: string }> }>;
};

const PNR = { anna: testIdentityNumber(101), bo: testIdentityNumber(102), carl: testIdentityNumber(103), dora: testIdentityNumber(104), eva: testIdentityNumber(105) };
const homeCare = (externalId: string, identityNumber: string, overrides: Record<string, unknown> = {}) => ({
  externalId,
  identityNumber,
  areaId: 'home-care',
  decidedOn: '2026-01-20',
  outcome: 'granted',
  careHoursPerMonth: 10,
  serviceHoursPerMonth: 4,
  validFrom: '2026-02-01',
  validTo: '2026-07-31',
  ...overrides,
});

/** Good and bad records side by side: the good ones are imported, each bad one reported. */
const MIXED_BATCH = [
  homeCare('T-1', PNR.anna),
  homeCare('T-2', '19400515-0017'),
  { externalId: 'T-3', identityNumber: PNR.bo, areaId: 'day-activities', decidedOn: '2026-01-20', outcome: 'granted', level: 2, daysPerWeek: 2, validFrom: '2026-02-01', validTo: '2026-12-31' },
  homeCare('T-4', PNR.carl, { level: 2 }),
  homeCare('T-5', PNR.carl, { areaId: `x${PNR.eva}` }),
  42,
  { externalId: 'T-7', identityNumber: PNR.dora, areaId: 'nursing-home', decidedOn: '2026-01-10', outcome: 'granted', careNeedPoints: 13, validFrom: '2026-02-01', validTo: '2027-01-31', decidingMunicipality: 'Värmdö' },
  homeCare('T-8', PNR.carl, { validTo: undefined }),
  homeCare(PNR.eva, PNR.eva),
];

describe.each(testEngines())('import of decisions from an external case system on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;
  let administrator: Record<string, string>;
  let first: Report;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_imports');
    caseHandler = await svc.as({ role: 'case-handler' });
    administrator = await svc.as({ role: 'administrator' });
  });
  afterAll(() => svc?.close());

  const importBatch = (records: unknown[], headers = caseHandler, source = 'treserva') =>
    svc.app.inject({ method: 'POST', url: '/imports/decisions', headers, payload: { source, records } });
  const customersWith = async (identityNumber: string) =>
    (await svc.db.selectFrom('customers').select('customer_id').where('identity_number', '=', identityNumber.replace('-', '')).execute()).length;
  const decision = async (decisionId: string) => (await svc.app.inject({ method: 'GET', url: `/decisions/${decisionId}`, headers: caseHandler })).json<DecisionJson>();
  const resultOf = (report: Report, externalId: string) => report.results.find((r) => r.externalId === externalId)!;

  it('imports the good records of a batch and reports each bad one by index, externalId, field and reason, storing nothing of it', async () => {
    const before = await tableCounts(svc.db);
    const res = await importBatch(MIXED_BATCH);
    expect(res.statusCode, res.body).toBe(200);
    first = res.json<Report>();
    expect(first).toMatchObject({ source: 'treserva', received: 9, created: 3, changed: 0, unchanged: 0, rejected: 6 });
    expect(first.results.map((r) => [r.index, r.externalId, r.status, r.errors.map((e) => e.field)])).toEqual([
      [0, 'T-1', 'created', []],
      [1, 'T-2', 'rejected', ['identityNumber']],
      [2, 'T-3', 'created', []],
      [3, 'T-4', 'rejected', ['level']],
      [4, 'T-5', 'rejected', ['areaId']],
      [5, null, 'rejected', ['record']],
      [6, 'T-7', 'created', []],
      [7, 'T-8', 'rejected', ['validTo']],
      [8, null, 'rejected', ['externalId']],
    ]);
    expect(resultOf(first, 'T-2').errors[0]).toMatchObject({ code: 'DOMAIN.IDENTITY_NUMBER_CHECK_DIGIT', reason: expect.stringMatching(/check digit/) });
    expect(resultOf(first, 'T-4').errors[0]!.reason).toMatch(/home-care is decided in hours/);

    const after = await tableCounts(svc.db);
    expect(after['decisions']! - before['decisions']!).toBe(3);
    expect(after['applications']! - before['applications']!).toBe(3);
    expect(after['customers']! - before['customers']!).toBe(3);
    expect(after['outbox']! - before['outbox']!).toBe(6);
    // Carl's records were all bad, and the record whose id was an identity number too: neither left a customer behind.
    expect([await customersWith(PNR.carl), await customersWith(PNR.eva)]).toEqual([0, 0]);
  });

  it('starts each imported journey: applicationReceived, then decisionMade with the level and the deciding municipality', async () => {
    const events = await svc.outbox();
    for (const externalId of ['T-1', 'T-3', 'T-7']) {
      const { applicationId, decisionId } = resultOf(first, externalId);
      const own = events.filter((e) => e.payload['applicationId'] === applicationId);
      expect(own.map((e) => e.subject), externalId).toEqual(['kundval.decisions.application.received.v1', 'kundval.decisions.decision.made.v1']);
      expect(own[0]!.payload).toMatchObject({ channel: 'case-handler', municipality: 'nacka' });
      expect(own[1]!.payload['decisionId']).toBe(decisionId);
    }
    const nursingHome = events.find((e) => e.payload['decisionId'] === resultOf(first, 'T-7').decisionId)!;
    expect(nursingHome.payload).toMatchObject({ areaId: 'nursing-home', level: 4, decidingMunicipality: 'Värmdö', municipality: 'nacka' });
    const dayActivities = events.find((e) => e.payload['decisionId'] === resultOf(first, 'T-3').decisionId)!;
    expect(dayActivities.payload).toMatchObject({ level: 2, decidingMunicipality: null });
    expect(await decision(resultOf(first, 'T-1').decisionId!)).toMatchObject({ decidedOn: '2026-01-20', careHoursPerMonth: 10, version: 1 });
  });

  it('reports a re-sent batch unchanged, record by record, and changes nothing', async () => {
    const before = await tableCounts(svc.db);
    const res = await importBatch(MIXED_BATCH, administrator);
    expect(res.statusCode).toBe(200);
    const again = res.json<Report>();
    expect(again).toMatchObject({ created: 0, changed: 0, unchanged: 3, rejected: 6 });
    expect(resultOf(again, 'T-1')).toMatchObject({ status: 'unchanged', decisionId: resultOf(first, 'T-1').decisionId });
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('turns a re-sent record with new terms into a change of the decision, in effect from the day it was decided', async () => {
    const outbox = (await svc.outbox()).length;
    const res = await importBatch([homeCare('T-1', PNR.anna, { decidedOn: '2026-04-10', careHoursPerMonth: 16, validTo: '2026-12-31' })]);
    expect(res.json<Report>().results[0]).toMatchObject({ status: 'changed', decisionId: resultOf(first, 'T-1').decisionId });
    const changed = await decision(resultOf(first, 'T-1').decisionId!);
    expect(changed).toMatchObject({ careHoursPerMonth: 16, validTo: '2026-12-31', effectiveFrom: '2026-04-10', version: 2, history: [{ kind: 'decided' }, { kind: 'renewal' }] });
    expect((await svc.outbox()).slice(outbox)).toEqual([
      { subject: 'kundval.decisions.decision.changed.v1', payload: expect.objectContaining({ effectiveFrom: '2026-04-10', careHoursPerMonth: 16, validTo: '2026-12-31' }) },
    ]);
    // The changed record is now the one on file: sending it again changes nothing.
    const again = await importBatch([homeCare('T-1', PNR.anna, { decidedOn: '2026-04-10', careHoursPerMonth: 16, validTo: '2026-12-31' })]);
    expect(again.json<Report>().results[0]!.status).toBe('unchanged');
  });

  it('refuses a re-sent record that names another person or outcome, storing nothing of it', async () => {
    const before = await tableCounts(svc.db);
    const res = await importBatch([homeCare('T-1', PNR.carl, { outcome: 'partly-granted', deniedPart: 'Evenings', denialReason: 'Not needed', decidedOn: '2026-04-10', careHoursPerMonth: 16, validTo: '2026-12-31' })]);
    const result = res.json<Report>().results[0]!;
    expect(result.status).toBe('rejected');
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([
      ['identityNumber', 'DECISIONS.IMPORT_IDENTIFYING_FIELD_CHANGED'],
      ['outcome', 'DECISIONS.IMPORT_IDENTIFYING_FIELD_CHANGED'],
      ['deniedPart', 'DECISIONS.IMPORT_IDENTIFYING_FIELD_CHANGED'],
      ['denialReason', 'DECISIONS.IMPORT_IDENTIFYING_FIELD_CHANGED'],
    ]);
    expect(await tableCounts(svc.db)).toEqual(before);
    expect(await customersWith(PNR.carl)).toBe(0);
  });

  it('rolls back a record whose change the decision refuses, and imports the rest of the batch', async () => {
    const dayActivities = resultOf(first, 'T-3').decisionId!;
    const end = await svc.app.inject({ method: 'POST', url: `/decisions/${dayActivities}/end`, headers: caseHandler, payload: { endDate: '2026-05-31', reason: 'moved' } });
    expect(end.statusCode).toBe(200);
    const before = await tableCounts(svc.db);
    const res = await importBatch([
      { ...(MIXED_BATCH[2] as Record<string, unknown>), level: 3, decidedOn: '2026-06-15' },
      homeCare('T-9', PNR.carl),
    ]);
    const report = res.json<Report>();
    expect(report.results.map((r) => [r.externalId, r.status, r.errors.map((e) => e.code)])).toEqual([
      ['T-3', 'rejected', ['DECISIONS.DECISION_ENDED']],
      ['T-9', 'created', []],
    ]);
    const after = await tableCounts(svc.db);
    expect([after['decisions']! - before['decisions']!, after['decision_versions']! - before['decision_versions']!, after['outbox']! - before['outbox']!]).toEqual([1, 1, 2]);
    expect((await decision(dayActivities)).level).toBe(2);
  });

  it('treats a record repeated within one batch as sent again', async () => {
    const res = await importBatch([homeCare('T-10', PNR.carl), homeCare('T-10', PNR.carl)], caseHandler, 'combine');
    expect(res.json<Report>().results.map((r) => r.status)).toEqual(['created', 'unchanged']);
  });

  it('keeps sources apart: the same externalId from another system is another decision', async () => {
    const res = await importBatch([homeCare('T-1', PNR.anna)], caseHandler, 'combine');
    expect(res.json<Report>().results[0]).toMatchObject({ status: 'created' });
    expect(res.json<Report>().results[0]!.decisionId).not.toBe(resultOf(first, 'T-1').decisionId);
  });

  it('answers a retried import with the same Idempotency-Key with the first report', async () => {
    const headers = { ...caseHandler, 'idempotency-key': 'import-batch-0042' };
    const a = await svc.app.inject({ method: 'POST', url: '/imports/decisions', headers, payload: { source: 'lifecare', records: [homeCare('L-1', PNR.bo)] } });
    const before = await tableCounts(svc.db);
    const b = await svc.app.inject({ method: 'POST', url: '/imports/decisions', headers, payload: { source: 'lifecare', records: [homeCare('L-1', PNR.bo)] } });
    expect(b.json()).toEqual(a.json());
    expect(b.json<Report>().created).toBe(1);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('never echoes an identity number in its report', async () => {
    const res = await importBatch(MIXED_BATCH, administrator);
    for (const pnr of Object.values(PNR).concat('19400515-0017')) {
      expect(res.body).not.toContain(pnr.replace('-', ''));
      expect(res.body).not.toContain(pnr.slice(2));
    }
  });

  it.each([
    [{ source: 'treserva', records: [] }, 'body.records'],
    [{ source: 'treserva', records: Array.from({ length: 1001 }, (_, i) => homeCare(`X-${i}`, PNR.anna)) }, 'body.records'],
    [{ source: 'tre serva!', records: [homeCare('X-1', PNR.anna)] }, 'body.source'],
    [{ records: [homeCare('X-1', PNR.anna)] }, 'body.source'],
  ])('refuses a malformed batch with 400 naming %#: %s, storing nothing', async (payload, field) => {
    const before = await tableCounts(svc.db);
    const res = await svc.app.inject({ method: 'POST', url: '/imports/decisions', headers: caseHandler, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ issues: Array<{ field: string }> }>().issues.map((i) => i.field)).toContain(field);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('takes a batch above the app-wide 256 KiB JSON limit, as a full batch with free texts is: the refusal of 1001 records is 400, not 413', async () => {
    const records = Array.from({ length: 1001 }, (_, i) => homeCare(`X-${i}`, PNR.anna, { outcome: 'partly-granted', deniedPart: 'Dubbelbemanning nattetid. '.repeat(12) }));
    const payload = JSON.stringify({ source: 'treserva', records });
    expect(payload.length).toBeGreaterThan(256 * 1024);
    const res = await svc.app.inject({ method: 'POST', url: '/imports/decisions', headers: { ...caseHandler, 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ issues: Array<{ field: string }> }>().issues.map((i) => i.field)).toContain('body.records');
  });

  it('refuses a body above its own 8 MiB limit with 413 PAYLOAD_TOO_LARGE, storing nothing', async () => {
    const before = await tableCounts(svc.db);
    const payload = JSON.stringify({ source: 'treserva', records: [homeCare('X-big', PNR.anna, { deniedPart: 'x'.repeat(8 * 1024 * 1024) })] });
    const res = await svc.app.inject({ method: 'POST', url: '/imports/decisions', headers: { ...caseHandler, 'content-type': 'application/json' }, payload });
    expect([res.statusCode, res.json()]).toEqual([413, { error: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this endpoint takes (8388608 bytes).' }]);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('answers 401 without a token and 403 to roles other than case handler and administrator, changing nothing', async () => {
    const before = await tableCounts(svc.db);
    const payload = { source: 'treserva', records: [homeCare('Z-1', PNR.carl)] };
    expect((await svc.app.inject({ method: 'POST', url: '/imports/decisions', payload })).statusCode).toBe(401);
    for (const role of ['citizen', 'provider', 'finance', 'operator', 'system'] as const) {
      const headers = await svc.as({ role, ...(role === 'citizen' ? { customerId: resultOf(first, 'T-1').decisionId! } : {}), ...(role === 'provider' ? { providerId: 'p1' } : {}) });
      expect((await svc.app.inject({ method: 'POST', url: '/imports/decisions', headers, payload })).statusCode, role).toBe(403);
    }
    expect(await tableCounts(svc.db)).toEqual(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILY_COUNSELLING, ADULT_EDUCATION } from '@kundval/domain';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { fieldsOf, orderRequests, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../../test-support/corrections.js';
import { runBillingMonth } from '../../billing-run/run-month.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** The voucher per session of a level and provider kind, read from the area's own (demo) rate table: the oracle, not billing's answer. */
function rateOf(area: typeof FAMILY_COUNSELLING, level: string, providerKind: 'municipal' | 'private'): number {
  return area.rateTables[0]!.rates.find((r) => r.level === level && r.providerKind === providerKind)!.orePerUnit;
}
const COUNSELLING_PRIVATE = rateOf(FAMILY_COUNSELLING, 'standard', 'private');
const COUNSELLING_FEE = FAMILY_COUNSELLING.fee.kind === 'per-unit' ? FAMILY_COUNSELLING.fee.orePerUnit : NaN;
const UPPER_SECONDARY_MUNICIPAL = rateOf(ADULT_EDUCATION, 'upper-secondary', 'municipal');

describe.each(testEngines())('sessions of areas paid per session on %s', (engine) => {
  let svc: FullBilling;
  let system: Record<string, string>;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_sessions');
    [system, caseHandler] = await Promise.all([svc.as({ role: 'system' }), svc.as({ role: 'case-handler' })]);
  });
  afterAll(() => svc?.close());

  const { inject, providerOf, citizenOf, journeyFor } = orderRequests(() => svc);
  const report = async (order: PlacedOrder, sessions: unknown, headers?: Record<string, string>) => inject('POST', `/orders/${order.orderId}/sessions`, headers ?? (await providerOf(order)), { sessions });
  const pay = (order: PlacedOrder, month: string, basis = 'approval') => inject('POST', '/provider-payments', system, { orderId: order.orderId, month, basis });
  const charge = (order: PlacedOrder, month: string, basis = 'approval') => inject('POST', '/fees', system, { customerId: order.customerId, applicationId: order.applicationId, month, basis });
  const counselling = (o: Partial<Parameters<typeof placeOrder>[1]> = {}) =>
    placeOrder(svc.db, { providerId: 'samtalet', providerKind: 'private', areaId: 'family-counselling', level: 1, validFrom: '2025-03-01', validTo: '2025-12-31', ...o });
  const course = (o: Partial<Parameters<typeof placeOrder>[1]> = {}) =>
    placeOrder(svc.db, { providerId: 'komvux', providerKind: 'municipal', areaId: 'adult-education', level: 2, validFrom: '2025-03-01', validTo: '2025-12-31', ...o });

  it('records each session once, announces and audits it in the same transaction, and the approved month pays and charges per session', async () => {
    const order = await counselling();
    const before = await tableCounts(svc.db);
    const sessions = [
      { externalId: 'fr-1', date: '2025-03-04' },
      { externalId: 'fr-2', date: '2025-03-11' },
      { externalId: 'fr-3', date: '2025-03-18' },
    ];
    const first = await report(order, sessions);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ orderId: order.orderId, recorded: 3, unchanged: 0 });
    expect(first.json().sessions.map((s: { date: string; month: string; status: string }) => [s.date, s.month, s.status])).toEqual([
      ['2025-03-04', '2025-03', 'reported'],
      ['2025-03-11', '2025-03', 'reported'],
      ['2025-03-18', '2025-03', 'reported'],
    ]);
    const after = await tableCounts(svc.db);
    expect({ sessions: after['sessions']! - before['sessions']!, outbox: after['outbox']! - before['outbox']!, audit: after['audit_log']! - before['audit_log']! }).toEqual({ sessions: 3, outbox: 1, audit: 1 });
    const event = (await svc.outbox()).at(-1)!;
    expect(event.subject).toBe('kundval.billing.sessions.reported.v1');
    expect(event.payload).toMatchObject({ orderId: order.orderId, areaId: 'family-counselling', sessions: sessions.map((s) => expect.objectContaining(s)) });

    // The same report again: recorded once, nothing written.
    const again = await report(order, sessions);
    expect(again.json()).toMatchObject({ recorded: 0, unchanged: 3 });
    expect(await tableCounts(svc.db)).toEqual(after);

    // The customer approves March, disputing the third session.
    const disputed = first.json().sessions[2].sessionId as string;
    const approved = await inject('POST', `/orders/${order.orderId}/months/2025-03/approval`, await journeyFor(order), { disputedVisitIds: [disputed] });
    expect(approved.statusCode, approved.body).toBe(201);
    expect(approved.json()).toEqual({ orderId: order.orderId, month: '2025-03', approvedVisits: 2, disputedVisits: 1, approvedSessions: 2 });

    const paid = await pay(order, '2025-03');
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json()).toMatchObject({ amountOre: 2 * COUNSELLING_PRIVATE, lines: [], unitLines: [{ areaId: 'family-counselling', level: 'standard', orePerUnit: COUNSELLING_PRIVATE, units: 2, amountOre: 2 * COUNSELLING_PRIVATE }] });
    // Family counselling's session fee is outside the elderly-care maxtaxa: charged as it is.
    const fee = await charge(order, '2025-03');
    expect(fee.statusCode, fee.body).toBe(201);
    expect(fee.json()).toMatchObject({ feeOre: 2 * COUNSELLING_FEE, perArea: [{ areaId: 'family-counselling', tariffOre: 2 * COUNSELLING_FEE, feeOre: 2 * COUNSELLING_FEE }], attendanceDays: 0 });

    // The case handler finds the disputed session delivered: paid and charged by the dispute-resolution basis.
    const resolved = await inject('POST', `/orders/${order.orderId}/months/2025-03/disputes/resolve`, caseHandler, { approve: [disputed] });
    expect(resolved.statusCode, resolved.body).toBe(201);
    expect((await pay(order, '2025-03', 'dispute-resolution')).json()).toMatchObject({ amountOre: COUNSELLING_PRIVATE, payableOre: 3 * COUNSELLING_PRIVATE });
    expect((await charge(order, '2025-03', 'dispute-resolution')).json()).toMatchObject({ feeOre: COUNSELLING_FEE, totalFeeOre: 3 * COUNSELLING_FEE });

    // A session into the approved month is refused.
    const late = await report(order, [{ externalId: 'fr-4', date: '2025-03-25' }]);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'BILLING.MONTH_APPROVED', issues: [{ field: 'body.sessions.0.date' }] });
  });

  it("pays a session at the level the decision numbers (adult education's level 2 is upper-secondary), two a day where the area allows it", async () => {
    const order = await course();
    const res = await report(order, [
      { externalId: 'kv-1', date: '2025-04-07' },
      { externalId: 'kv-2', date: '2025-04-07' },
      { externalId: 'kv-3', date: '2025-04-08' },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const third = await report(order, [{ externalId: 'kv-4', date: '2025-04-07' }]);
    expect(third.statusCode).toBe(409);
    expect(third.json()).toMatchObject({ error: 'BILLING.SESSIONS_PER_DAY', issues: [{ field: 'body.sessions.0.date' }] });
    await inject('POST', `/orders/${order.orderId}/months/2025-04/approval`, await journeyFor(order), {});
    expect((await pay(order, '2025-04')).json()).toMatchObject({
      amountOre: 3 * UPPER_SECONDARY_MUNICIPAL,
      unitLines: [{ areaId: 'adult-education', level: 'upper-secondary', orePerUnit: UPPER_SECONDARY_MUNICIPAL, units: 3, amountOre: 3 * UPPER_SECONDARY_MUNICIPAL }],
    });
    // Adult education is free for the student: the invoice charges nothing and has no OCR reference.
    expect((await charge(order, '2025-04')).json()).toMatchObject({ feeOre: 0, ocrReference: null });
  });

  it('allows one counselling session a day (the default), and refuses a session re-sent with another date', async () => {
    const order = await counselling({ providerId: 'samtalet-2' });
    expect((await report(order, [{ externalId: 'd-1', date: '2025-05-05' }])).statusCode).toBe(201);
    const second = await report(order, [{ externalId: 'd-2', date: '2025-05-05' }]);
    expect(second.json()).toMatchObject({ error: 'BILLING.SESSIONS_PER_DAY' });
    const changed = await report(order, [{ externalId: 'd-1', date: '2025-05-06' }]);
    expect(changed.statusCode).toBe(409);
    expect(changed.json()).toMatchObject({ error: 'BILLING.SESSION_CHANGED', issues: [{ field: 'body.sessions.0' }] });
  });

  it('refuses bad input with 400 naming each field and reason, and a date outside the order, storing nothing', async () => {
    const order = await counselling({ providerId: 'samtalet-3', validFrom: '2025-06-01', validTo: '2025-06-30' });
    const before = await tableCounts(svc.db);
    const empty = await report(order, []);
    expect(empty.statusCode).toBe(400);
    expect(fieldsOf(empty)).toEqual(['body.sessions']);
    const malformed = await report(order, [{ externalId: '', date: '2025-06-31' }]);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().issues.map((i: { field: string; reason: string }) => i.field)).toEqual(['body.sessions.0.externalId', 'body.sessions.0.date']);
    expect(malformed.json().issues.every((i: { reason: string }) => i.reason.length > 0)).toBe(true);
    const outside = await report(order, [{ externalId: 'o-1', date: '2025-06-10' }, { externalId: 'o-2', date: '2025-07-01' }]);
    expect(outside.statusCode).toBe(400);
    expect(outside.json()).toMatchObject({ error: 'BILLING.OUTSIDE_ORDER', issues: [{ field: 'body.sessions.1.date' }] });
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it("answers 401, 403 (a citizen), 404 (another provider's order, as an unknown one) and 409 (an order not paid per session, naming its route), storing nothing", async () => {
    const order = await counselling({ providerId: 'samtalet-4' });
    const homeCare = await placeOrder(svc.db, { providerId: 'samtalet-4', areaId: 'home-care' });
    const before = await tableCounts(svc.db);
    const body = [{ externalId: 'x-1', date: '2025-05-05' }];
    expect((await inject('POST', `/orders/${order.orderId}/sessions`, {}, { sessions: body })).statusCode).toBe(401);
    expect((await report(order, body, await svc.as({ role: 'provider', providerId: 'other' }))).statusCode).toBe(404);
    expect((await report(order, body, await citizenOf(order))).statusCode).toBe(403);
    expect((await report({ ...order, orderId: UNKNOWN }, body)).statusCode).toBe(404);
    const wrong = await report(homeCare, body);
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json()).toMatchObject({ error: 'BILLING.AREA_MISMATCH' });
    expect(wrong.json().message).toContain('POST /orders/:orderId/visits');
    // And the other way round: visits to a session order name the sessions route.
    const visits = await inject('POST', `/orders/${order.orderId}/visits`, await providerOf(order), { visits: [visit('2025-05-05', '10:00', '11:00')] });
    expect(visits.statusCode).toBe(409);
    expect(visits.json().message).toContain('POST /orders/:orderId/sessions');
    expect(await tableCounts(svc.db)).toEqual(before);
    // A provider lists only its own orders' sessions: another's order is not found.
    expect((await inject('GET', `/orders/${order.orderId}/sessions?month=2025-05`, await svc.as({ role: 'provider', providerId: 'other' }))).statusCode).toBe(404);
  });

  it('imports sessions from a CSV file: good rows recorded, each bad row listed with its line, a re-sent file recorded once', async () => {
    const order = await counselling({ providerId: 'samtalet-5' });
    const headers = { ...(await providerOf(order)), 'content-type': 'text/csv' };
    const file = ['external_id;date', 'csv-1;2025-09-02', 'csv-2;2025-09-31', 'csv-3;2025-09-09', 'csv-4;2025-09-09', ''].join('\n');
    const imported = await svc.app.inject({ method: 'POST', url: `/orders/${order.orderId}/sessions/import`, headers, payload: file });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toEqual({
      imported: 2,
      unchanged: 0,
      rejected: [
        { line: 3, externalId: 'csv-2', reason: expect.stringContaining('date'), code: 'BILLING.CSV_ROW' },
        { line: 5, externalId: 'csv-4', reason: expect.stringContaining('allows 1 a day'), code: 'BILLING.SESSIONS_PER_DAY' },
      ],
    });
    const listed = await inject('GET', `/orders/${order.orderId}/sessions?month=2025-09`, await citizenOf(order));
    expect(listed.json().map((s: { externalId: string }) => s.externalId)).toEqual(['csv-1', 'csv-3']);
    const before = await tableCounts(svc.db);
    const again = await svc.app.inject({ method: 'POST', url: `/orders/${order.orderId}/sessions/import`, headers, payload: file });
    expect(again.json()).toMatchObject({ imported: 0, unchanged: 2 });
    // Only the import's audit row is new: no session, no event.
    expect(await tableCounts(svc.db)).toEqual({ ...before, audit_log: before['audit_log']! + 1 });
  });

  it("puts sessions on the provider's statement, in the billing run's payments and in the payment file", async () => {
    const order = await counselling({ providerId: 'samtal-ab', validFrom: '2025-10-01' });
    const finance = await svc.as({ role: 'finance' });
    expect((await inject('PUT', '/providers/samtal-ab/account', finance, { name: 'Samtal AB', bankgiro: '5050-1055' })).statusCode).toBe(200);
    await report(order, [{ externalId: 'run-1', date: '2025-10-06' }, { externalId: 'run-2', date: '2025-10-13' }]);
    await inject('POST', `/orders/${order.orderId}/months/2025-10/approval`, await journeyFor(order), {});
    const statement = await inject('GET', '/providers/samtal-ab/statements/2025-10', finance);
    expect(statement.statusCode, statement.body).toBe(200);
    expect(statement.json()).toMatchObject({ unitLines: [{ areaId: 'family-counselling', level: 'standard', orePerUnit: COUNSELLING_PRIVATE, units: 2, amountOre: 2 * COUNSELLING_PRIVATE }], totalOre: 2 * COUNSELLING_PRIVATE });
    const { result } = await runBillingMonth({ db: svc.db, month: '2025-10', clock: () => new Date('2025-11-02T06:00:00Z'), executionDate: '2025-11-05' });
    const payment = await svc.db.selectFrom('provider_payments').select(['amount_ore', 'run_id']).where('order_id', '=', order.orderId).executeTakeFirstOrThrow();
    expect(payment).toEqual({ amount_ore: 2 * COUNSELLING_PRIVATE, run_id: result.runId });
    const invoice = await svc.db.selectFrom('fee_invoices').select(['fee_ore']).where('customer_id', '=', order.customerId).executeTakeFirstOrThrow();
    expect(invoice.fee_ore).toBe(2 * COUNSELLING_FEE);
    expect(result.batch).toMatchObject({ includedPayments: 1, includedOre: 2 * COUNSELLING_PRIVATE });
    const file = await inject('GET', `/payment-batches/${result.batch!.batchId}/pain001`, finance);
    expect(file.body).toContain(`<InstdAmt Ccy="SEK">${(2 * COUNSELLING_PRIVATE) / 100}.00</InstdAmt>`);
  });
});

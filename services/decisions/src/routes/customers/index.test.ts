import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { HOME_CARE_GRANT, caseHandlerSteps, startDecisions, testIdentityNumber, type TestDecisions } from '../../test-support/decisions-service.js';

const PNR = testIdentityNumber(201);
const DIGITS = PNR.replace('-', '');
/** Every way the number may be written: 12 digits, 10 digits, with or without the separator. */
const FORMS = [DIGITS, PNR, DIGITS.slice(2), PNR.slice(2)];

describe.each(testEngines())('the customer register and identity numbers on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;
  let customerId: string;
  let applicationId: string;
  let decisionId: string;
  let taskId: string;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_customers');
    caseHandler = await svc.as({ role: 'case-handler' });
    const steps = caseHandlerSteps(svc, caseHandler);
    // One of everything the service stores, each made from a request that carried the number or could have.
    const decision = await steps.decided('home-care', HOME_CARE_GRANT, PNR);
    ({ customerId, applicationId, decisionId } = decision);
    await svc.app.inject({ method: 'POST', url: `/decisions/${decisionId}/changes`, headers: caseHandler, payload: { effectiveFrom: '2026-03-01', careHoursPerMonth: 12, serviceHoursPerMonth: 4, validTo: '2026-07-31', reason: 'More help.' } });
    await svc.app.inject({ method: 'POST', url: '/applications', headers: { ...caseHandler, 'idempotency-key': 'privacy-key-0001' }, payload: { identityNumber: PNR, areaId: 'day-activities', channel: 'relative', onBehalfOf: { name: 'Karin', relation: 'daughter' } } });
    await svc.app.inject({ method: 'POST', url: '/imports/decisions', headers: { ...caseHandler, 'idempotency-key': 'privacy-key-0002' }, payload: { source: 'treserva', records: [{ externalId: 'P-1', identityNumber: PNR.slice(2), areaId: 'day-activities', decidedOn: '2026-01-20', outcome: 'granted', level: 1, daysPerWeek: 1, validFrom: '2026-02-01', validTo: '2026-12-31' }] } });
    const system = await svc.as({ role: 'system' });
    taskId = (await svc.app.inject({ method: 'POST', url: '/tasks', headers: system, payload: { applicationId, kind: 'dispute', key: 'k', message: 'Disputed.' } })).json<{ taskId: string }>().taskId;
  });
  afterAll(() => svc?.close());

  it('gives a case handler the identity number behind a customer id, with their applications, and audits the look-up', async () => {
    const res = await svc.app.inject({ method: 'GET', url: `/customers/${customerId}`, headers: caseHandler });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ customerId, identityNumber: PNR, applications: expect.arrayContaining([expect.objectContaining({ applicationId, decisionId, status: 'decided' })]) });
    expect(res.json().applications).toHaveLength(3);
    const audits = await svc.db.selectFrom('audit_log').selectAll().where('action', '=', 'customer.identity-read').where('entity_id', '=', customerId).execute();
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits)).not.toContain(DIGITS.slice(2));
  });

  it('answers 404 for an unknown customer, 401 without a token and 403 to every other role, storing nothing', async () => {
    expect((await svc.app.inject({ method: 'GET', url: '/customers/00000000-0000-4000-8000-000000000000', headers: caseHandler })).statusCode).toBe(404);
    const before = await tableCounts(svc.db);
    expect((await svc.app.inject({ method: 'GET', url: `/customers/${customerId}` })).statusCode).toBe(401);
    for (const role of ['citizen', 'provider', 'finance', 'operator', 'administrator', 'system'] as const) {
      const headers = await svc.as({ role, customerId, providerId: 'p1' });
      const res = await svc.app.inject({ method: 'GET', url: `/customers/${customerId}`, headers });
      expect(res.statusCode, role).toBe(403);
    }
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('keeps the number out of every table but customers: events, audit trail, imports, stored answers', async () => {
    const { rows: tables } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not in ('customers', 'kysely_migration', 'kysely_migration_lock')`.execute(svc.db);
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['outbox', 'audit_log', 'decision_imports', 'idempotency_keys', 'applications', 'decisions', 'tasks']));
    for (const { name } of tables) {
      const { rows } = await sql`select * from ${sql.table(name)}`.execute(svc.db);
      const text = JSON.stringify(rows);
      for (const form of FORMS) expect(text, `${name} holds ${form}`).not.toContain(form);
    }
  });

  it('answers no role but the case handler with the number, on any route it may read', async () => {
    const readers = {
      operator: await svc.as({ role: 'operator' }),
      citizen: await svc.as({ role: 'citizen', customerId }),
    };
    const urls = [`/applications/${applicationId}`, `/decisions/${decisionId}`, '/tasks', `/tasks?applicationId=${applicationId}`];
    for (const [role, headers] of Object.entries(readers)) {
      for (const url of urls) {
        const res = await svc.app.inject({ method: 'GET', url, headers });
        if (res.statusCode === 403) continue;
        expect(res.statusCode, `${role} ${url}`).toBe(200);
        for (const form of FORMS) expect(res.body, `${role} ${url}`).not.toContain(form);
      }
    }
    const done = await svc.app.inject({ method: 'POST', url: `/tasks/${taskId}/done`, headers: caseHandler });
    expect(done.body).not.toContain(DIGITS.slice(2));
  });
});

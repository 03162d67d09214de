import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestService, testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import { developmentVault } from '../../store/decisions.js';
import { decisionsMigrations } from '../../store/migrations.js';
import type { DecisionsTables } from '../../store/schema.js';
import { applicationRoutes } from './index.js';

type Service = Awaited<ReturnType<typeof createTestService<DecisionsTables>>>;

const VALID_PNR = '19811218-9876';
const decision = { outcome: 'granted', careHoursPerMonth: 10, serviceHoursPerMonth: 4, validFrom: '2026-02-01', validTo: '2026-07-31' };
const assessment = { lifeAreas: [{ area: 'self-care', need: 'Help with dressing' }], assessedOn: '2026-01-15' };

describe.each(testEngines())('decisions routes on %s', (engine) => {
  let svc: Service;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await createTestService<DecisionsTables>({
      name: 'decisions',
      schema: 'decisions',
      migrations: decisionsMigrations,
      routes: ({ db, afterCommit }) => applicationRoutes({ db, afterCommit, municipality: 'nacka' }),
      databaseUrl: await testDatabaseUrl(engine, inject('postgresUrl'), 'decisions_routes'),
    });
    caseHandler = await svc.as({ role: 'case-handler' });
  });
  afterAll(() => svc?.close());

  const count = async (table: 'applications' | 'customers' | 'assessments' | 'decisions' | 'outbox') =>
    Number((await svc.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  async function apply(identityNumber = VALID_PNR) {
    const res = await svc.app.inject({ method: 'POST', url: '/applications', headers: caseHandler, payload: { identityNumber, areaId: 'home-care', channel: 'relative' } });
    expect(res.statusCode).toBe(201);
    return res.json<{ applicationId: string; customerId: string }>();
  }

  it('registers an application with a pseudonymous customer id and an event that carries no identity number', async () => {
    const before = await count('outbox');
    const { applicationId, customerId } = await apply('811218-9876');
    const events = (await svc.outbox()).slice(before);
    expect(events).toEqual([{ subject: 'kundval.decisions.application.received.v1', payload: expect.objectContaining({ applicationId, customerId, areaId: 'home-care' }) }]);
    expect(JSON.stringify(events)).not.toMatch(/9876/);
    const customer = await svc.db.selectFrom('customers').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    // Stored sealed (development keys here), found by its keyed hash; never in plain.
    expect(customer.identity_number).toBeNull();
    expect(customer.identity_hash).toBe(developmentVault().lookupHash('198112189876'));
    expect(developmentVault().open(customer.identity_sealed!)).toBe('198112189876');
  });

  it('gives the same customer id to the same person applying again, whatever the format of the number', async () => {
    const a = await apply('198112189876');
    const b = await apply('811218-9876');
    expect(a.customerId).toBe(b.customerId);
  });

  it('answers a retried application with the same Idempotency-Key with the first answer', async () => {
    const headers = { ...caseHandler, 'idempotency-key': 'retry-key-123456' };
    const payload = { identityNumber: VALID_PNR, areaId: 'home-care', channel: 'citizen' };
    const first = await svc.app.inject({ method: 'POST', url: '/applications', headers, payload });
    const applications = await count('applications');
    const second = await svc.app.inject({ method: 'POST', url: '/applications', headers, payload });
    expect([first.statusCode, second.statusCode, second.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
    expect(second.json().applicationId).toBe(first.json().applicationId);
    expect(await count('applications')).toBe(applications);
  });

  it.each([
    [{ identityNumber: '811218-9875', areaId: 'home-care', channel: 'citizen' }, 'body.identityNumber', /check digit/i],
    [{ identityNumber: 'abc', areaId: 'home-care', channel: 'citizen' }, 'body.identityNumber', /.+/],
    [{ identityNumber: VALID_PNR, areaId: 'space-travel', channel: 'citizen' }, 'body.areaId', /Unknown voucher area/],
    [{ identityNumber: VALID_PNR, areaId: 'home-care', channel: 'pigeon' }, 'body.channel', /.+/],
    [{ areaId: 'home-care', channel: 'citizen' }, 'body.identityNumber', /.+/],
  ])('refuses a bad application %j with 400 naming %s, and stores nothing', async (payload, field, reason) => {
    const [apps, outbox] = [await count('applications'), await count('outbox')];
    const res = await svc.app.inject({ method: 'POST', url: '/applications', headers: caseHandler, payload });
    expect(res.statusCode).toBe(400);
    const issue = res.json<{ issues: Array<{ field: string; reason: string }> }>().issues.find((i) => i.field === field);
    expect(issue?.reason).toMatch(reason);
    expect([await count('applications'), await count('outbox')]).toEqual([apps, outbox]);
  });

  it('records an assessment once and refuses a second', async () => {
    const { applicationId } = await apply();
    const first = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: caseHandler, payload: assessment });
    expect(first.statusCode).toBe(201);
    const second = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: caseHandler, payload: assessment });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toBe('DECISIONS.ALREADY_ASSESSED');
  });

  it.each([
    [{ ...assessment, lifeAreas: [] }, 'body.lifeAreas'],
    [{ ...assessment, lifeAreas: [{ area: 'astrology', need: 'x' }] }, 'body.lifeAreas.0.area'],
    [{ ...assessment, assessedOn: '2026-02-30' }, 'body.assessedOn'],
  ])('refuses a bad assessment with 400 naming the field, and stores nothing', async (payload, field) => {
    const { applicationId } = await apply();
    const before = await count('assessments');
    const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: caseHandler, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(await count('assessments')).toBe(before);
  });

  it('decides an assessed application, with appeal information on a denial', async () => {
    const { applicationId } = await apply();
    await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: caseHandler, payload: assessment });
    const res = await svc.app.inject({
      method: 'POST',
      url: `/applications/${applicationId}/decision`,
      headers: caseHandler,
      payload: { outcome: 'denied', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-02-01', validTo: '2026-02-28', denialReason: 'No need of help found.' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ outcome: 'denied', denialReason: 'No need of help found.', appealInformation: expect.stringMatching(/appeal/) });
  });

  it('refuses a decision before the assessment for an area that needs one', async () => {
    const { applicationId } = await apply();
    const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: caseHandler, payload: decision });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('DECISIONS.NOT_ASSESSED');
  });

  it.each([
    [{ ...decision, validTo: '2026-01-01' }, 'body.validTo'],
    [{ ...decision, outcome: 'denied' }, 'body.denialReason'],
    [{ ...decision, careHoursPerMonth: 0, serviceHoursPerMonth: 0 }, 'body.careHoursPerMonth'],
    [{ ...decision, careHoursPerMonth: 10.1 }, 'body.careHoursPerMonth'],
    [{ ...decision, careHoursPerMonth: -1 }, 'body.careHoursPerMonth'],
  ])('refuses a bad decision with 400 naming the field, and stores nothing', async (payload, field) => {
    const { applicationId } = await apply();
    await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: caseHandler, payload: assessment });
    const [decisions, outbox] = [await count('decisions'), await count('outbox')];
    const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: caseHandler, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { field: string }) => i.field)).toContain(field);
    expect([await count('decisions'), await count('outbox')]).toEqual([decisions, outbox]);
  });

  it('answers 401 without a token or with a forged one, 403 for the wrong role, 404 for an unknown application', async () => {
    const payload = { identityNumber: VALID_PNR, areaId: 'home-care', channel: 'citizen' };
    expect((await svc.app.inject({ method: 'POST', url: '/applications', payload })).statusCode).toBe(401);
    const forged = { authorization: `Bearer ${(await svc.as({ role: 'case-handler' })).authorization.slice(7, -4)}AAAA` };
    expect((await svc.app.inject({ method: 'POST', url: '/applications', headers: forged, payload })).statusCode).toBe(401);
    const provider = await svc.as({ role: 'provider', providerId: 'p1' });
    expect((await svc.app.inject({ method: 'POST', url: '/applications', headers: provider, payload })).statusCode).toBe(403);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await svc.app.inject({ method: 'GET', url: `/applications/${unknown}`, headers: caseHandler })).statusCode).toBe(404);
    expect((await svc.app.inject({ method: 'POST', url: `/applications/${unknown}/assessment`, headers: caseHandler, payload: assessment })).statusCode).toBe(404);
  });

  it('lets a citizen read only their own application', async () => {
    const { applicationId, customerId } = await apply();
    const own = await svc.as({ role: 'citizen', customerId });
    const other = await svc.as({ role: 'citizen', customerId: '00000000-0000-4000-8000-000000000001' });
    expect((await svc.app.inject({ method: 'GET', url: `/applications/${applicationId}`, headers: own })).statusCode).toBe(200);
    expect((await svc.app.inject({ method: 'GET', url: `/applications/${applicationId}`, headers: other })).json()).toMatchObject({ error: 'DECISIONS.APPLICATION_NOT_FOUND' });
  });

  it('audits every change with who, what, before and after', async () => {
    const { applicationId } = await apply();
    await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: caseHandler, payload: assessment });
    const rows = await svc.db.selectFrom('audit_log').selectAll().where('entity_id', '=', applicationId).orderBy('id').execute();
    expect(rows.map((r) => [r.action, r.actor, r.actor_role])).toEqual([
      ['application.registered', 'case-handler-user', 'case-handler'],
      ['assessment.recorded', 'case-handler-user', 'case-handler'],
    ]);
    expect(rows[1]!.before).toEqual({ status: 'received' });
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { providerBody, seedDecision, startOrders, type TestOrders } from '../../test-support/orders-service.js';

describe.each(testEngines())('provider registry on %s', (engine) => {
  let svc: TestOrders;
  let admin: Record<string, string>;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_providers');
    admin = await svc.as({ role: 'administrator' });
  });
  afterAll(() => svc?.close());

  const register = (payload: Record<string, unknown>, headers = admin) => svc.app.inject({ method: 'POST', url: '/providers', headers, payload });
  const compare = async (areaId: string) => {
    const res = await svc.app.inject({ method: 'GET', url: `/providers?areaId=${areaId}`, headers: await svc.as({ role: 'citizen', customerId: '00000000-0000-4000-8000-000000000001' }) });
    expect(res.statusCode).toBe(200);
    return res.json<Array<Record<string, unknown>>>();
  };

  it('registers an authorized provider with its areas and audits who did it', async () => {
    const res = await register(
      providerBody('omsorg-nord', {
        kind: 'municipal',
        languages: ['sv', 'fi'],
        satisfactionScore: 4.5,
        authorizations: [
          { areaId: 'home-care', capacityCustomers: 40, isDefault: true },
          { areaId: 'day-activities', capacityCustomers: 12 },
        ],
      }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ providerId: 'omsorg-nord' });
    const areas = await svc.db.selectFrom('authorizations').select(['area_id', 'status', 'capacity_customers', 'is_default']).where('provider_id', '=', 'omsorg-nord').orderBy('area_id').execute();
    expect(areas).toEqual([
      { area_id: 'day-activities', status: 'approved', capacity_customers: 12, is_default: false },
      { area_id: 'home-care', status: 'approved', capacity_customers: 40, is_default: true },
    ]);
    const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role', 'entity_id']).where('entity', '=', 'provider').execute();
    expect(audit).toContainEqual({ action: 'provider.registered', actor_role: 'administrator', entity_id: 'omsorg-nord' });
  });

  it('lists the providers of an area by name with what a customer compares: score, languages, kind and capacity left', async () => {
    expect((await register(providerBody('alfa-omsorg', { satisfactionScore: null, authorizations: [{ areaId: 'home-care', capacityCustomers: 2 }] }))).statusCode).toBe(201);
    // One customer of alfa-omsorg in home care: its capacity left drops by one.
    const decision = await seedDecision(svc.db);
    await svc.db
      .insertInto('orders')
      .values({
        order_id: randomUUID(),
        decision_id: decision.decisionId,
        application_id: decision.applicationId,
        customer_id: decision.customerId,
        provider_id: 'alfa-omsorg',
        status: 'placed',
        accepted_at: null,
        choice_id: null,
        area_id: 'home-care',
        valid_from: '2026-02-01',
        valid_to: '2026-07-31',
        care_hours_per_month: '10.50',
        service_hours_per_month: '4.00',
      })
      .execute();

    const providers = await compare('home-care');
    expect(providers.map((p) => p['providerId'])).toEqual(['alfa-omsorg', 'omsorg-nord']);
    expect(providers[0]).toEqual({
      providerId: 'alfa-omsorg',
      name: 'alfa-omsorg AB',
      kind: 'private',
      languages: ['sv'],
      satisfactionScore: null,
      satisfactionAnswers: null,
      satisfactionYear: null,
      satisfactionSource: null,
      areaId: 'home-care',
      isDefault: false,
      capacityCustomers: 2,
      capacityLeft: 1,
      capacityUnit: 'customers',
      serviceArea: [],
      queueLength: 0,
    });
    expect(providers[1]).toMatchObject({ kind: 'municipal', languages: ['sv', 'fi'], satisfactionScore: 4.5, satisfactionSource: 'entered', satisfactionAnswers: null, isDefault: true, capacityLeft: 40 });
    expect((await compare('day-activities')).map((p) => p['providerId'])).toEqual(['omsorg-nord']);
    expect(await compare('nursing-home')).toEqual([]);
  });

  it('leaves out providers whose authorization for the area is not approved', async () => {
    expect((await register(providerBody('vilande-omsorg'))).statusCode).toBe(201);
    await svc.db.updateTable('authorizations').set({ status: 'suspended' }).where('provider_id', '=', 'vilande-omsorg').execute();
    expect((await compare('home-care')).map((p) => p['providerId'])).not.toContain('vilande-omsorg');
  });

  it.each([
    ['the same provider id', providerBody('omsorg-nord', { organisationNumber: '556000-0001' })],
    ['the same organisation number', providerBody('omsorg-nord-2', { organisationNumber: providerBody('omsorg-nord').organisationNumber })],
    ['a second default provider for home care', providerBody('omsorg-ny', { authorizations: [{ areaId: 'day-activities', capacityCustomers: 1 }, { areaId: 'home-care', capacityCustomers: 5, isDefault: true }] })],
  ])('refuses %s with 409 ORDERS.PROVIDER_EXISTS, keeping none of the registration', async (_, payload) => {
    const before = await tableCounts(svc.db);
    const res = await register(payload);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('ORDERS.PROVIDER_EXISTS');
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it.each([
    [{ providerId: 'Omsorg Nord' }, 'body.providerId'],
    [{ name: '' }, 'body.name'],
    [{ kind: 'cooperative' }, 'body.kind'],
    [{ organisationNumber: '5560000001' }, 'body.organisationNumber'],
    [{ satisfactionScore: 6 }, 'body.satisfactionScore'],
    [{ languages: ['s'] }, 'body.languages.0'],
    [{ authorizations: [] }, 'body.authorizations'],
    [{ authorizations: [{ areaId: 'home-care', capacityCustomers: -1 }] }, 'body.authorizations.0.capacityCustomers'],
    [{ authorizations: [{ areaId: 'home-care', capacityCustomers: 1.5 }] }, 'body.authorizations.0.capacityCustomers'],
    [{ authorizations: [{ capacityCustomers: 1 }] }, 'body.authorizations.0.areaId'],
  ])('refuses a registration with %j with 400 naming %s, and stores nothing', async (overrides, field) => {
    const before = await tableCounts(svc.db);
    const res = await register(providerBody('ny-omsorg', overrides));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('VALIDATION');
    expect(res.json().issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('refuses a comparison without an area with 400 naming querystring.areaId', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/providers', headers: admin });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { field: string }) => i.field)).toContain('querystring.areaId');
  });

  it('answers 401 without a token and 403 to a registration by anyone but an administrator, storing nothing', async () => {
    const before = await tableCounts(svc.db);
    expect((await register(providerBody('smyg-omsorg'), {})).statusCode).toBe(401);
    expect((await svc.app.inject({ method: 'GET', url: '/providers?areaId=home-care' })).statusCode).toBe(401);
    const res = await register(providerBody('smyg-omsorg'), await svc.as({ role: 'case-handler' }));
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('AUTH.FORBIDDEN');
    expect(await tableCounts(svc.db)).toEqual(before);
  });
});

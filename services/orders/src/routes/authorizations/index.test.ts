import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { providerBody, seedDecision, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { CASE_HANDLER, journeyFor, requestsFor, type Headers } from '../../test-support/requests.js';

const HOME_CARE_REQUIREMENTS = ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system'];
const NEWCOMER = { name: 'Nyföretaget Omsorg AB', kind: 'private', organisationNumber: '559900-1234', languages: ['sv', 'so'] };

describe.each(testEngines())('provider authorization on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let admin: Headers;
  let caseHandler: Headers;
  const providerAs = (providerId: string) => svc.as({ role: 'provider', providerId });

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_authorizations');
    r = requestsFor(svc);
    admin = await svc.as({ role: 'administrator' });
    caseHandler = await svc.as({ role: 'case-handler' });
  });
  afterAll(() => svc?.close());

  const apply = async (providerId: string, payload: Record<string, unknown>, headers?: Headers) =>
    r.send('POST', `/providers/${providerId}/authorizations`, headers ?? (await providerAs(providerId)), payload);
  const decide = (providerId: string, areaId: string, payload: Record<string, unknown>, headers = admin) =>
    r.send('POST', `/providers/${providerId}/authorizations/${areaId}/decision`, headers, payload);
  const compared = async (areaId: string) => (await r.send('GET', `/providers?areaId=${areaId}`, caseHandler)).json<Array<{ providerId: string }>>().map((p) => p.providerId);

  describe('POST /providers/:providerId/authorizations', () => {
    it("registers a new provider applying for itself, as 'applied' with the area's checklist unchecked, audited and without an event", async () => {
      const mark = await r.mark();
      const res = await apply('nyforetaget', { areaId: 'home-care', capacity: 25, serviceArea: ['Fisksätra', '133'], provider: NEWCOMER });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({
        providerId: 'nyforetaget',
        areaId: 'home-care',
        status: 'applied',
        kind: 'private',
        capacity: 25,
        capacityUnit: 'customers',
        serviceArea: ['Fisksätra', '133'],
        isDefault: false,
        requirements: HOME_CARE_REQUIREMENTS.map((requirement) => ({ requirement, met: false })),
        statusReason: null,
      });
      expect(await r.eventsSince(mark)).toEqual([]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role']).where('entity_id', 'in', ['nyforetaget', 'nyforetaget/home-care']).orderBy('id').execute();
      expect(audit).toEqual([
        { action: 'provider.registered', actor_role: 'provider' },
        { action: 'authorization.applied', actor_role: 'provider' },
      ]);
      // An application is not an authorization: customers cannot choose the provider yet.
      expect(await compared('home-care')).not.toContain('nyforetaget');
    });

    it('lists the state permit for a nursing home, whose capacity is counted in places', async () => {
      const res = await apply('nyforetaget', { areaId: 'nursing-home', capacity: 40 });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ capacityUnit: 'places', capacity: 40, serviceArea: [] });
      expect(res.json().requirements.map((x: { requirement: string }) => x.requirement)).toEqual([...HOME_CARE_REQUIREMENTS, 'state-permit']);
    });

    it('lets an administrator apply on behalf of a registered municipal provider', async () => {
      expect((await r.send('POST', '/providers', admin, providerBody('kommunens-dag', { kind: 'municipal', authorizations: [{ areaId: 'day-activities', capacityCustomers: 10 }] }))).statusCode).toBe(201);
      const res = await apply('kommunens-dag', { areaId: 'home-care', capacity: 100 }, admin);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ status: 'applied', kind: 'municipal' });
    });

    it.each([
      ['an unknown area', { areaId: 'chiropody', capacity: 1, provider: NEWCOMER }, 'body.areaId', 'ORDERS.UNKNOWN_AREA'],
      ['a negative capacity', { areaId: 'home-care', capacity: -1, provider: NEWCOMER }, 'body.capacity', 'VALIDATION'],
      ['a fractional capacity', { areaId: 'home-care', capacity: 2.5, provider: NEWCOMER }, 'body.capacity', 'VALIDATION'],
      ['a one-letter district', { areaId: 'home-care', capacity: 1, serviceArea: ['x'], provider: NEWCOMER }, 'body.serviceArea.0', 'VALIDATION'],
      ['no provider details for an unregistered provider', { areaId: 'home-care', capacity: 1 }, 'body.provider', 'ORDERS.PROVIDER_DETAILS_REQUIRED'],
      ['an unknown provider kind', { areaId: 'home-care', capacity: 1, provider: { ...NEWCOMER, kind: 'cooperative' } }, 'body.provider.kind', 'VALIDATION'],
      ['a malformed organisation number', { areaId: 'home-care', capacity: 1, provider: { ...NEWCOMER, organisationNumber: '55990012' } }, 'body.provider.organisationNumber', 'VALIDATION'],
    ])('refuses an application with %s (400 naming %s), storing nothing', async (_, payload, field, code) => {
      await r.refused('POST', '/providers/okand-omsorg/authorizations', await providerAs('okand-omsorg'), payload, 400, code, field);
    });

    it('refuses a malformed provider id in the path with 400 naming params.providerId', async () => {
      await r.refused('POST', '/providers/Okänd%20Omsorg/authorizations', admin, { areaId: 'home-care', capacity: 1 }, 400, 'VALIDATION', 'params.providerId');
    });

    it('refuses a second application while one stands (409 ORDERS.AUTHORIZATION_EXISTS) and a taken organisation number (409 ORDERS.PROVIDER_EXISTS)', async () => {
      await r.refused('POST', '/providers/nyforetaget/authorizations', await providerAs('nyforetaget'), { areaId: 'home-care', capacity: 5 }, 409, 'ORDERS.AUTHORIZATION_EXISTS');
      await r.refused('POST', '/providers/kopian/authorizations', await providerAs('kopian'), { areaId: 'home-care', capacity: 5, provider: NEWCOMER }, 409, 'ORDERS.PROVIDER_EXISTS');
    });

    it("refuses a provider applying for another provider, a case handler, and a call without a token; storing nothing", async () => {
      const payload = { areaId: 'family-counselling', capacity: 3 };
      await r.refused('POST', '/providers/nyforetaget/authorizations', await providerAs('kommunens-dag'), payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/nyforetaget/authorizations', await svc.as({ role: 'provider' }), payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/nyforetaget/authorizations', caseHandler, payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/nyforetaget/authorizations', {}, payload, 401, 'AUTH.MISSING_TOKEN');
    });
  });

  describe('POST /providers/:providerId/authorizations/:areaId/decision', () => {
    it('refuses approval until every requirement of the area is checked (409 ORDERS.REQUIREMENTS_UNMET naming what is missing), keeping none of the checks', async () => {
      const body = await r.refused('POST', '/providers/nyforetaget/authorizations/home-care/decision', admin, { decision: 'approve', checked: ['registered-company', 'f-skatt'] }, 409, 'ORDERS.REQUIREMENTS_UNMET');
      expect(body.message).toContain('liability-insurance, experience, quality-system');
      const [authorization] = (await r.send('GET', '/providers/nyforetaget/authorizations', admin)).json<Array<{ areaId: string; requirements: Array<{ met: boolean }> }>>();
      expect(authorization!.requirements.every((x) => !x.met)).toBe(true);
    });

    it('approves once every requirement is checked; the provider then appears in the comparison and can be chosen', async () => {
      const res = await decide('nyforetaget', 'home-care', { decision: 'approve', checked: HOME_CARE_REQUIREMENTS });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'approved', requirements: HOME_CARE_REQUIREMENTS.map((requirement) => ({ requirement, met: true })) });
      expect(await compared('home-care')).toContain('nyforetaget');
      const decision = await seedDecision(svc.db);
      expect((await r.send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'nyforetaget' })).statusCode).toBe(201);
      const audit = await svc.db.selectFrom('audit_log').select(['before', 'after']).where('action', '=', 'authorization.approve').where('entity_id', '=', 'nyforetaget/home-care').executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ before: { status: 'applied' }, after: { status: 'approved' } });
    });

    it('suspends (out of the comparison, cannot be chosen), reinstates, and revokes for good; a revoked provider may apply again', async () => {
      const suspended = await decide('nyforetaget', 'home-care', { decision: 'suspend', reason: 'Complaint investigation 2026-17.' });
      expect(suspended.json()).toMatchObject({ status: 'suspended', statusReason: 'Complaint investigation 2026-17.' });
      expect(await compared('home-care')).not.toContain('nyforetaget');
      const decision = await seedDecision(svc.db);
      await r.refused('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'nyforetaget' }, 400, 'ORDERS.PROVIDER_NOT_AUTHORIZED', 'body.providerId');

      expect((await decide('nyforetaget', 'home-care', { decision: 'reinstate' })).json()).toMatchObject({ status: 'approved', statusReason: null });
      expect(await compared('home-care')).toContain('nyforetaget');

      expect((await decide('nyforetaget', 'home-care', { decision: 'revoke', reason: 'Lost its F-skatt.' })).json()).toMatchObject({ status: 'revoked' });
      expect(await compared('home-care')).not.toContain('nyforetaget');
      for (const decision of ['approve', 'suspend', 'reinstate', 'revoke']) {
        await r.refused('POST', '/providers/nyforetaget/authorizations/home-care/decision', admin, { decision, reason: 'Again.' }, 409, 'ORDERS.INVALID_TRANSITION');
      }

      const again = await apply('nyforetaget', { areaId: 'home-care', capacity: 10 });
      expect(again.statusCode, again.body).toBe(201);
      expect(again.json()).toMatchObject({ status: 'applied', capacity: 10, requirements: HOME_CARE_REQUIREMENTS.map((requirement) => ({ requirement, met: false })) });
    });

    it.each([
      ['applied', 'suspend'],
      ['applied', 'reinstate'],
      ['approved', 'approve'],
      ['approved', 'reinstate'],
      ['suspended', 'approve'],
      ['suspended', 'suspend'],
    ] as const)('refuses to move an authorization that is %s with %s (409 ORDERS.INVALID_TRANSITION), storing nothing', async (status, decision) => {
      const providerId = `steg-${status}-${decision}`;
      expect((await apply(providerId, { areaId: 'home-care', capacity: 1, provider: { ...NEWCOMER, organisationNumber: providerBody(providerId).organisationNumber } })).statusCode).toBe(201);
      if (status !== 'applied') expect((await decide(providerId, 'home-care', { decision: 'approve', checked: HOME_CARE_REQUIREMENTS })).statusCode).toBe(200);
      if (status === 'suspended') expect((await decide(providerId, 'home-care', { decision: 'suspend', reason: 'Review.' })).statusCode).toBe(200);
      await r.refused('POST', `/providers/${providerId}/authorizations/home-care/decision`, admin, { decision, reason: 'Try.', ...(decision === 'approve' ? { checked: HOME_CARE_REQUIREMENTS } : {}) }, 409, 'ORDERS.INVALID_TRANSITION');
    });

    it('turns down an application by revoking it', async () => {
      expect((await apply('kommunens-dag', { areaId: 'family-counselling', capacity: 3 }, admin)).statusCode).toBe(201);
      expect((await decide('kommunens-dag', 'family-counselling', { decision: 'revoke', reason: 'No experience shown.' })).json()).toMatchObject({ status: 'revoked' });
    });

    it.each([
      ['an unknown decision', { decision: 'pause' }, 'body.decision', 'VALIDATION'],
      ['an unknown requirement', { decision: 'approve', checked: ['good-intentions'] }, 'body.checked.0', 'VALIDATION'],
      ['a requirement the area does not have', { decision: 'approve', checked: ['state-permit'] }, 'body.checked', 'ORDERS.REQUIREMENT_NOT_IN_AREA'],
      ['checks with a suspension', { decision: 'suspend', reason: 'x', checked: ['f-skatt'] }, 'body.checked', 'ORDERS.CHECKS_ONLY_ON_APPROVAL'],
      ['a suspension without a reason', { decision: 'suspend' }, 'body.reason', 'ORDERS.REASON_REQUIRED'],
      ['a revocation with a blank reason', { decision: 'revoke', reason: '  ' }, 'body.reason', 'VALIDATION'],
    ])('refuses %s (400 naming %s), storing nothing', async (_, payload, field, code) => {
      await r.refused('POST', '/providers/kommunens-dag/authorizations/home-care/decision', admin, payload, 400, code, field);
    });

    it('answers 404 ORDERS.AUTHORIZATION_NOT_FOUND for an area the provider never applied for, and refuses anyone but an administrator', async () => {
      await r.refused('POST', '/providers/kommunens-dag/authorizations/nursing-home/decision', admin, { decision: 'approve' }, 404, 'ORDERS.AUTHORIZATION_NOT_FOUND');
      const payload = { decision: 'approve', checked: HOME_CARE_REQUIREMENTS };
      await r.refused('POST', '/providers/kommunens-dag/authorizations/home-care/decision', await providerAs('kommunens-dag'), payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/kommunens-dag/authorizations/home-care/decision', caseHandler, payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/kommunens-dag/authorizations/home-care/decision', {}, payload, 401, 'AUTH.MISSING_TOKEN');
    });
  });

  describe('GET /providers/:providerId/authorizations', () => {
    it('shows a provider its own authorizations with their checklists, refuses another provider (403), 404 for an unknown provider', async () => {
      const own = await r.send('GET', '/providers/kommunens-dag/authorizations', await providerAs('kommunens-dag'));
      expect(own.statusCode).toBe(200);
      expect(own.json().map((a: { areaId: string; status: string }) => [a.areaId, a.status])).toEqual([
        ['day-activities', 'approved'],
        ['family-counselling', 'revoked'],
        ['home-care', 'applied'],
      ]);
      expect((await r.send('GET', '/providers/kommunens-dag/authorizations', await providerAs('nyforetaget'))).statusCode).toBe(403);
      const missing = await r.send('GET', '/providers/finns-inte/authorizations', admin);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('ORDERS.PROVIDER_NOT_FOUND');
    });
  });

  describe('POST /providers (registration of an approved provider) and the comparison', () => {
    it('still registers an approved provider, every requirement met, with a service area a customer can filter by', async () => {
      const res = await r.send(
        'POST',
        '/providers',
        admin,
        providerBody('saltsjo-hemtjanst', { authorizations: [{ areaId: 'home-care', capacityCustomers: 30, serviceArea: ['Saltsjöbaden', '133 3'] }] }),
      );
      expect(res.statusCode, res.body).toBe(201);
      const [authorization] = (await r.send('GET', '/providers/saltsjo-hemtjanst/authorizations', admin)).json<Array<{ status: string; requirements: Array<{ met: boolean }> }>>();
      expect(authorization).toMatchObject({ status: 'approved', serviceArea: ['Saltsjöbaden', '133 3'] });
      expect(authorization!.requirements.every((x) => x.met)).toBe(true);

      const inSaltsjobaden = (await r.send('GET', '/providers?areaId=home-care&district=saltsjöbaden', caseHandler)).json<Array<{ providerId: string; serviceArea: string[] }>>();
      expect(inSaltsjobaden.map((p) => p.providerId)).toContain('saltsjo-hemtjanst');
      const elsewhere = (await r.send('GET', '/providers?areaId=home-care&district=Tyresö', caseHandler)).json<Array<{ providerId: string }>>();
      expect(elsewhere.map((p) => p.providerId)).not.toContain('saltsjo-hemtjanst');
      // A postcode prefix covers the postcodes under it.
      const byPostcode = (await r.send('GET', '/providers?areaId=home-care&district=133%2036', caseHandler)).json<Array<{ providerId: string }>>();
      expect(byPostcode.map((p) => p.providerId)).toContain('saltsjo-hemtjanst');
    });

    it('refuses a registration in an unknown area with 400 naming the area field, storing nothing', async () => {
      await r.refused('POST', '/providers', admin, providerBody('fotvard-ab', { authorizations: [{ areaId: 'chiropody', capacityCustomers: 3 }] }), 400, 'ORDERS.UNKNOWN_AREA', 'body.authorizations.0.areaId');
    });
  });
});

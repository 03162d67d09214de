import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { HOME_CARE_GRANT, caseHandlerSteps, startDecisions, testIdentityNumber, type TestDecisions } from '../../test-support/decisions-service.js';

const PNR = testIdentityNumber(411);

describe.each(testEngines())('finding a customer by identity number on %s', (engine) => {
  let svc: TestDecisions;
  let operator: Record<string, string>;
  let customerId: string;
  let applicationId: string;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_lookup');
    operator = await svc.as({ role: 'operator', sub: 'olle-operator' });
    ({ customerId, applicationId } = await caseHandlerSteps(svc, await svc.as({ role: 'case-handler' })).decided('home-care', HOME_CARE_GRANT, PNR));
  });
  afterAll(() => svc?.close());

  it.each([
    ['with the century and separator', PNR],
    ['as ten digits', PNR.replace('-', '').slice(2)],
  ])("answers an operator the customer's id and applications %s, and audits who looked up whom without the number", async (_form, identityNumber) => {
    const res = await svc.app.inject({ method: 'POST', url: '/customers/lookup', headers: operator, payload: { identityNumber } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ customerId, applications: [{ applicationId, areaId: 'home-care', status: 'decided', receivedAt: expect.any(String) }] });
    expect(res.body).not.toContain(PNR.slice(0, 8));
    const rows = await svc.db.selectFrom('audit_log').select(['actor', 'actor_role', 'entity', 'entity_id', 'before', 'after']).where('action', '=', 'customer.looked-up').execute();
    expect(rows.at(-1)).toEqual({ actor: 'olle-operator', actor_role: 'operator', entity: 'customer', entity_id: customerId, before: null, after: null });
  });

  it('answers 404 for a valid number of no customer, and 400 naming the field for an invalid one', async () => {
    const none = await svc.app.inject({ method: 'POST', url: '/customers/lookup', headers: operator, payload: { identityNumber: testIdentityNumber(412) } });
    expect([none.statusCode, none.json().error]).toEqual([404, 'DECISIONS.CUSTOMER_NOT_FOUND']);
    const bad = await svc.app.inject({ method: 'POST', url: '/customers/lookup', headers: operator, payload: { identityNumber: '19121212-1213' } });
    expect([bad.statusCode, bad.json().issues?.[0]?.field]).toEqual([400, 'body.identityNumber']);
  });

  it("narrows the look-up to the caller's municipality: another municipality's operator finds no such customer", async () => {
    const own = await svc.app.inject({ method: 'POST', url: '/customers/lookup', headers: await svc.as({ role: 'operator', municipality: 'nacka' }), payload: { identityNumber: PNR } });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ customerId, applications: [{ applicationId }] });
    const before = await svc.db.selectFrom('audit_log').select('id').where('action', '=', 'customer.looked-up').execute();
    const other = await svc.app.inject({ method: 'POST', url: '/customers/lookup', headers: await svc.as({ role: 'operator', municipality: 'varmdo' }), payload: { identityNumber: PNR } });
    expect([other.statusCode, other.json().error]).toEqual([404, 'DECISIONS.CUSTOMER_NOT_FOUND']);
    expect(await svc.db.selectFrom('audit_log').select('id').where('action', '=', 'customer.looked-up').execute()).toHaveLength(before.length);
  });
});

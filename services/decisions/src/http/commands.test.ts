import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { HOME_CARE_GRANT, caseHandlerSteps, startDecisions, testIdentityNumber, type TestDecisions } from '../test-support/decisions-service.js';

describe.each(testEngines())('commands with an Idempotency-Key on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_commands');
    caseHandler = await svc.as({ role: 'case-handler' });
  });
  afterAll(() => svc?.close());

  const applications = async () => Number((await svc.db.selectFrom('applications').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  it('does a command once when its retries arrive at the same time, and answers each with the one result', async () => {
    const headers = { ...caseHandler, 'idempotency-key': 'concurrent-key-0001' };
    const payload = { identityNumber: testIdentityNumber(301), areaId: 'home-care', channel: 'citizen' };
    const before = await applications();
    const answers = await Promise.all(Array.from({ length: 5 }, () => svc.app.inject({ method: 'POST', url: '/applications', headers, payload })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.json().applicationId)).size).toBe(1);
    expect(await applications()).toBe(before + 1);
    expect(svc.commits()).toBeGreaterThan(0);
  });

  it('stores no key for a refused command, so the same request runs once the refusal is resolved', async () => {
    const steps = caseHandlerSteps(svc, caseHandler);
    const { applicationId } = await steps.apply('home-care', testIdentityNumber(302));
    const decide = () => svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: { ...caseHandler, 'idempotency-key': 'refused-key-0001' }, payload: HOME_CARE_GRANT });
    const refused = await decide();
    expect([refused.statusCode, refused.json().error]).toEqual([409, 'DECISIONS.NOT_ASSESSED']);
    await steps.assess(applicationId);
    expect((await decide()).statusCode).toBe(201);
  });

  it('refuses a key shorter than 8 characters with 400 naming the header', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/applications', headers: { ...caseHandler, 'idempotency-key': 'short' }, payload: { identityNumber: testIdentityNumber(303), areaId: 'home-care', channel: 'citizen' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { field: string }) => i.field)).toContain('headers.idempotency-key');
  });
});

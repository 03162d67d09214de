import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type IdpClient, type LocalPlatform } from '@kundval/infra';
import { issueToken } from '@kundval/platform';
import { SEARCH_ATTRIBUTE_TYPES } from '@kundval/workflows';
import type { Principal } from '@kundval/contracts';
import { Actor, homeCareSteps, journeyReaches, loadDemoData, nextIdentityNumber, type Platform, type VisitPlan } from '../driver/index.js';
import { TEST_CHOICE_DEADLINE_MS, TEST_JOURNEY_TIME_SCALE } from '../support/platform.js';

/**
 * The platform run against a real OpenID Connect provider (oidc-provider, ADR 0032) instead of the
 * development secret: every person signs in through the console's client (authorization code +
 * PKCE) and gets RS256 tokens for one service at a time; the journey worker gets its own with its
 * client (client credentials), acting on behalf of the citizen when the citizen chose; the case
 * system's integration may import decisions and nothing else; a token signed with the development
 * secret is refused everywhere.
 */
const CASE_SYSTEM: IdpClient = { clientId: 'case-system', clientSecret: 'case-system-client-secret', role: 'case-handler', scopes: ['decisions:import'] };
const VISITS: VisitPlan[] = [
  { externalId: 'feb-2', kind: 'care', start: '2026-02-02T08:00:00+01:00', end: '2026-02-02T09:00:00+01:00' },
  { externalId: 'feb-3', kind: 'care', start: '2026-02-03T08:00:00+01:00', end: '2026-02-03T09:30:00+01:00' },
];

describe('the platform with the identity provider (OIDC, RS256, per-service audiences, scopes)', () => {
  let platform: LocalPlatform;
  let dataDir: string;
  let people: Platform;
  const serviceOf = (url: string) => Object.entries(platform.urls).find(([, base]) => url.startsWith(base))![0];
  const clientToken = async (client: IdpClient, service: string, scope: string) => {
    const response = await fetch(platform.identity!.provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: platform.identity!.provider.audience(service), scope }),
    });
    return { status: response.status, body: (await response.json()) as { access_token?: string; error?: string } };
  };
  const call = async (token: string, method: string, url: string, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kundval-oidc-'));
    platform = await startLocalPlatform({
      dataDir,
      searchAttributes: SEARCH_ATTRIBUTE_TYPES,
      logLevel: 'warn',
      identityProvider: { clients: [CASE_SYSTEM] },
      env: { CHOICE_DEADLINE_MS: String(TEST_CHOICE_DEADLINE_MS), JOURNEY_TIME_SCALE: String(TEST_JOURNEY_TIME_SCALE) },
    });
    const idp = platform.identity!.provider;
    // The people of the journey are in the provider's directory and sign in through the console.
    const tokens = async (principal: Principal, url: string) => {
      idp.enrol({ sub: principal.sub, role: principal.role, ...(principal.providerId ? { providerId: principal.providerId } : {}), ...(principal.customerId ? { customerId: principal.customerId } : {}) });
      return idp.personToken(principal.sub, serviceOf(url));
    };
    people = { urls: platform.urls, auth: tokens };
    await loadDemoData(platform.urls, tokens);
  });
  afterAll(async () => {
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a token signed with the development secret, and a token for another service', async () => {
    const forged = await issueToken(platform.auth, { sub: 'journey-worker', role: 'system' });
    expect(await call(forged, 'GET', `${platform.urls.orders}/providers`)).toMatchObject({ status: 401, body: { error: 'AUTH.BAD_TOKEN' } });
    const forDecisions = await platform.identity!.provider.personToken('demo-admin', 'decisions');
    expect((await call(forDecisions, 'GET', `${platform.urls.orders}/providers`)).status).toBe(401);
  });

  it('gives the case system only what it was given: it imports decisions, and may neither read them back nor pay', async () => {
    // Not even a token for billing, where it has no scope; and paying is not among its scopes.
    expect(await clientToken(CASE_SYSTEM, 'billing', 'billing:pay')).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
    expect(await clientToken(CASE_SYSTEM, 'decisions', 'decisions:write')).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const { body } = await clientToken(CASE_SYSTEM, 'decisions', 'decisions:import');
    const token = body.access_token!;
    const imported = await call(token, 'POST', `${platform.urls.decisions}/imports/decisions`, {
      source: 'treserva',
      records: [{ externalId: 'OIDC-1', identityNumber: nextIdentityNumber(1950), areaId: 'day-activities', decidedOn: '2026-01-20', outcome: 'granted', level: 1, daysPerWeek: 1, validFrom: '2026-02-01', validTo: '2026-12-31' }],
    });
    expect(imported.status).toBe(200);
    expect((imported.body['results'] as Array<{ status: string }>).map((r) => r.status)).toEqual(['created']);
    const applicationId = (imported.body['results'] as Array<{ applicationId: string }>)[0]!.applicationId;
    expect(await call(token, 'GET', `${platform.urls.decisions}/applications/${applicationId}`)).toMatchObject({ status: 403, body: { error: 'AUTH.FORBIDDEN' } });
  });

  it('runs a home-care journey to payment with every person and the worker on the provider’s tokens, the choice audited as the citizen’s through the worker', async () => {
    const steps = homeCareSteps(people);
    const { applicationId, customerId } = await steps.apply(nextIdentityNumber(1940));
    await steps.assess(applicationId);
    const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 4, serviceHoursPerMonth: 0, validFrom: '2026-02-01', validTo: '2026-02-28' });
    await journeyReaches(people, applicationId, ['awaiting-choice']);
    // The citizen chooses through the journey: the worker records it at orders with its own token, on the citizen's behalf.
    const citizen = new Actor(people.auth, { sub: `citizen-${customerId}`, role: 'citizen', customerId });
    const chosen = await citizen.call('POST', `${platform.urls.workflows}/journeys/${applicationId}/choice`, { providerId: 'saltsjo-omsorg' }, { 'idempotency-key': crypto.randomUUID() });
    expect(chosen).toEqual({ status: 200, body: { providerId: 'saltsjo-omsorg', chosenBy: 'customer' } });
    const orderId = await steps.acceptAndPlan('saltsjo-omsorg', decisionId);
    const visits = await steps.reportVisits('saltsjo-omsorg', orderId, VISITS.map((v) => ({ ...v, externalId: `${applicationId}-${v.externalId}` })));
    expect(visits).toHaveLength(2);
    await steps.approveMonth(customerId, orderId, '2026-02');
    const done = await journeyReaches(people, applicationId, ['completed']);
    // 150 weekday-day minutes at saltsjo-omsorg's 31 000 öre an hour.
    expect(done.settledMonths.find((m) => m.month === '2026-02')?.paymentOre).toBe(77_500);

    // The token's municipality is part of every scoped read: an operator of another municipality finds
    // neither the journey, nor its application, decision or order (404, as for an unknown id), and lists none of them.
    const idp = platform.identity!.provider;
    idp.enrol({ sub: 'operator-varmdo', role: 'operator', municipality: 'varmdo' });
    idp.enrol({ sub: 'operator-nacka', role: 'operator' });
    const as = async (sub: string, service: string) => idp.personToken(sub, service);
    expect(await call(await as('operator-varmdo', 'workflows'), 'GET', `${platform.urls.workflows}/journeys/${applicationId}`)).toMatchObject({ status: 404, body: { error: 'WORKFLOWS.JOURNEY_NOT_FOUND' } });
    expect(await call(await as('operator-varmdo', 'decisions'), 'GET', `${platform.urls.decisions}/applications/${applicationId}`)).toMatchObject({ status: 404, body: { error: 'DECISIONS.APPLICATION_NOT_FOUND' } });
    expect(await call(await as('operator-varmdo', 'decisions'), 'GET', `${platform.urls.decisions}/decisions/${decisionId}`)).toMatchObject({ status: 404, body: { error: 'DECISIONS.DECISION_NOT_FOUND' } });
    expect(await call(await as('operator-varmdo', 'orders'), 'GET', `${platform.urls.orders}/orders/${orderId}`)).toMatchObject({ status: 404, body: { error: 'ORDERS.ORDER_NOT_FOUND' } });
    const listed = async (sub: string) => (await call(await as(sub, 'workflows'), 'GET', `${platform.urls.workflows}/journeys?customer=${customerId}`)).body as unknown as Array<{ workflowId: string }>;
    expect(await listed('operator-varmdo')).toEqual([]);
    expect((await listed('operator-nacka')).map((j) => j.workflowId)).toEqual([`journey-${applicationId}`]);
    expect(await call(await as('operator-nacka', 'orders'), 'GET', `${platform.urls.orders}/orders/${orderId}`)).toMatchObject({ status: 200, body: { orderId } });

    // The services' audit trail, read from the orders database once the platform has let go of it (so this test runs last).
    await platform.stop();
    const orders = new PGlite(join(dataDir, 'pglite', 'orders'));
    try {
      const { rows } = await orders.query<{ actor: string; actor_role: string; agent: string | null }>(
        `select actor, actor_role, agent from orders.audit_log where action = 'provider.chosen' and entity_id = $1`,
        [decisionId],
      );
      expect(rows).toEqual([{ actor: `citizen-${customerId}`, actor_role: 'citizen', agent: 'kundval-worker' }]);
    } finally {
      await orders.close();
    }
  });
});


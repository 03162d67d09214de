import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { NACKA_RATES, startBilling, type TestBilling } from '../../test-support/billing-routes.js';
import { rateRoutes } from './index.js';

describe.each(testEngines())('rate table routes on %s', (engine) => {
  let svc: TestBilling;
  let finance: Record<string, string>;

  beforeAll(async () => {
    svc = await startBilling(engine, 'billing_rates', rateRoutes);
    finance = await svc.as({ role: 'finance' });
  });
  afterAll(() => svc?.close());

  const save = (id: string, payload: unknown, headers = finance) => svc.app.inject({ method: 'PUT', url: `/rate-tables/${id}`, headers, payload: payload as Record<string, unknown> });
  const list = async (areaId: string, headers = finance) => {
    const res = await svc.app.inject({ method: 'GET', url: `/rate-tables?areaId=${areaId}`, headers });
    expect(res.statusCode).toBe(200);
    return res.json<Array<{ rateTableId: string } & Record<string, unknown>>>();
  };
  const fieldsOf = (res: { json: () => { issues?: Array<{ field: string }> } }) => (res.json().issues ?? []).map((i) => i.field);

  it('saves a rate table and lists the tables of an area by validity, as they were saved', async () => {
    const next = { ...NACKA_RATES, validFrom: '2026-01-01', rates: NACKA_RATES.rates.map((r) => ({ ...r, orePerHour: r.orePerHour + 1_000 })) };
    expect((await save('nacka-home-care-2026', next)).statusCode).toBe(200);
    const saved = await save('nacka-home-care-2024', { ...NACKA_RATES, validTo: '2026-01-01' });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({ rateTableId: 'nacka-home-care-2024' });
    expect(await list('home-care', await svc.as({ role: 'provider', providerId: 'omsorg-privat' }))).toEqual([
      { rateTableId: 'nacka-home-care-2024', ...NACKA_RATES, validTo: '2026-01-01' },
      { rateTableId: 'nacka-home-care-2026', ...next },
    ]);
    expect(await list('day-activities')).toEqual([]);
  });

  it('replaces a table saved under the same id, auditing what it was before', async () => {
    const id = 'varmdo-home-care';
    await save(id, { ...NACKA_RATES, municipality: 'varmdo' });
    const changed = { ...NACKA_RATES, municipality: 'varmdo', rates: [{ kind: 'service', band: 'any', providerKind: 'private', orePerHour: 27_000 }] };
    expect((await save(id, changed, await svc.as({ role: 'administrator' }))).statusCode).toBe(200);
    expect((await list('home-care')).find((t) => t.rateTableId === id)).toEqual({ rateTableId: id, ...changed });
    const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role', 'before', 'after']).where('entity_id', '=', id).orderBy('id').execute();
    expect(audit.map((a) => [a.action, a.actor_role])).toEqual([
      ['rate-table.saved', 'finance'],
      ['rate-table.saved', 'administrator'],
    ]);
    expect(audit[0]!.before).toBeNull();
    expect(audit[1]!.before).toMatchObject({ municipality: 'varmdo', rates: NACKA_RATES.rates });
    expect(audit[1]!.after).toEqual(changed);
  });

  it.each([
    [{ rates: [] }, 'body.rates'],
    [{ rates: [{ ...NACKA_RATES.rates[0], orePerHour: 0 }] }, 'body.rates.0.orePerHour'],
    [{ rates: [{ ...NACKA_RATES.rates[0], orePerHour: 293.5 }] }, 'body.rates.0.orePerHour'],
    [{ rates: [NACKA_RATES.rates[0], { ...NACKA_RATES.rates[1], providerKind: 'ngo' }] }, 'body.rates.1.providerKind'],
    [{ rates: [{ ...NACKA_RATES.rates[0], kind: 'nursing' }] }, 'body.rates.0.kind'],
    [{ rates: [{ ...NACKA_RATES.rates[0], band: '' }] }, 'body.rates.0.band'],
    [{ validFrom: '2025-02-30' }, 'body.validFrom'],
    [{ validTo: '31/12/2025' }, 'body.validTo'],
    [{ validTo: undefined }, 'body.validTo'],
    [{ municipality: '' }, 'body.municipality'],
  ])('refuses a rate table with %j with 400 naming %s, and stores nothing', async (overrides, field) => {
    const before = await tableCounts(svc.db);
    const res = await save('broken-table', { ...NACKA_RATES, ...overrides });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toContain(field);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('refuses a table id that is not lower-case letters, digits and dashes with 400 naming params.rateTableId', async () => {
    const before = await tableCounts(svc.db);
    const res = await save('Nacka_2025', NACKA_RATES);
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toContain('params.rateTableId');
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('refuses a list without an area with 400 naming querystring.areaId', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/rate-tables', headers: finance });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toContain('querystring.areaId');
  });

  it('refuses a save by a provider or a case handler (403) and without a token (401), and a citizen reading the tables (403), storing nothing', async () => {
    const before = await tableCounts(svc.db);
    expect((await save('nacka-home-care-2024', NACKA_RATES, await svc.as({ role: 'provider', providerId: 'omsorg-privat' }))).statusCode).toBe(403);
    expect((await save('nacka-home-care-2024', NACKA_RATES, await svc.as({ role: 'case-handler' }))).statusCode).toBe(403);
    expect((await save('nacka-home-care-2024', NACKA_RATES, {})).statusCode).toBe(401);
    const citizen = await svc.app.inject({ method: 'GET', url: '/rate-tables?areaId=home-care', headers: await svc.as({ role: 'citizen', customerId: '00000000-0000-4000-8000-000000000001' }) });
    expect(citizen.statusCode).toBe(403);
    expect(await tableCounts(svc.db)).toEqual(before);
  });
});

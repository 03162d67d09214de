import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@kundval/contracts';
import { openDatabase, type Database } from './database.js';
import { inScope, scopeCondition, type ScopeColumns } from './scope.js';

type Tables = {
  areas: { area: string; municipality: string };
  rows: { id: string; provider_id: string; customer_id: string; area: string };
};

/** The scope as a real query over PGlite: which rows each principal's select returns. */
describe('scoping where the data is read', () => {
  let database: Database<Tables>;
  const columns: ScopeColumns = {
    providerId: 'r.provider_id',
    customerId: 'r.customer_id',
    municipality: (m) => sql<boolean>`exists (select 1 from areas a where a.area = r.area and a.municipality = ${m})`,
  };
  const seen = async (principal: Principal) =>
    (await database.db.selectFrom('rows as r').select('r.id').where(scopeCondition(principal, columns)).orderBy('r.id').execute()).map((r) => r.id);

  beforeAll(async () => {
    database = await openDatabase<Tables>({
      url: 'pglite://memory',
      schema: 'scope_test',
      migrations: {
        '0001': {
          up: async (db) => {
            await sql`create table areas (area text primary key, municipality text not null)`.execute(db);
            await sql`create table rows (id text primary key, provider_id text not null, customer_id text not null, area text not null)`.execute(db);
          },
        },
      },
    });
    await database.db.insertInto('areas').values([{ area: 'nacka-home', municipality: 'nacka' }, { area: 'varmdo-home', municipality: 'varmdo' }]).execute();
    await database.db
      .insertInto('rows')
      .values([
        { id: 'r1', provider_id: 'p1', customer_id: 'c1', area: 'nacka-home' },
        { id: 'r2', provider_id: 'p2', customer_id: 'c1', area: 'nacka-home' },
        { id: 'r3', provider_id: 'p1', customer_id: 'c2', area: 'varmdo-home' },
      ])
      .execute();
  });
  afterAll(() => database?.close());

  it('gives a provider its own rows, a citizen their own, and anyone else every row', async () => {
    expect(await seen({ sub: 'p1-staff', role: 'provider', providerId: 'p1' })).toEqual(['r1', 'r3']);
    expect(await seen({ sub: 'citizen-c1', role: 'citizen', customerId: 'c1' })).toEqual(['r1', 'r2']);
    expect(await seen({ sub: 'handler', role: 'case-handler' })).toEqual(['r1', 'r2', 'r3']);
  });

  it("narrows everyone with a municipality claim to that municipality's rows", async () => {
    expect(await seen({ sub: 'handler', role: 'case-handler', municipality: 'nacka' })).toEqual(['r1', 'r2']);
    expect(await seen({ sub: 'p1-staff', role: 'provider', providerId: 'p1', municipality: 'varmdo' })).toEqual(['r3']);
    expect(await seen({ sub: 'handler', role: 'case-handler', municipality: 'danderyd' })).toEqual([]);
  });

  it('holds the worker to the person it acts for, and shows nothing to a provider or citizen token naming no one', async () => {
    expect(await seen({ sub: 'kundval-worker', role: 'system', onBehalfOf: { sub: 'citizen-c2', role: 'citizen', customerId: 'c2' } })).toEqual(['r3']);
    expect(await seen({ sub: 'anonymous-provider', role: 'provider' })).toEqual([]);
    expect(await seen({ sub: 'anonymous-citizen', role: 'citizen' })).toEqual([]);
  });

  it('answers the same for a record in hand', () => {
    const r3 = { providerId: 'p1', customerId: 'c2', municipality: 'varmdo' };
    expect(inScope({ sub: 'p1-staff', role: 'provider', providerId: 'p1' }, r3)).toBe(true);
    expect(inScope({ sub: 'p2-staff', role: 'provider', providerId: 'p2' }, r3)).toBe(false);
    expect(inScope({ sub: 'citizen-c1', role: 'citizen', customerId: 'c1' }, r3)).toBe(false);
    expect(inScope({ sub: 'handler', role: 'case-handler', municipality: 'nacka' }, r3)).toBe(false);
    expect(inScope({ sub: 'handler', role: 'case-handler', municipality: 'varmdo' }, r3)).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testEngines } from '@kundval/platform/testing';
import { openBillingStore } from '../test-support/use-cases.js';
import type { BillingDb } from '../store/db.js';
import { compiledOnce } from './compiled-once.js';

describe.each(testEngines())('a query compiled once on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_compiled_once');
  });
  afterAll(() => store?.close());

  it("is built once and sent with each call's values, in the places the build put them", async () => {
    let builds = 0;
    const query = compiledOnce((db: BillingDb, a: { at: Date; text: string; n: number }) => {
      builds++;
      return db.selectNoFrom([sql<string>`${a.text}::text`.as('text'), sql<number>`${a.n}::int + 1`.as('next'), sql<Date>`${a.at}::timestamptz + interval '1 hour'`.as('later')]);
    });
    const first = await query(store.db, { at: new Date('2026-03-29T00:30:00Z'), text: 'a', n: 1 });
    const second = await query(store.db, { text: 'b', n: 41, at: new Date('2026-10-25T00:30:00Z') });
    expect(first.rows).toEqual([{ text: 'a', next: 2, later: new Date('2026-03-29T01:30:00Z') }]);
    expect(second.rows).toEqual([{ text: 'b', next: 42, later: new Date('2026-10-25T01:30:00Z') }]);
    expect(builds).toBe(1);
  });

  it('refuses a call that lacks a value the statement takes, sending nothing', async () => {
    const query = compiledOnce((db: BillingDb, a: { text: string }) => db.selectNoFrom(sql<string>`${a.text}::text`.as('text')));
    await expect(query(store.db, {} as { text: string })).rejects.toThrow('compiledOnce: no value for text');
  });
});

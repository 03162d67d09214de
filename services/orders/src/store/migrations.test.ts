import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { messagingMigration, openDatabase } from '@kundval/platform';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import type { OrdersDb } from '../app.js';
import { ordersMigrations } from './migrations.js';

describe.each(testEngines())('orders migrations on %s', (engine) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function databaseUrl(): Promise<string> {
    if (engine === 'postgres') return testDatabaseUrl(engine, inject('postgresUrl'), 'orders_migrations');
    const dir = mkdtempSync(join(tmpdir(), 'orders-migrations-'));
    dirs.push(dir);
    return `pglite://${dir}`;
  }

  it('carries providers, choices and orders of the first schema over: approved requirements met, choices from the decision start, orders with their period and hours', async () => {
    const url = await databaseUrl();
    const first = await openDatabase({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, '0001_providers_choices_orders': ordersMigrations['0001_providers_choices_orders']! } });
    const ids = { decision: randomUUID(), application: randomUUID(), customer: randomUUID(), choice: randomUUID(), order: randomUUID() };
    await sql`insert into providers (provider_id, name, kind, organisation_number) values ('gamla-omsorg', 'Gamla Omsorg AB', 'private', '556000-0001')`.execute(first.db);
    await sql`insert into authorizations (provider_id, area_id, status, capacity_customers) values ('gamla-omsorg', 'home-care', 'approved', 12)`.execute(first.db);
    await sql`insert into decisions values (${ids.decision}, ${ids.application}, ${ids.customer}, 'home-care', 'nacka', 'granted', 12.5, 3, '2026-02-01', '2026-07-31')`.execute(first.db);
    await sql`insert into choices (choice_id, decision_id, provider_id, chosen_by) values (${ids.choice}, ${ids.decision}, 'gamla-omsorg', 'customer')`.execute(first.db);
    await sql`insert into orders (order_id, decision_id, application_id, customer_id, provider_id, status) values (${ids.order}, ${ids.decision}, ${ids.application}, ${ids.customer}, 'gamla-omsorg', 'accepted')`.execute(first.db);
    await first.close();

    const migrated = await openDatabase<unknown>({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, ...ordersMigrations } });
    const db = migrated.db as unknown as OrdersDb;
    try {
      expect(await db.selectFrom('authorizations').select(['status', 'checked_requirements', 'service_area', 'occupied_places']).executeTakeFirstOrThrow()).toEqual({
        status: 'approved',
        checked_requirements: ['registered-company', 'f-skatt', 'liability-insurance', 'experience', 'quality-system', 'state-permit'],
        service_area: [],
        occupied_places: 0,
      });
      expect(await db.selectFrom('choices').select(['effective_from', 'status', 'switched_from']).executeTakeFirstOrThrow()).toEqual({ effective_from: '2026-02-01', status: 'active', switched_from: null });
      expect(
        await db.selectFrom('orders').select(['choice_id', 'area_id', 'valid_from', 'valid_to', 'care_hours_per_month', 'service_hours_per_month', 'level', 'end_date']).executeTakeFirstOrThrow(),
      ).toEqual({ choice_id: ids.choice, area_id: 'home-care', valid_from: '2026-02-01', valid_to: '2026-07-31', care_hours_per_month: '12.50', service_hours_per_month: '3.00', level: null, end_date: null });
      expect(await db.selectFrom('decisions').select(['level', 'district', 'ended_on']).executeTakeFirstOrThrow()).toEqual({ level: null, district: null, ended_on: null });
    } finally {
      await migrated.close();
    }
  });
});

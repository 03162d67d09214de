import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { messagingMigration, openDatabase } from '@kundval/platform';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import type { OrdersDb } from '../store/db.js';
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

  it('puts every choice of a decision so far on its first choice\'s track, marks the orders as of one provider at a time, and keeps their start unique per decision', async () => {
    const url = await databaseUrl();
    const { '0003_several_providers_days_per_week': _third, '0004_order_changes': _fourth, '0005_platform_idempotency_keys': _fifth, '0006_audit_agent': _sixth, '0950_customer_surveys': _surveys, '0007_outbox_trace_context': _seventh, ...upToSecond } = ordersMigrations;
    const second = await openDatabase({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, ...upToSecond } });
    const ids = { decision: randomUUID(), application: randomUUID(), customer: randomUUID(), first: randomUUID(), switched: randomUUID(), order: randomUUID() };
    await sql`insert into providers (provider_id, name, kind, organisation_number) values ('dag-ett', 'Dag Ett AB', 'private', '556000-0011'), ('dag-tva', 'Dag Två AB', 'private', '556000-0012')`.execute(second.db);
    await sql`insert into decisions (decision_id, application_id, customer_id, area_id, municipality, outcome, care_hours_per_month, service_hours_per_month, valid_from, valid_to, level)
      values (${ids.decision}, ${ids.application}, ${ids.customer}, 'day-activities', 'nacka', 'granted', 0, 0, '2026-02-01', '2026-07-31', 2)`.execute(second.db);
    await sql`insert into choices (choice_id, decision_id, provider_id, chosen_by, effective_from) values (${ids.first}, ${ids.decision}, 'dag-ett', 'customer', '2026-02-01')`.execute(second.db);
    await sql`insert into choices (choice_id, decision_id, provider_id, chosen_by, effective_from, switched_from) values (${ids.switched}, ${ids.decision}, 'dag-tva', 'customer', '2026-04-01', 'dag-ett')`.execute(second.db);
    await sql`insert into orders (order_id, decision_id, application_id, customer_id, provider_id, status, choice_id, area_id, valid_from, valid_to, care_hours_per_month, service_hours_per_month)
      values (${ids.order}, ${ids.decision}, ${ids.application}, ${ids.customer}, 'dag-ett', 'accepted', ${ids.first}, 'day-activities', '2026-02-01', '2026-07-31', 0, 0)`.execute(second.db);
    await sql`insert into care_plans (care_plan_id, order_id, agreed_on, summary, recorded_by) values (${randomUUID()}, ${ids.order}, '2026-02-05', 'Mondays.', 'dag-ett')`.execute(second.db);
    await second.close();

    const migrated = await openDatabase<unknown>({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, ...ordersMigrations } });
    const db = migrated.db as unknown as OrdersDb;
    try {
      expect(await db.selectFrom('choices').select(['choice_id', 'track_id']).orderBy('seq').execute()).toEqual([
        { choice_id: ids.first, track_id: ids.first },
        { choice_id: ids.switched, track_id: ids.first },
      ]);
      expect(await db.selectFrom('orders').select('one_of_several').executeTakeFirstOrThrow()).toEqual({ one_of_several: false });
      expect(await db.selectFrom('decisions').select(['deciding_municipality', 'days_per_week']).executeTakeFirstOrThrow()).toEqual({ deciding_municipality: null, days_per_week: null });
      expect(await db.selectFrom('care_plans').select(['starts_on', 'days_per_week']).executeTakeFirstOrThrow()).toEqual({ starts_on: null, days_per_week: null });
      // An order placed before stays the decision's only one from its start date, whoever the provider.
      const duplicate = sql`insert into orders (order_id, decision_id, application_id, customer_id, provider_id, status, area_id, valid_from, valid_to, care_hours_per_month, service_hours_per_month)
        values (${randomUUID()}, ${ids.decision}, ${ids.application}, ${ids.customer}, 'dag-tva', 'placed', 'day-activities', '2026-02-01', '2026-07-31', 0, 0)`;
      await expect(duplicate.execute(db)).rejects.toMatchObject({ code: '23505' });
      // Orders of several providers at once are unique per provider and start; the days a week stay within a week.
      const alongside = (provider: string) => sql`insert into orders (order_id, decision_id, application_id, customer_id, provider_id, status, area_id, valid_from, valid_to, care_hours_per_month, service_hours_per_month, one_of_several)
        values (${randomUUID()}, ${ids.decision}, ${ids.application}, ${ids.customer}, ${provider}, 'placed', 'day-activities', '2026-03-01', '2026-07-31', 0, 0, true)`;
      await alongside('dag-ett').execute(db);
      await alongside('dag-tva').execute(db);
      await expect(alongside('dag-tva').execute(db)).rejects.toMatchObject({ code: '23505' });
      await expect(sql`update care_plans set days_per_week = 8`.execute(db)).rejects.toMatchObject({ code: '23514' });
    } finally {
      await migrated.close();
    }
  });

  it('adds amendments beside the orders of the third schema without touching them: none recorded, current terms as placed', async () => {
    const url = await databaseUrl();
    const { '0004_order_changes': _fourth, '0005_platform_idempotency_keys': _fifth, '0006_audit_agent': _sixth, '0950_customer_surveys': _surveys, '0007_outbox_trace_context': _seventh, ...upToThird } = ordersMigrations;
    const third = await openDatabase({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, ...upToThird } });
    const ids = { decision: randomUUID(), application: randomUUID(), customer: randomUUID(), order: randomUUID() };
    await sql`insert into providers (provider_id, name, kind, organisation_number) values ('tredje-omsorg', 'Tredje Omsorg AB', 'private', '556000-0021')`.execute(third.db);
    await sql`insert into decisions (decision_id, application_id, customer_id, area_id, municipality, outcome, care_hours_per_month, service_hours_per_month, valid_from, valid_to)
      values (${ids.decision}, ${ids.application}, ${ids.customer}, 'home-care', 'nacka', 'granted', 12, 3, '2026-02-01', '2026-07-31')`.execute(third.db);
    await sql`insert into orders (order_id, decision_id, application_id, customer_id, provider_id, status, area_id, valid_from, valid_to, care_hours_per_month, service_hours_per_month)
      values (${ids.order}, ${ids.decision}, ${ids.application}, ${ids.customer}, 'tredje-omsorg', 'accepted', 'home-care', '2026-02-01', '2026-07-31', 12, 3)`.execute(third.db);
    await third.close();

    const migrated = await openDatabase<unknown>({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, ...ordersMigrations } });
    const db = migrated.db as unknown as OrdersDb;
    try {
      expect(await db.selectFrom('orders').select(['valid_to', 'care_hours_per_month', 'service_hours_per_month', 'level']).executeTakeFirstOrThrow()).toEqual({
        valid_to: '2026-07-31',
        care_hours_per_month: '12.00',
        service_hours_per_month: '3.00',
        level: null,
      });
      expect(await db.selectFrom('order_changes').selectAll().execute()).toEqual([]);
      expect(await db.selectFrom('decision_changes').selectAll().execute()).toEqual([]);
      // An amendment never ends the order before its own first day.
      const backwards = sql`insert into order_changes (change_id, order_id, effective_from, valid_to, care_hours_per_month, service_hours_per_month, changed_at)
        values (${randomUUID()}, ${ids.order}, '2026-05-01', '2026-04-30', 12, 3, now())`;
      await expect(backwards.execute(db)).rejects.toMatchObject({ code: '23514' });
    } finally {
      await migrated.close();
    }
  });

  it("replaces the service's own key table with the platform's in 0005, dropping the keys kept so far", async () => {
    const url = await databaseUrl();
    const { '0005_platform_idempotency_keys': _fifth, '0006_audit_agent': _sixth, '0950_customer_surveys': _surveys, '0007_outbox_trace_context': _seventh, ...upToFourth } = ordersMigrations;
    const fourth = await openDatabase({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, ...upToFourth } });
    await sql`insert into idempotency_keys (actor, key, route, fingerprint, status_code, body) values ('system:worker', 'old-key', 'POST /orders', 'f', 201, '{}')`.execute(fourth.db);
    await fourth.close();

    const migrated = await openDatabase<unknown>({ url, schema: 'orders', migrations: { '0000_messaging': messagingMigration, ...ordersMigrations } });
    try {
      const { rows } = await sql<{ name: string }>`
        select column_name as name from information_schema.columns
        where table_schema = 'orders' and table_name = 'idempotency_keys' order by ordinal_position`.execute(migrated.db);
      expect(rows.map((r) => r.name)).toEqual(['principal', 'method', 'path', 'key', 'request_hash', 'status', 'body', 'created_at']);
      expect((await sql`select * from idempotency_keys`.execute(migrated.db)).rows).toEqual([]);
    } finally {
      await migrated.close();
    }
  });
});

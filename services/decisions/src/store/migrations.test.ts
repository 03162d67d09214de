import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'kysely';
import { messagingMigration, openDatabase, type MessagingTables } from '@kundval/platform';
import { testDatabaseUrl, testEngines } from '@kundval/platform/testing';
import { decisionsMigrations } from './migrations.js';
import { customerIdFor, sealPlainIdentityNumbers } from './decisions.js';
import { createIdentityVault } from './identity-vault.js';
import type { DecisionsTables } from './schema.js';

type Db = DecisionsTables & MessagingTables;
const CUSTOMER = '00000000-0000-4000-8000-0000000000c1';
const APPLICATION = '00000000-0000-4000-8000-0000000000a1';
const DECISION = '00000000-0000-4000-8000-0000000000d1';

describe.each(testEngines())('decisions migrations on %s', (engine) => {
  const folders: string[] = [];
  afterAll(() => Promise.all(folders.map((f) => rm(f, { recursive: true, force: true }))));

  /** A database that outlives one connection, so it can be migrated in two steps. */
  async function databaseUrl() {
    if (engine === 'postgres') return testDatabaseUrl(engine, inject('postgresUrl'), 'decisions_migrations');
    const folder = await mkdtemp(join(tmpdir(), 'kundval-decisions-'));
    folders.push(folder);
    return `pglite://${folder}`;
  }

  it('carries decisions and Idempotency-Keys made before 0002 into versions and the key table', async () => {
    const url = await databaseUrl();
    const { '0001_applications_assessments_decisions': first } = decisionsMigrations;
    const old = await openDatabase<Db>({ url, schema: 'decisions', migrations: { '0000_messaging': messagingMigration, '0001_applications_assessments_decisions': first! } });
    await old.db.insertInto('customers').values({ customer_id: CUSTOMER, identity_number: '198112189876' }).execute();
    await old.db
      .insertInto('applications')
      .values({ application_id: APPLICATION, customer_id: CUSTOMER, area_id: 'home-care', municipality: 'nacka', channel: 'citizen', status: 'decided', received_at: new Date('2026-01-05T09:30:00Z'), idempotency_key: 'old-key-12345', created_by: 'handlaggare-1' } as never)
      .execute();
    await old.db
      .insertInto('decisions')
      .values({ decision_id: DECISION, application_id: APPLICATION, customer_id: CUSTOMER, area_id: 'home-care', outcome: 'granted', care_hours_per_month: '10', service_hours_per_month: '4', valid_from: '2026-02-01', valid_to: '2026-07-31', denial_reason: null, decided_by: 'handlaggare-1', decided_at: new Date('2026-01-20T23:30:00Z') } as never)
      .execute();
    await old.close();

    const { '0002_versions_ends_imports_tasks_idempotency': second } = decisionsMigrations;
    const current = await openDatabase<Db>({ url, schema: 'decisions', migrations: { '0000_messaging': messagingMigration, '0001_applications_assessments_decisions': first!, '0002_versions_ends_imports_tasks_idempotency': second! } });
    try {
      const decision = await current.db.selectFrom('decisions').selectAll().executeTakeFirstOrThrow();
      // 23:30 UTC on 20 January is already the 21st in Stockholm.
      expect(decision).toMatchObject({ version: 1, effective_from: '2026-02-01', decided_on: '2026-01-21', level: null, end_date: null });
      const versions = await current.db.selectFrom('decision_versions').selectAll().execute();
      expect(versions).toEqual([expect.objectContaining({ decision_id: DECISION, version: 1, kind: 'decided', effective_from: '2026-02-01', valid_to: '2026-07-31', changed_by: 'handlaggare-1' })]);
      // The key table as 0002 made it (0003 replaces it with the platform's).
      const key = (await sql<Record<string, unknown>>`select * from idempotency_keys`.execute(current.db)).rows[0]!;
      expect(key).toMatchObject({ scope: 'POST /applications', actor: 'handlaggare-1', key: 'old-key-12345', request_hash: null, status: 201 });
      expect(key.response).toEqual({
        applicationId: APPLICATION,
        customerId: CUSTOMER,
        areaId: 'home-care',
        municipality: 'nacka',
        channel: 'citizen',
        status: 'decided',
        onBehalfOf: null,
        receivedAt: '2026-01-05T09:30:00.000Z',
      });
    } finally {
      await current.close();
    }
  });

  it("replaces the service's own key table with the platform's in 0003, dropping the keys kept so far", async () => {
    const url = await databaseUrl();
    const { '0003_platform_idempotency_keys': _third, '0004_audit_agent': _fourth, '0005_identity_numbers_sealed': _fifth, '0960_follow_up_tasks': _followUp, '0006_outbox_trace_context': _sixth, ...before } = decisionsMigrations;
    const old = await openDatabase<Db>({ url, schema: 'decisions', migrations: { '0000_messaging': messagingMigration, ...before } });
    await sql`insert into idempotency_keys (scope, actor, key, request_hash, status, response) values ('POST /tasks', 'system', 'old-key', null, 201, '{}')`.execute(old.db);
    await old.close();

    const current = await openDatabase<Db>({ url, schema: 'decisions', migrations: { '0000_messaging': messagingMigration, ...decisionsMigrations } });
    try {
      const { rows } = await sql<{ name: string }>`
        select column_name as name from information_schema.columns
        where table_schema = 'decisions' and table_name = 'idempotency_keys' order by ordinal_position`.execute(current.db);
      expect(rows.map((r) => r.name)).toEqual(['principal', 'method', 'path', 'key', 'request_hash', 'status', 'body', 'created_at']);
      expect(await current.db.selectFrom('idempotency_keys').selectAll().execute()).toEqual([]);
    } finally {
      await current.close();
    }
  });

  it('seals at start the identity numbers stored in plain before 0005, finds the customer by the keyed hash, and does nothing the second time', async () => {
    const url = await databaseUrl();
    const { '0005_identity_numbers_sealed': _fifth, '0960_follow_up_tasks': _followUp, '0006_outbox_trace_context': _sixth, ...before } = decisionsMigrations;
    const old = await openDatabase<Db>({ url, schema: 'decisions', migrations: { '0000_messaging': messagingMigration, ...before } });
    await sql`insert into customers (customer_id, identity_number) values (${CUSTOMER}, '198112189876')`.execute(old.db);
    await old.close();

    const current = await openDatabase<Db>({ url, schema: 'decisions', migrations: { '0000_messaging': messagingMigration, ...decisionsMigrations } });
    const vault = createIdentityVault({ keys: `k1:${Buffer.alloc(32, 7).toString('base64')}`, lookupKey: Buffer.alloc(32, 9).toString('base64') });
    try {
      expect(await sealPlainIdentityNumbers(current.db as never, vault)).toEqual({ sealed: 1, rewrapped: 0 });
      const row = await current.db.selectFrom('customers').selectAll().where('customer_id', '=', CUSTOMER).executeTakeFirstOrThrow();
      expect(row.identity_number).toBeNull();
      expect(row.identity_hash).toBe(vault.lookupHash('198112189876'));
      expect(vault.open(row.identity_sealed!)).toBe('198112189876');
      // No digit sequence of the number is left anywhere in the table.
      const { rows } = await sql<{ text: string }>`select customers::text as text from customers`.execute(current.db);
      expect(rows.some((r) => r.text.includes('811218'))).toBe(false);
      expect(await sealPlainIdentityNumbers(current.db as never, vault)).toEqual({ sealed: 0, rewrapped: 0 });
      // The same person applying again is the same customer, found by the hash.
      expect(await customerIdFor(current.db as never, '198112189876', vault)).toBe(CUSTOMER);
    } finally {
      await current.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql, type Kysely, type Migration } from 'kysely';
import { z } from 'zod';
import { conflict, invalid, notFound } from './errors.js';
import type { FastifyPluginAsyncZod } from './http.js';
import { BaseServiceConfig, loadConfig } from './config.js';
import { openDatabase } from './database.js';
import { createLogger } from './logger.js';
import { canonicalJson, commandRunner, keyedOperationId, createIdempotencyTable, purgeIdempotencyKeys, requestHash, startIdempotencyPurge, type IdempotencyTables } from './idempotency.js';
import { createTestService, tableCounts, testDatabaseUrl, testEngines } from './testing.js';

type Tables = IdempotencyTables & {
  things: { id: string; value: string; version: number };
  gates: { name: string; open: boolean };
};

const migrations: Record<string, Migration> = {
  '0001_things': {
    async up(db) {
      await db.schema.createTable('things').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).addColumn('version', 'integer', (c) => c.notNull()).execute();
      await db.schema.createTable('gates').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('open', 'boolean', (c) => c.notNull()).execute();
      await createIdempotencyTable(db);
    },
  },
};

const Thing = z.object({ id: z.string(), value: z.string(), version: z.number() });
const ThingBody = z.object({ value: z.string().min(1), tags: z.array(z.string()).optional(), note: z.object({ a: z.number(), b: z.number() }).optional() });

/**
 * A small service whose commands show each rule: `PUT /things/:id` writes a thing (201, or 200
 * when the value is unchanged) and refuses without its gate like a copy that has not caught up
 * (409) or a thing never heard of (404), or the value `bad` as a definite validation refusal (400).
 */
function routes(deps: { db: Kysely<Tables>; afterCommit: () => void }): FastifyPluginAsyncZod {
  const run = commandRunner(deps.db, { afterCommit: deps.afterCommit });
  const gate = async (db: Kysely<Tables>, name: string) => (await db.selectFrom('gates').select('open').where('name', '=', name).executeTakeFirst())?.open;
  return async (app) => {
    app.put('/things/:id', { schema: { params: z.object({ id: z.string() }), body: ThingBody, response: { 200: Thing, 201: Thing } } }, async (req, reply) =>
      run(req, reply, async (trx) => {
        const { id } = req.params;
        const open = await gate(trx, id);
        if (open === undefined) throw notFound('TEST.UNKNOWN', `No gate ${id}.`);
        if (!open) throw conflict('TEST.NOT_YET', `Gate ${id} is closed.`);
        if (req.body.value === 'bad') throw invalid('TEST.BAD_VALUE', 'The value is bad.', { field: 'body.value' });
        const before = await trx.selectFrom('things').selectAll().where('id', '=', id).executeTakeFirst();
        if (before?.value === req.body.value) return { status: 200, body: before };
        const after = await trx
          .insertInto('things')
          .values({ id, value: req.body.value, version: 1 })
          .onConflict((oc) => oc.column('id').doUpdateSet({ value: req.body.value, version: sql<number>`things.version + 1` }))
          .returningAll()
          .executeTakeFirstOrThrow();
        if (req.body.value === 'crash') throw new Error('the process died after writing');
        return { status: 201, body: after };
      }),
    );
    app.post('/slow/:id', { schema: { params: z.object({ id: z.string() }), body: ThingBody } }, async (req, reply) =>
      run(req, reply, async (trx) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const version = Number((await trx.selectFrom('things').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n) + 1;
        const row = await trx.insertInto('things').values({ id: `${req.params.id}-${version}`, value: req.body.value, version }).returningAll().executeTakeFirstOrThrow();
        return { status: 201, body: row };
      }),
    );
    app.post('/spanning/:id', { schema: { params: z.object({ id: z.string() }), body: ThingBody } }, async (req, reply) =>
      run.runSpanning(req, reply, async () => {
        const id = `${req.params.id}-${Date.now()}-${Math.random()}`;
        await deps.db.insertInto('things').values({ id, value: req.body.value, version: 1 }).execute();
        await deps.db.updateTable('things').set({ version: 2 }).where('id', '=', id).execute();
        return { status: 201, body: { id, value: req.body.value, version: 2 } };
      }),
    );
    // A command that says it wrote no events: its commit spares the relay a pass.
    app.post('/quiet/:id', { schema: { params: z.object({ id: z.string() }), body: ThingBody } }, async (req, reply) =>
      run(req, reply, async (trx) => {
        const row = await trx.insertInto('things').values({ id: req.params.id, value: req.body.value, version: 1 }).returningAll().executeTakeFirstOrThrow();
        return { status: 201, body: row, enqueued: Number(req.body.tags?.length ?? 0) };
      }),
    );
    app.post('/bypass', { schema: { body: ThingBody } }, async (req) => ({ ignored: req.body.value }));
  };
}

describe.each(testEngines())('one Idempotency-Key mechanism on %s', (engine) => {
  let svc: Awaited<ReturnType<typeof start>>;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  const start = async () =>
    createTestService<Tables>({ name: 'idem', schema: 'idem', migrations, routes: routes as never, databaseUrl: await testDatabaseUrl(engine, inject('postgresUrl'), 'idempotency') });

  beforeAll(async () => {
    svc = await start();
    alice = await svc.as({ role: 'system', sub: 'alice' });
    bob = await svc.as({ role: 'system', sub: 'bob' });
  });
  afterAll(() => svc?.close());

  const db = () => svc.db as unknown as Kysely<Tables>;
  const openGate = (name: string, open = true) =>
    db().insertInto('gates').values({ name, open }).onConflict((oc) => oc.column('name').doUpdateSet({ open })).execute();
  const put = (id: string, headers: Record<string, string>, key: string | null, payload: Record<string, unknown>) =>
    svc.app.inject({ method: 'PUT', url: `/things/${id}`, headers: { ...headers, ...(key === null ? {} : { 'idempotency-key': key }) }, payload });
  const keys = async () => db().selectFrom('idempotency_keys').selectAll().orderBy('created_at').execute();

  it('runs the first request, then answers the same key and body with the stored status and body, changing nothing', async () => {
    await openGate('t1');
    const first = await put('t1', alice, 'k-1', { value: 'one' });
    expect([first.statusCode, first.json()]).toEqual([201, { id: 't1', value: 'one', version: 1 }]);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const before = await tableCounts(svc.db);
    const commits = svc.commits();

    const again = await put('t1', alice, 'k-1', { value: 'one' });
    expect([again.statusCode, again.body]).toEqual([201, first.body]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await tableCounts(svc.db)).toEqual(before);
    expect(svc.commits(), 'a replay does not kick the relay').toBe(commits);
    // Unkeyed, the same request is a new command, answered by the route's own rule (unchanged: 200).
    expect((await put('t1', alice, null, { value: 'one' })).statusCode).toBe(200);
  });

  it('kicks the relay after a commit unless the command says it wrote no events', async () => {
    const commits = svc.commits();
    const quiet = await svc.app.inject({ method: 'POST', url: '/quiet/q1', headers: alice, payload: { value: 'q' } });
    expect(quiet.statusCode).toBe(201);
    expect(svc.commits(), 'enqueued: 0 leaves the relay alone').toBe(commits);
    const loud = await svc.app.inject({ method: 'POST', url: '/quiet/q2', headers: alice, payload: { value: 'q', tags: ['an event'] } });
    expect(loud.statusCode).toBe(201);
    expect(svc.commits(), 'a command that wrote an event kicks it').toBe(commits + 1);
    await openGate('q3');
    expect((await put('q3', alice, null, { value: 'three' })).statusCode).toBe(201);
    expect(svc.commits(), 'a command that does not say kicks it as before').toBe(commits + 2);
  });

  it('compares the canonical JSON of the body: the same members in another order are the same request', async () => {
    await openGate('t2');
    const first = await put('t2', alice, 'k-2', { value: 'two', note: { a: 1, b: 2 }, tags: ['x', 'y'] });
    const again = await svc.app.inject({ method: 'PUT', url: '/things/t2', headers: { ...alice, 'idempotency-key': 'k-2', 'content-type': 'application/json' }, payload: '{"tags":["x","y"],"note":{"b":2,"a":1},"value":"two"}' });
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([201, first.body, 'true']);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null, u: undefined })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
    expect(requestHash({ a: 1, b: 2 })).toBe(requestHash({ b: 2, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });

  it('refuses the same key with a different body with 422 IDEMPOTENCY.KEY_REUSED naming the key, changing nothing', async () => {
    await openGate('t3');
    await put('t3', alice, 'k-3', { value: 'three' });
    const before = await tableCounts(svc.db);
    const reused = await put('t3', alice, 'k-3', { value: 'four' });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toEqual({
      error: 'IDEMPOTENCY.KEY_REUSED',
      message: 'The Idempotency-Key "k-3" was used for a different request to PUT /things/t3; send a new key for a new command.',
      issues: [{ field: 'headers.idempotency-key', reason: expect.stringContaining('"k-3"') }],
    });
    expect(await tableCounts(svc.db)).toEqual(before);
    expect((await db().selectFrom('things').select('value').where('id', '=', 't3').executeTakeFirstOrThrow()).value).toBe('three');
  });

  it('scopes a key to the caller, the method and the concrete path', async () => {
    await openGate('t4a');
    await openGate('t4b');
    const a = await put('t4a', alice, 'k-4', { value: 'a' });
    const byBob = await put('t4a', bob, 'k-4', { value: 'b' });
    const otherThing = await put('t4b', alice, 'k-4', { value: 'c' });
    expect([a.statusCode, byBob.statusCode, otherThing.statusCode]).toEqual([201, 201, 201]);
    expect([byBob.json().version, otherThing.json().version]).toEqual([2, 1]);
    expect((await keys()).filter((k) => k.key === 'k-4').map((k) => [k.principal, k.method, k.path]).sort()).toEqual([
      ['alice', 'PUT', '/things/t4a'],
      ['alice', 'PUT', '/things/t4b'],
      ['bob', 'PUT', '/things/t4a'],
    ]);
  });

  it.each([
    ['409 (the copy has not caught up)', false, 409, 'TEST.NOT_YET'],
    ['404 (not heard of yet)', undefined, 404, 'TEST.UNKNOWN'],
  ])('stores no %s: the retry with the same key runs once the refusal no longer holds', async (_, gateOpen, status, code) => {
    const id = `t5-${status}`;
    if (gateOpen !== undefined) await openGate(id, gateOpen);
    const before = await tableCounts(svc.db);
    const refused = await put(id, alice, `k-5-${status}`, { value: 'five' });
    expect([refused.statusCode, refused.json().error]).toEqual([status, code]);
    expect(await tableCounts(svc.db), 'no key kept').toEqual(before);
    await openGate(id);
    const done = await put(id, alice, `k-5-${status}`, { value: 'five' });
    expect([done.statusCode, done.json()]).toEqual([201, { id, value: 'five', version: 1 }]);
  });

  it('stores a definite validation refusal (400) and replays it, whatever changes afterwards', async () => {
    await openGate('t6');
    const refused = await put('t6', alice, 'k-6', { value: 'bad' });
    expect([refused.statusCode, refused.json()]).toEqual([400, { error: 'TEST.BAD_VALUE', message: 'The value is bad.', issues: [{ field: 'body.value', reason: 'The value is bad.' }] }]);
    const stored = (await keys()).find((k) => k.key === 'k-6');
    expect([stored?.status, stored?.body]).toEqual([400, refused.body]);
    await openGate('t6', false);
    const again = await put('t6', alice, 'k-6', { value: 'bad' });
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([400, refused.body, 'true']);
  });

  it('claims no key for a request its schema refuses, nor for a malformed key', async () => {
    const before = await tableCounts(svc.db);
    const bad = await put('t7', alice, 'k-7', { value: '' });
    expect([bad.statusCode, bad.json().error]).toEqual([400, 'VALIDATION']);
    const malformed = await put('t7', alice, 'two words', { value: 'x' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().issues.map((i: { field: string }) => i.field)).toEqual(['headers.idempotency-key']);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('keeps neither the writes nor the key when the command fails after writing: the retry runs afresh', async () => {
    await openGate('t8');
    const before = await tableCounts(svc.db);
    const failed = await put('t8', alice, 'k-8', { value: 'crash' });
    expect(failed.statusCode).toBe(500);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('runs a command once when requests with its key arrive together, and answers each with its answer', async () => {
    const before = await tableCounts(svc.db);
    const headers = { ...alice, 'idempotency-key': 'k-9' };
    const answers = await Promise.all(Array.from({ length: 4 }, () => svc.app.inject({ method: 'POST', url: '/slow/s9', headers, payload: { value: 'nine' } })));
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(3);
    const after = await tableCounts(svc.db);
    expect([after['things']! - before['things']!, after['idempotency_keys']! - before['idempotency_keys']!]).toEqual([1, 1]);
  });

  it('replays a command that spans several transactions, stored after its last commit', async () => {
    const first = await svc.app.inject({ method: 'POST', url: '/spanning/s10', headers: { ...alice, 'idempotency-key': 'k-10' }, payload: { value: 'ten' } });
    expect(first.statusCode).toBe(201);
    const before = await tableCounts(svc.db);
    const again = await svc.app.inject({ method: 'POST', url: '/spanning/s10', headers: { ...alice, 'idempotency-key': 'k-10' }, payload: { value: 'ten' } });
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([201, first.body, 'true']);
    expect(await tableCounts(svc.db)).toEqual(before);
    const reused = await svc.app.inject({ method: 'POST', url: '/spanning/s10', headers: { ...alice, 'idempotency-key': 'k-10' }, payload: { value: 'eleven' } });
    expect([reused.statusCode, reused.json().error]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('fails a keyed command that answers without the runner (tests are strict), so no route can ignore its key', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/bypass', headers: { ...alice, 'idempotency-key': 'k-11' }, payload: { value: 'x' } });
    expect(res.statusCode).toBe(500);
    expect((await svc.app.inject({ method: 'POST', url: '/bypass', headers: alice, payload: { value: 'x' } })).statusCode).toBe(200);
  });

  it('declares the header on every command in the OpenAPI document', () => {
    const doc = (svc.app as unknown as { swagger(): { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> } }).swagger();
    const commands = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => ['post', 'put', 'patch'].includes(m)).map(([m, op]) => [`${m} ${path}`, op] as const));
    expect(commands.map(([name]) => name).sort()).toEqual(['post /bypass', 'post /quiet/{id}', 'post /slow/{id}', 'post /spanning/{id}', 'put /things/{id}']);
    for (const [name, op] of commands) expect(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), name).toBe(true);
    const put = doc.paths['/things/{id}']?.['put'] as unknown as { responses: Record<string, unknown> };
    // 413 and 429 are the edge's (ADR 0024), documented on every route that documents its answers.
    expect(Object.keys(put.responses).sort()).toEqual(['200', '201', '413', '422', '429']);
  });

  it('purges keys older than the retention and keeps the newer ones', async () => {
    await openGate('t12');
    await put('t12', alice, 'k-12-old', { value: 'old' });
    await put('t12', alice, 'k-12-new', { value: 'new' });
    const now = new Date();
    const day = 24 * 3600_000;
    await db().updateTable('idempotency_keys').set({ created_at: new Date(now.getTime() - 91 * day) }).where('key', '=', 'k-12-old').execute();
    await db().updateTable('idempotency_keys').set({ created_at: new Date(now.getTime() - 89 * day) }).where('key', '=', 'k-12-new').execute();
    const total = (await keys()).length;
    expect(await purgeIdempotencyKeys(svc.db, { now, retentionDays: 90 })).toBe(1);
    const left = (await keys()).map((k) => k.key);
    expect(left).toHaveLength(total - 1);
    expect(left).toContain('k-12-new');
    expect(left).not.toContain('k-12-old');
    // Purged, the key is new again: the same request runs.
    const rerun = await put('t12', alice, 'k-12-old', { value: 'old' });
    expect([rerun.statusCode, rerun.headers['idempotent-replayed']]).toEqual([201, undefined]);
  });
});

describe('the purge of expired keys in a service process', () => {
  const env = { PORT: '0', DATABASE_URL: 'pglite://memory', AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };

  it('reads IDEMPOTENCY_RETENTION_DAYS from the environment, 90 days unless set, and refuses a retention under a day', () => {
    expect(loadConfig(BaseServiceConfig, env).IDEMPOTENCY_RETENTION_DAYS).toBe(90);
    expect(loadConfig(BaseServiceConfig, { ...env, IDEMPOTENCY_RETENTION_DAYS: '120' }).IDEMPOTENCY_RETENTION_DAYS).toBe(120);
    expect(() => loadConfig(BaseServiceConfig, { ...env, IDEMPOTENCY_RETENTION_DAYS: '0' })).toThrow(/IDEMPOTENCY_RETENTION_DAYS/);
  });

  it('purges at start and then at every interval, keeping the keys younger than the retention', async () => {
    const database = await openDatabase<IdempotencyTables>({ url: 'pglite://memory', schema: 'purge_test', migrations: { '0001': { up: (db) => createIdempotencyTable(db) } } });
    const day = 24 * 3600_000;
    let now = new Date('2026-06-01T00:00:00Z');
    const insert = (key: string, ageDays: number) =>
      database.db
        .insertInto('idempotency_keys')
        .values({ principal: 'system', method: 'POST', path: '/x', key, request_hash: 'h', status: 201, body: '{}', created_at: new Date(now.getTime() - ageDays * day) })
        .execute();
    const keys = async () => (await database.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((k) => k.key);
    await insert('older', 91);
    await insert('newer', 89);
    const purge = startIdempotencyPurge(database.db, { retentionDays: 90, intervalMs: 20, clock: () => now, logger: createLogger('purge-test', { level: 'silent' }) });
    try {
      await waitFor(async () => (await keys()).join() === 'newer');
      // Two days on, the next pass takes the key that has now outlived the retention.
      now = new Date(now.getTime() + 2 * day);
      await waitFor(async () => (await keys()).length === 0);
    } finally {
      await purge.stop();
      await database.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('an id for a command another engine de-duplicates (a Temporal update)', () => {
  const request = (headers: Record<string, string>, sub = 'citizen-1', url = '/journeys/a/choice') =>
    ({ headers, method: 'POST', url, principal: { sub, role: 'citizen' } }) as unknown as Parameters<typeof keyedOperationId>[0];

  it('gives the same id to a retry with the same key, and another id to another key, caller or path', () => {
    const first = keyedOperationId(request({ 'idempotency-key': 'k-1' }));
    expect(first).toMatch(/^key-[\w-]{32}$/);
    expect(keyedOperationId(request({ 'idempotency-key': 'k-1' }))).toBe(first);
    expect(new Set([first, keyedOperationId(request({ 'idempotency-key': 'k-2' })), keyedOperationId(request({ 'idempotency-key': 'k-1' }, 'citizen-2')), keyedOperationId(request({ 'idempotency-key': 'k-1' }, 'citizen-1', '/journeys/b/choice'))]).size).toBe(4);
  });

  it('gives none without a key, so the engine makes its own', () => {
    expect(keyedOperationId(request({}))).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { issueToken } from './auth.js';
import { createServiceApp, type FastifyPluginAsyncZod } from './http.js';
import { createLogger } from './logger.js';
import { createMetrics, registerOutboxMetrics } from './metrics.js';
import { databaseCheck, migrationsCheck } from './ready.js';
import { openDatabase, type Database } from './database.js';
import { messagingMigration, type MessagingTables } from './outbox.js';

const auth = { secret: 'test-secret-that-is-long-enough-for-hs256', issuer: 'kundval-test' };
const routes: FastifyPluginAsyncZod = async (app) => {
  app.get('/things/:thingId', { schema: { params: z.object({ thingId: z.string() }) } }, async (req) => ({ thingId: req.params.thingId }));
};
const migrations = { '0000_messaging': messagingMigration };

describe("a service's /metrics, /ready and root", () => {
  let database: Database<MessagingTables>;
  let app: Awaited<ReturnType<typeof createServiceApp>>;
  let bearer: { authorization: string };
  let natsUp = true;
  beforeAll(async () => {
    database = await openDatabase<MessagingTables>({ url: 'pglite://memory', schema: 'things', migrations });
    const metrics = createMetrics('things', { processMetrics: false });
    registerOutboxMetrics(metrics, database.db);
    app = await createServiceApp({
      name: 'things',
      version: 'test',
      description: 'Things for a test',
      logger: createLogger('things', { level: 'silent' }),
      auth,
      routes,
      metrics,
      consoleUrl: 'http://127.0.0.1:4100',
      readiness: [
        databaseCheck(database.db),
        migrationsCheck(database.db, 'things', migrations),
        { name: 'nats', check: async () => { if (!natsUp) throw new Error('connection closed'); } },
      ],
    });
    bearer = { authorization: `Bearer ${await issueToken(auth, { sub: 'op', role: 'operator' })}` };
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('counts answers by route pattern and status, never by concrete path, and serves them without a token', async () => {
    await app.inject({ method: 'GET', url: '/things/a', headers: bearer });
    await app.inject({ method: 'GET', url: '/things/b', headers: bearer });
    await app.inject({ method: 'GET', url: '/things/c' });
    await app.inject({ method: 'GET', url: '/no/such/path' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = res.body.split('\n');
    expect(lines).toContain('kundval_http_requests_total{method="GET",route="/things/:thingId",status="200",service="things"} 2');
    expect(lines).toContain('kundval_http_requests_total{method="GET",route="/things/:thingId",status="401",service="things"} 1');
    expect(lines).toContain('kundval_http_requests_total{method="GET",route="unmatched",status="404",service="things"} 1');
    expect(lines).toContain('kundval_http_request_duration_seconds_count{service="things",method="GET",route="/things/:thingId",status="200"} 2');
    expect(res.body).not.toMatch(/things\/a"/);
  });

  it("reports the outbox's backlog and the age of its oldest unpublished event", async () => {
    const envelope = (subject: string) => JSON.stringify({ subject });
    await database.db
      .insertInto('outbox')
      .values([
        { event_id: randomUUID(), subject: 'kundval.a', envelope: envelope('kundval.a'), created_at: new Date(Date.now() - 120_000) },
        { event_id: randomUUID(), subject: 'kundval.b', envelope: envelope('kundval.b') },
        { event_id: randomUUID(), subject: 'kundval.c', envelope: envelope('kundval.c'), created_at: new Date(Date.now() - 600_000), published_at: new Date() },
      ])
      .execute();
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(body).toContain('kundval_outbox_backlog{service="things"} 2\n');
    const age = Number(/kundval_outbox_oldest_age_seconds\{service="things"\} ([\d.]+)/.exec(body)?.[1]);
    expect(age).toBeGreaterThanOrEqual(120);
    expect(age).toBeLessThan(180);
  });

  it('still answers /metrics when a gauge cannot read its source, counting the failure', async () => {
    const metrics = createMetrics('broken', { processMetrics: false });
    const closed = await openDatabase<MessagingTables>({ url: 'pglite://memory', schema: 'broken', migrations });
    registerOutboxMetrics(metrics, closed.db);
    await closed.close();
    // Gauges are read at once, so a failure shows from the next scrape on.
    expect(await metrics.registry.metrics()).toContain('# TYPE kundval_outbox_backlog gauge');
    expect(await metrics.registry.metrics()).toMatch(/kundval_metrics_collect_failures_total\{metric="kundval_outbox_backlog",service="broken"\} 1\n/);
  });

  it('answers /ready 200 with each check when every dependency answers, and 503 naming the one that does not', async () => {
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([['database', true], ['migrations', true], ['nats', true]]);
    natsUp = false;
    const down = await app.inject({ method: 'GET', url: '/ready' });
    natsUp = true;
    expect(down.statusCode).toBe(503);
    expect(down.json().status).toBe('not-ready');
    expect(down.json().checks.filter((c: { ok: boolean }) => !c.ok)).toEqual([{ name: 'nats', ok: false, reason: 'connection closed', ms: expect.any(Number) }]);
  });

  it('is not ready while a migration the process knows is not applied', async () => {
    const check = migrationsCheck(database.db, 'things', { ...migrations, '0001_more': { up: async () => undefined } });
    await expect(check.check()).rejects.toThrow('pending: 0001_more');
  });

  it("answers its root with where the docs and the console are, and /health without a token", async () => {
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.json()).toMatchObject({ service: 'things', docs: '/docs', console: 'http://127.0.0.1:4100' });
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

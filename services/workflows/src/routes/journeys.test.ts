import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startTemporalDevServer, type TemporalDevServer } from '@kundval/infra';
import { createLogger, createServiceApp, issueToken } from '@kundval/platform';
import { SEARCH_ATTRIBUTE_TYPES, journeyWorkflowId, searchAttributes, type JourneyState } from '../contracts.js';
import { NEXT_PAGE_TOKEN_HEADER, journeyRoutes } from './journeys.js';

const auth = { secret: 'test-secret-that-is-long-enough-for-hs256', issuer: 'kundval-test' };

/** The workflows service's journey routes alone, on a client of the test's Temporal dev server. */
async function journeysApp(client: Client, namespace: string): Promise<FastifyInstance> {
  const app = await createServiceApp({
    name: 'workflows',
    version: 'test',
    description: 'test',
    logger: createLogger('journeys-test', { level: 'silent' }),
    auth,
    routes: async (scope) => {
      await scope.register(journeyRoutes({ client, namespace, temporalUiUrl: 'http://127.0.0.1:8233' }));
    },
  });
  await app.ready();
  return app;
}

/**
 * `GET /journeys` against a real Temporal dev server: journeys started with their search attributes
 * on a task queue no worker polls (visibility lists them as they are), found by municipality and
 * read a page at a time through visibility's own page tokens.
 */
describe('GET /journeys, by municipality and a page at a time', () => {
  let temporal: TemporalDevServer;
  let client: Client;
  let app: FastifyInstance;
  let operator: Record<string, string>;
  const nacka = Array.from({ length: 5 }, () => randomUUID());
  const varmdo = Array.from({ length: 2 }, () => randomUUID());

  beforeAll(async () => {
    temporal = await startTemporalDevServer({ searchAttributes: SEARCH_ATTRIBUTE_TYPES });
    client = new Client({ connection: await Connection.connect({ address: temporal.address }), namespace: temporal.namespace });
    for (const [municipality, ids] of [['nacka', nacka], ['varmdo', varmdo]] as const) {
      for (const applicationId of ids) {
        await client.workflow.start('voucherJourneyWorkflow', {
          taskQueue: 'no-worker-polls-this',
          workflowId: journeyWorkflowId(applicationId),
          args: [{ applicationId }],
          typedSearchAttributes: [
            { key: searchAttributes.municipality, value: municipality },
            { key: searchAttributes.area, value: 'home-care' },
            { key: searchAttributes.stage, value: 'applied' },
          ],
        });
      }
    }
    app = await journeysApp(client, temporal.namespace);
    operator = { authorization: `Bearer ${await issueToken(auth, { sub: 'operator-1', role: 'operator' })}` };
    // Visibility takes the started journeys in a moment after their start.
    for (let tries = 0; ; tries++) {
      const all = await app.inject({ method: 'GET', url: '/journeys?limit=500', headers: operator });
      if ((all.json() as unknown[]).length === 7) break;
      if (tries > 100) throw new Error('visibility never listed the seven journeys');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await temporal?.stop();
  });

  type Summary = { workflowId: string; status: string; municipality: string | null; area: string | null; stage: string | null };

  it("finds a municipality's journeys and reads them two at a time, each page visibility's own, until the last has no token", async () => {
    const pages: Summary[][] = [];
    let token: string | undefined;
    do {
      const res = await app.inject({ method: 'GET', url: `/journeys?municipality=nacka&limit=2${token ? `&pageToken=${token}` : ''}`, headers: operator });
      expect(res.statusCode, res.body).toBe(200);
      pages.push(res.json());
      const next = res.headers[NEXT_PAGE_TOKEN_HEADER];
      token = typeof next === 'string' ? next : undefined;
      expect(pages.length).toBeLessThanOrEqual(4);
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const rows = pages.flat();
    expect(new Set(rows.map((r) => r.workflowId))).toEqual(new Set(nacka.map(journeyWorkflowId)));
    expect(rows.every((r) => r.municipality === 'nacka' && r.area === 'home-care' && r.stage === 'applied' && r.status === 'RUNNING')).toBe(true);
  });

  it('answers the other municipality its own two journeys on one page, without a next-page token', async () => {
    const res = await app.inject({ method: 'GET', url: '/journeys?municipality=varmdo&limit=50', headers: operator });
    expect(res.statusCode).toBe(200);
    expect(new Set((res.json() as Summary[]).map((r) => r.workflowId))).toEqual(new Set(varmdo.map(journeyWorkflowId)));
    expect(res.headers[NEXT_PAGE_TOKEN_HEADER]).toBeUndefined();
  });

  it('refuses a municipality or page token that is not one (400, naming the field)', async () => {
    const quoted = await app.inject({ method: 'GET', url: `/journeys?municipality=${encodeURIComponent("nacka' OR '1'='1")}`, headers: operator });
    expect(quoted.statusCode).toBe(400);
    expect(quoted.json().issues).toEqual([expect.objectContaining({ field: 'querystring.municipality' })]);
    const padded = await app.inject({ method: 'GET', url: '/journeys?pageToken=abc%3D%3D', headers: operator });
    expect(padded.statusCode).toBe(400);
    expect(padded.json().issues).toEqual([expect.objectContaining({ field: 'querystring.pageToken' })]);
    // Well formed, but not a token this list handed out: refused at once, never sent to Temporal.
    const forged = await app.inject({ method: 'GET', url: `/journeys?pageToken=${Buffer.from('not a page token').toString('base64url')}.AAAAAAAAAAAAAAAA`, headers: operator });
    expect(forged.statusCode, forged.body).toBe(400);
    expect(forged.json()).toMatchObject({ error: 'JOURNEYS.BAD_PAGE_TOKEN', issues: [{ field: 'querystring.pageToken' }] });
  });
});

/**
 * `GET /journeys/:applicationId` of a completed journey answers the state the journey returned, read
 * from its last event: no worker is asked, so polling a finished journey replays nothing (ADR 0051).
 * The journey here completed on a worker that is gone; a query would wait for one and answer 503.
 */
describe('GET /journeys/:applicationId of a completed journey', () => {
  let temporal: TemporalDevServer;
  let app: FastifyInstance;
  const applicationId = randomUUID();
  const customerId = randomUUID();
  const state: JourneyState = {
    applicationId,
    customerId,
    areaId: 'home-care',
    stage: 'completed',
    decisionId: randomUUID(),
    providerId: 'trygga-hander',
    chosenBy: 'customer',
    orderId: randomUUID(),
    denialReason: null,
    nextDeadline: null,
    pendingMonths: [],
    settledMonths: [{ month: '2026-02', feeOre: 123_400, appliedCap: 'none', ocrReference: '1234567890', paymentOre: 987_650, unpricedMinutes: 0 }],
  };

  beforeAll(async () => {
    temporal = await startTemporalDevServer({ searchAttributes: SEARCH_ATTRIBUTE_TYPES });
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: temporal.namespace });
    const taskQueue = `completed-journey-${randomUUID()}`;
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporal.address }),
      namespace: temporal.namespace,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../test-fixtures/completed-journey.workflow.ts', import.meta.url)),
    });
    await worker.runUntil(
      client.workflow.execute('voucherJourneyWorkflow', {
        taskQueue,
        workflowId: journeyWorkflowId(applicationId),
        args: [{ state }],
        typedSearchAttributes: [
          { key: searchAttributes.customer, value: customerId },
          { key: searchAttributes.municipality, value: 'nacka' },
        ],
      }),
    );
    app = await journeysApp(client, temporal.namespace);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await temporal?.stop();
  });

  it('answers the state the journey returned, with no worker running', async () => {
    const operator = { authorization: `Bearer ${await issueToken(auth, { sub: 'operator-1', role: 'operator' })}` };
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: `/journeys/${applicationId}`, headers: operator });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...state, temporalUiUrl: expect.stringContaining(journeyWorkflowId(applicationId)) });
    // A query would have waited for a worker until its deadline (15 s) and answered 503.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("still hides it from a citizen who is not its customer (404, as for an unknown id)", async () => {
    const other = { authorization: `Bearer ${await issueToken(auth, { sub: 'citizen-x', role: 'citizen', customerId: randomUUID() })}` };
    const res = await app.inject({ method: 'GET', url: `/journeys/${applicationId}`, headers: other });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'WORKFLOWS.JOURNEY_NOT_FOUND' });
  });
});

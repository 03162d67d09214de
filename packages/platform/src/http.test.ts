import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueToken } from './auth.js';
import { createServiceApp, type FastifyPluginAsyncZod } from './http.js';
import { createLogger } from './logger.js';

const auth = { secret: 'test-secret-that-is-long-enough-for-hs256', issuer: 'kundval-test' };
const received: unknown[] = [];
const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/things/:thingId',
    { schema: { params: z.object({ thingId: z.string() }), querystring: z.object({ tag: z.string().optional() }), body: z.object({ note: z.string(), lines: z.array(z.string()).optional() }) } },
    async (req) => {
      received.push(req.body);
      return { ok: true };
    },
  );
};

describe('the service app at its edge', () => {
  let app: Awaited<ReturnType<typeof createServiceApp>>;
  let bearer: { authorization: string };
  beforeAll(async () => {
    app = await createServiceApp({ name: 'edge', version: 'test', description: 'test', logger: createLogger('edge', { level: 'silent' }), auth, routes });
    bearer = { authorization: `Bearer ${await issueToken(auth, { sub: 'op', role: 'operator' })}` };
  });
  afterAll(() => app.close());

  it.each([
    ['a NUL in a query parameter', '/things/a?tag=home%00care', { note: 'ok' }, 'query.tag'],
    ['a NUL in a path parameter', '/things/a%00b', { note: 'ok' }, 'params.thingId'],
    ['a NUL inside a JSON string', '/things/a', { note: 'home\u0000care' }, 'body.note'],
    ['a NUL in a nested JSON string', '/things/a', { note: 'ok', lines: ['fine', 'x\u0000'] }, 'body.lines.1'],
  ])('answers 400 VALIDATION naming the field for %s, and the route never runs', async (_what, url, payload, field) => {
    const before = received.length;
    const res = await app.inject({ method: 'POST', url, headers: bearer, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'VALIDATION', message: `Invalid request: ${field}: must not contain a NUL character`, issues: [{ field, reason: 'must not contain a NUL character' }] });
    expect(received.length).toBe(before);
  });

  it('lets clean input through to the route', async () => {
    const res = await app.inject({ method: 'POST', url: '/things/a?tag=home', headers: bearer, payload: { note: 'hemtjänst' } });
    expect(res.statusCode).toBe(200);
    expect(received.at(-1)).toEqual({ note: 'hemtjänst' });
  });

  it('answers 404 for a path no route serves, with or without a token, and 401 for a real route without one', async () => {
    expect((await app.inject({ method: 'GET', url: '/no-such-path' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/no-such-path', headers: bearer })).statusCode).toBe(404);
    const missing = await app.inject({ method: 'POST', url: '/things/a', payload: { note: 'x' } });
    expect([missing.statusCode, missing.json().error]).toEqual([401, 'AUTH.MISSING_TOKEN']);
  });
});

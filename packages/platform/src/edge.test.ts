import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueToken } from './auth.js';
import { BaseServiceConfig, loadConfig } from './config.js';
import { EDGE_DEFAULTS, edgeLimitsFrom, type EdgeLimits } from './edge.js';
import { createServiceApp, type FastifyPluginAsyncZod } from './http.js';
import { createLogger } from './logger.js';

const auth = { secret: 'test-secret-that-is-long-enough-for-hs256', issuer: 'kundval-test' };
const Note = z.object({ note: z.string() });
const routes: FastifyPluginAsyncZod = async (app) => {
  app.get('/things/:thingId', { schema: { params: z.object({ thingId: z.string() }) } }, async () => ({ ok: true }));
  app.post('/things/:thingId/notes', { schema: { params: z.object({ thingId: z.string() }), body: Note } }, async () => ({ ok: true }));
  app.post('/imports', { bodyLimit: 1024 * 1024, schema: { body: Note } }, async () => ({ ok: true }));
};

async function appWith(limits: Partial<EdgeLimits>) {
  return createServiceApp({ name: 'edge', version: 'test', description: 'test', logger: createLogger('edge', { level: 'silent' }), auth, routes, limits });
}
const bearer = async (sub: string, role: 'operator' | 'system' | 'finance' = 'operator') => ({ authorization: `Bearer ${await issueToken(auth, { sub, role })}` });
const RATE_LIMITED = { error: 'RATE_LIMITED', message: 'Too many requests: at most 3 a minute from one client; retry after the seconds in Retry-After.' };

describe('rate limits per client', () => {
  let app: Awaited<ReturnType<typeof createServiceApp>>;
  beforeAll(async () => {
    app = await appWith({ perMinute: 3, systemPerMinute: 5 });
  });
  afterAll(() => app.close());

  it('answers 429 RATE_LIMITED with Retry-After to the fourth request of a minute from one subject, and another subject is unaffected', async () => {
    const alice = await bearer('alice');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url: `/things/${i}`, headers: alice })).statusCode);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await app.inject({ method: 'GET', url: '/things/4', headers: alice });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual(RATE_LIMITED);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await app.inject({ method: 'GET', url: '/things/1', headers: await bearer('bob') })).statusCode).toBe(200);
  });

  it('counts by the verified subject, not the address: a new token for the same subject is still refused', async () => {
    const carol = await bearer('carol', 'finance');
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/things/1', headers: carol });
    const again = await app.inject({ method: 'GET', url: '/things/1', headers: await bearer('carol', 'finance') });
    expect([again.statusCode, again.json()]).toEqual([429, RATE_LIMITED]);
  });

  it('gives the system role (the journey worker) its own, higher limit', async () => {
    const worker = await bearer('journey-worker', 'system');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await app.inject({ method: 'GET', url: '/things/1', headers: worker })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('never limits /health, /docs or /docs/json', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    }
  });

  it('counts requests for unknown paths by address, so scanning is limited too', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.inject({ method: 'GET', url: `/scan-${i}`, remoteAddress: '203.0.113.9' })).statusCode);
    expect(statuses).toEqual([404, 404, 404, 429]);
    expect((await app.inject({ method: 'GET', url: '/scan-x', remoteAddress: '203.0.113.10' })).statusCode).toBe(404);
  });
});

describe('the edge of every service app', () => {
  let app: Awaited<ReturnType<typeof createServiceApp>>;
  let op: { authorization: string };
  beforeAll(async () => {
    app = await appWith({});
    op = await bearer('op');
  });
  afterAll(() => app.close());

  const jsonOf = (bytes: number) => JSON.stringify({ note: 'x'.repeat(bytes - '{"note":""}'.length) });

  it('answers 413 PAYLOAD_TOO_LARGE to a JSON body above the default 256 KiB, and takes one at the limit', async () => {
    const at = await app.inject({ method: 'POST', url: '/things/a/notes', headers: { ...op, 'content-type': 'application/json' }, payload: jsonOf(256 * 1024) });
    expect(at.statusCode).toBe(200);
    const over = await app.inject({ method: 'POST', url: '/things/a/notes', headers: { ...op, 'content-type': 'application/json' }, payload: jsonOf(256 * 1024 + 1) });
    expect(over.statusCode).toBe(413);
    expect(over.json()).toEqual({ error: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this endpoint takes (262144 bytes).' });
  });

  it('lets a route that declares a larger body limit take more, up to its own limit', async () => {
    const headers = { ...op, 'content-type': 'application/json' };
    expect((await app.inject({ method: 'POST', url: '/imports', headers, payload: jsonOf(512 * 1024) })).statusCode).toBe(200);
    const over = await app.inject({ method: 'POST', url: '/imports', headers, payload: jsonOf(1024 * 1024 + 1) });
    expect([over.statusCode, over.json()]).toEqual([413, { error: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this endpoint takes (1048576 bytes).' }]);
  });

  it('answers 405 METHOD_NOT_ALLOWED with Allow to a known path called with another method, parameters filled in', async () => {
    const del = await app.inject({ method: 'DELETE', url: '/things/abc?x=1', headers: op });
    expect(del.statusCode).toBe(405);
    expect(del.headers['allow']).toBe('GET, HEAD');
    expect(del.json()).toEqual({ error: 'METHOD_NOT_ALLOWED', message: '/things/abc takes GET, HEAD, not DELETE.' });
    const get = await app.inject({ method: 'GET', url: '/things/abc/notes' });
    expect([get.statusCode, get.headers['allow'], get.json()]).toEqual([405, 'POST', { error: 'METHOD_NOT_ALLOWED', message: '/things/abc/notes takes POST, not GET.' }]);
  });

  it('still answers 404 NOT_FOUND for a path no route serves', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/things/abc/other', headers: op });
    expect([res.statusCode, res.headers['allow'], res.json()]).toEqual([404, undefined, { error: 'NOT_FOUND', message: 'No route DELETE /things/abc/other' }]);
  });

  it('answers 414 URI_TOO_LONG to a URL above 4096 characters', async () => {
    const res = await app.inject({ method: 'GET', url: `/things/a?q=${'x'.repeat(4096)}`, headers: op });
    expect([res.statusCode, res.json()]).toEqual([414, { error: 'URI_TOO_LONG', message: 'The URL is longer than 4096 characters.' }]);
  });

  it.each([
    ['an answer', '/things/a', 200],
    ['a refusal', '/things/a/notes', 405],
    ['an unknown path', '/nowhere', 404],
  ])('sends nosniff, no-referrer and a CSP that allows nothing on %s, and no HSTS without TLS', async (_what, url, status) => {
    const res = await app.inject({ method: 'GET', url, headers: op });
    expect(res.statusCode).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('keeps the Swagger UI working under its own policy: /docs and /docs/json answer 200', async () => {
    const ui = await app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(ui.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    const scripts = ui.body.match(/src="[^"]+"/g) ?? [];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const src of scripts) {
      const asset = await app.inject({ method: 'GET', url: new URL(src.slice(5, -1), 'http://x/docs/').pathname });
      expect([src, asset.statusCode]).toEqual([src, 200]);
    }
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().info.description).toContain('429 RATE_LIMITED');
  });

  it('sends Strict-Transport-Security only when configured behind TLS', async () => {
    const tls = await appWith({ hstsMaxAgeSeconds: 31_536_000 });
    try {
      expect((await tls.inject({ method: 'GET', url: '/health' })).headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await tls.close();
    }
  });
});

describe('the edge limits in config', () => {
  const env = { PORT: '0', DATABASE_URL: 'pglite://memory', AUTH_SECRET: auth.secret };
  it('defaults to 600 a minute per client, 6000 for the system role, 256 KiB bodies and no HSTS', () => {
    expect(edgeLimitsFrom(loadConfig(BaseServiceConfig, env))).toEqual(EDGE_DEFAULTS);
    expect(EDGE_DEFAULTS).toEqual({ perMinute: 600, systemPerMinute: 6000, bodyLimitBytes: 262_144, hstsMaxAgeSeconds: 0 });
  });
  it('reads each from its variable and refuses a limit of 0', () => {
    const set = { ...env, RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_SYSTEM_PER_MINUTE: '1200', BODY_LIMIT_BYTES: '65536', HSTS_MAX_AGE_SECONDS: '300' };
    expect(edgeLimitsFrom(loadConfig(BaseServiceConfig, set))).toEqual({ perMinute: 60, systemPerMinute: 1200, bodyLimitBytes: 65_536, hstsMaxAgeSeconds: 300 });
    expect(() => loadConfig(BaseServiceConfig, { ...env, RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});

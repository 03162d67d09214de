import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, verifyToken } from '@kundval/platform';
import { startIdentityProvider, type IdentityProvider } from '@kundval/infra';
import { buildConsole } from './app.js';
import { ConsoleConfig } from './config.js';
import { TEXTS } from './texts.js';
import { memorySessionStore } from './session-store.js';
import { SESSION_TTL_MS } from './sign-in.js';
import { formatAge, sortJourneys, timelineOf } from './journeys.js';
import type { JourneyState, JourneySummary } from './api.js';

const secret = 'a-console-test-secret-of-at-least-32-chars';
const env = {
  DECISIONS_URL: 'http://127.0.0.1:1',
  ORDERS_URL: 'http://127.0.0.1:1',
  BILLING_URL: 'http://127.0.0.1:1',
  WORKFLOWS_URL: 'http://127.0.0.1:1',
  AUTH_SECRET: secret,
};
const config = ConsoleConfig.parse(env);

describe('the console without the platform behind it', () => {
  let app: Awaited<ReturnType<typeof buildConsole>>;
  beforeAll(async () => {
    app = await buildConsole(config, createLogger('console', { level: 'silent' }));
  });
  afterAll(() => app.close());

  it('sends a person without a session to sign in, and back where they were going afterwards', async () => {
    const res = await app.inject({ method: 'GET', url: '/stuck' });
    expect([res.statusCode, res.headers.location]).toEqual([303, '/signin?next=%2Fstuck']);
  });

  it('speaks Swedish by default and English when asked, and remembers the choice', async () => {
    const sv = await app.inject({ method: 'GET', url: '/signin' });
    expect(sv.body).toContain('<html lang="sv">');
    expect(sv.body).toContain('<h1>Logga in</h1>');
    const en = await app.inject({ method: 'GET', url: '/signin?lang=en' });
    expect(en.body).toContain('<h1>Sign in</h1>');
    expect(en.headers['set-cookie']).toContain('kundval_console_lang=en');
  });

  it('signs a developer in with a token the services accept, in an HttpOnly, SameSite=Strict cookie', async () => {
    const res = await app.inject({ method: 'POST', url: '/signin/dev', payload: 'role=operator&next=%2Fstuck', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([res.statusCode, res.headers.location]).toEqual([303, '/stuck']);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const token = /kundval_console_token=([^;]+)/.exec(cookie)![1]!;
    expect(await verifyToken({ secret, issuer: config.AUTH_ISSUER }, token)).toMatchObject({ sub: 'dev-operator', role: 'operator' });
  });

  it('never sends a person to another site after signing in', async () => {
    const res = await app.inject({ method: 'POST', url: '/signin/dev', payload: 'role=operator&next=%2F%2Fevil.example', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.headers.location).toBe('/find');
  });

  it('answers /ready and /metrics like every process, counting pages by route', async () => {
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/kundval_http_requests_total\{method="GET",route="\/signin",status="200",service="console"\} [1-9]/);
  });

  it('refuses a form posted from another origin', async () => {
    const res = await app.inject({ method: 'POST', url: '/signin/dev', payload: 'role=operator', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } });
    expect(res.statusCode).toBe(403);
  });

  it('has no development sign-in without a secret, and production refuses one', async () => {
    const { AUTH_SECRET: _, ...noSecret } = config;
    const bare = await buildConsole({ ...noSecret }, createLogger('console', { level: 'silent' }));
    expect((await bare.inject({ method: 'POST', url: '/signin/dev', payload: 'role=operator', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(404);
    expect((await bare.inject({ method: 'GET', url: '/signin' })).body).not.toContain('/signin/dev');
    await bare.close();
    expect(ConsoleConfig.safeParse({ ...config, KUNDVAL_ENV: 'production', COOKIE_SECURE: 'true', AUTH_SECRET: secret }).success).toBe(false);
  });
});

describe("the sign-in's rate limit per address", () => {
  let idp: IdentityProvider;
  let app: Awaited<ReturnType<typeof buildConsole>>;
  beforeAll(async () => {
    idp = await startIdentityProvider({ services: ['decisions', 'orders', 'billing', 'workflows'], clients: [], people: [{ sub: 'operator-anna', role: 'operator' }], consoleRedirectUris: ['http://127.0.0.1:4100/signin/callback'] });
    const { AUTH_SECRET: _, ...noSecret } = env;
    const limited = ConsoleConfig.parse({ ...noSecret, OIDC_ISSUER: idp.issuer, SIGN_IN_RATE_LIMIT_PER_MINUTE: '3' });
    app = await buildConsole(limited, createLogger('console', { level: 'silent' }), { sessionStore: memorySessionStore({ ttlMs: SESSION_TTL_MS }) });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await idp?.stop();
  });

  const from = (remoteAddress: string, url: string) => app.inject({ method: 'GET', url, remoteAddress });

  it('answers 429 RATE_LIMITED with Retry-After past the limit, counting starts and callbacks together, and another address is unaffected', async () => {
    const answers = [await from('10.0.0.1', '/signin/start'), await from('10.0.0.1', '/signin/callback?code=abc&state=def'), await from('10.0.0.1', '/signin/start?next=%2Fparked')];
    expect(answers.map((a) => a.statusCode)).toEqual([303, 400, 303]);
    expect(new URL(answers[0]!.headers.location as string).origin).toBe(new URL(idp.issuer).origin);
    for (const url of ['/signin/start', '/signin/callback?code=abc&state=def']) {
      const refused = await from('10.0.0.1', url);
      expect([refused.statusCode, refused.json(), refused.headers['retry-after']]).toEqual([
        429,
        { error: 'RATE_LIMITED', message: 'Too many sign-in requests: at most 3 a minute from one address; retry after the seconds in Retry-After.' },
        '60',
      ]);
    }
    expect((await from('10.0.0.2', '/signin/start')).statusCode).toBe(303);
  });

  it('limits no other page: the sign-in page, a page behind it, health and metrics answer the limited address', async () => {
    for (let i = 0; i < 4; i++) await from('10.0.0.3', '/signin/start');
    expect((await from('10.0.0.3', '/signin/start')).statusCode).toBe(429);
    const others = await Promise.all(['/signin', '/signin', '/signin', '/signin', '/find', '/health', '/ready', '/metrics'].map((url) => from('10.0.0.3', url)));
    expect(others.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 303, 200, 200, 200]);
  });

  it('takes the limit from SIGN_IN_RATE_LIMIT_PER_MINUTE: 60 unless set, at least 1', () => {
    expect(config.SIGN_IN_RATE_LIMIT_PER_MINUTE).toBe(60);
    const refused = ConsoleConfig.safeParse({ ...env, SIGN_IN_RATE_LIMIT_PER_MINUTE: '0' });
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toEqual(['SIGN_IN_RATE_LIMIT_PER_MINUTE']);
  });
});

describe('the texts and the views of a journey', () => {
  it('has every text in both languages, none empty', () => {
    expect(Object.keys(TEXTS.en).sort()).toEqual(Object.keys(TEXTS.sv).sort());
    for (const lang of ['sv', 'en'] as const) for (const [key, text] of Object.entries(TEXTS[lang])) expect(text.length, `${lang}.${key}`).toBeGreaterThan(0);
  });

  it('reads an age in days and hours, hours and minutes, or seconds', () => {
    expect([formatAge(3 * 86400_000 + 4 * 3600_000 + 59_000), formatAge(2 * 3600_000 + 5 * 60_000), formatAge(40_000)]).toEqual(['3 d 4 h', '2 h 5 min', '40 s']);
  });

  it('sorts journeys newest first by start, or alphabetically by a column with the newest first among equals', () => {
    const j = (id: string, startTime: string, stage: string) => ({ workflowId: id, startTime, stage, status: 'RUNNING', area: null, provider: null, customer: null, attention: null, temporalUiUrl: '' }) as JourneySummary;
    const all = [j('a', '2026-01-01', 'in-service'), j('b', '2026-03-01', 'decided'), j('c', '2026-02-01', 'in-service')];
    expect(sortJourneys(all, 'startTime').map((x) => x.workflowId)).toEqual(['b', 'c', 'a']);
    expect(sortJourneys(all, 'stage').map((x) => x.workflowId)).toEqual(['b', 'c', 'a']);
  });

  it("puts a journey's records in time order: application, orders, attentions and their resolution, tasks", () => {
    const state = {
      applicationId: 'app',
      customerId: 'c',
      areaId: 'home-care',
      stage: 'in-service',
      decisionId: 'd',
      providerId: 'omsorg-a',
      chosenBy: 'customer',
      orderId: 'o',
      denialReason: null,
      nextDeadline: null,
      pendingMonths: [],
      settledMonths: [{ month: '2026-02', feeOre: 12_345, appliedCap: 'none', ocrReference: '1', paymentOre: 99_000, unpricedMinutes: 0 }],
      orders: [{ orderId: 'o', providerId: 'omsorg-a', validFrom: '2026-01-20', endDate: null }],
      attentions: [
        {
          attentionId: 'x',
          command: 'placeOrder',
          code: 'ORDERS.PROVIDER_CLOSED',
          reason: 'closed',
          failure: 'refused',
          status: 409,
          since: '2026-01-18T10:00:00.000Z',
          open: false,
          resolution: { action: 'retry', by: { subject: 'olle', role: 'operator' }, at: '2026-01-19T09:00:00.000Z', reason: null },
        },
      ],
      temporalUiUrl: '',
    } as JourneyState;
    const timeline = timelineOf(state, { applicationId: 'app', customerId: 'c', areaId: 'home-care', channel: 'citizen', status: 'decided', receivedAt: '2026-01-10T08:00:00.000Z' }, []);
    expect(timeline.map((e) => [e.what, e.detail])).toEqual([
      ['applicationReceived', 'home-care · citizen'],
      ['attentionRaised', 'placeOrder: ORDERS.PROVIDER_CLOSED — closed'],
      ['resolvedBy', 'retry · olle (operator)'],
      ['orderPlaced', 'omsorg-a · o'],
      ['monthSettled', '2026-02 · 123,45\u00a0kr / 990,00\u00a0kr'],
    ]);
  });
});

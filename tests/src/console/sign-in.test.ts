import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { decodeJwt } from 'jose';
import { SESSION_TTL_MS, memorySessionStore, newSealingKey, oidcSignIn, sealer, sealingKeys } from '@kundval/console';
import { signInAtProvider } from '@kundval/console/testing';
import type { LocalPlatform } from '@kundval/infra';
import { startTestPlatform } from '../support/platform.js';

/**
 * A person signs in to the console through the identity provider in a real browser (ADR 0037):
 * the authorization code flow with PKCE of the console's client at the running oidc-provider, the
 * console's pages then calling the services with that person's tokens (one per service), and
 * signing out revoking the refresh token and ending the provider's session. The browser never
 * holds a token: only an opaque session id in an HttpOnly cookie.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

describe('signing in to the console through the identity provider', () => {
  let platform: LocalPlatform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: Request[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/ensure-chromium.sh installs Debian's chromium package (npm test runs it).`);
    platform = await startTestPlatform('console-sign-in', {
      identityProvider: { people: [{ sub: 'operator-anna', role: 'operator' }, { sub: 'finance-bo', role: 'finance' }] },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1366, height: 850 } });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r));
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const idp = () => platform.identity!.provider;

  it('offers only the identity provider: no development sign-in, no pasted token', async () => {
    await page.goto(`${platform.consoleUrl}/stuck`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(await page.locator('#sign-in').count()).toBe(1);
    expect(await page.locator('#dev-sign-in').count()).toBe(0);
    expect(await page.locator('textarea#token').count()).toBe(0);
    const dev = await page.request.post(`${platform.consoleUrl}/signin/dev`, { form: { role: 'operator' } });
    expect(dev.status()).toBe(404);
    const pasted = await page.request.post(`${platform.consoleUrl}/signin`, { form: { token: 'x'.repeat(40) } });
    expect(pasted.status()).toBe(404);
  });

  it('signs an operator in with the authorization code and PKCE, and brings them back where they were going', async () => {
    requests.length = 0;
    await page.click('#sign-in');
    await page.waitForURL(`${idp().issuer}/interaction/**`);
    await page.selectOption('select[name=sub]', 'operator-anna');
    await page.click('button[type=submit]');
    await page.waitForURL(`${platform.consoleUrl}/stuck`);
    expect(await page.textContent('header')).toContain('operator-anna');
    expect(await page.textContent('header')).toContain('(operator)');

    // The authorization request asked for S256 PKCE and every service as a resource; the code came back to the console's callback.
    const authorize = new URL(requests.find((r) => r.url().startsWith(`${idp().issuer}/auth`))!.url());
    expect(authorize.searchParams.get('client_id')).toBe('kundval-console');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.getAll('resource').sort()).toEqual(['urn:kundval:billing', 'urn:kundval:decisions', 'urn:kundval:orders', 'urn:kundval:workflows']);
    const callback = new URL(requests.find((r) => r.url().startsWith(`${platform.consoleUrl}/signin/callback`))!.url());
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(authorize.searchParams.get('state'));

    // The browser holds an opaque session id only: no cookie of the console is a JWT.
    const cookies = await context.cookies(platform.consoleUrl);
    const session = cookies.find((c) => c.name === 'kundval_console_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(session.value.split('.')).toHaveLength(1);
    expect(cookies.find((c) => c.name === 'kundval_console_token')).toBeUndefined();
  });

  it("calls the services with the person's own token for each: the parked-events page reads all four", async () => {
    await page.goto(`${platform.consoleUrl}/parked`);
    expect(new URL(page.url()).pathname).toBe('/parked');
    // A refusal by any service would show as its failure on the page; none does, and no service refused the token.
    expect(await page.locator('.error').count()).toBe(0);
    const answer = await page.goto(`${platform.consoleUrl}/find?all=1`);
    expect(answer!.status()).toBe(200);
  });

  it("shows a service's refusal of the person's role as it is: an operator may not start a billing run", async () => {
    await page.goto(`${platform.consoleUrl}/billing`);
    await page.check('input[name=confirm]');
    await page.click('form[action="/billing"] button[type=submit]');
    expect(await page.textContent('main')).toContain('AUTH.FORBIDDEN');
  });

  it("signs out: the console forgets the session, the provider revokes the refresh token and ends its own session", async () => {
    const before = (await context.cookies(platform.consoleUrl)).find((c) => c.name === 'kundval_console_session')!.value;
    await page.goto(`${platform.consoleUrl}/find`);
    await page.click('form[action="/signout"] button');
    await page.waitForURL(`${idp().issuer}/session/end**`);
    await page.click('#sign-out-yes');
    await page.waitForURL(`${platform.consoleUrl}/signin`);
    expect((await context.cookies(platform.consoleUrl)).find((c) => c.name === 'kundval_console_session')).toBeUndefined();

    // The old session id, replayed, signs no one in.
    const replay = await fetch(`${platform.consoleUrl}/find`, { headers: { cookie: `kundval_console_session=${before}` }, redirect: 'manual' });
    expect([replay.status, replay.headers.get('location')]).toEqual([303, '/signin?next=%2Ffind']);

    // Signing in again asks who the person is (the provider's session ended too), and may be someone else.
    await page.click('#sign-in');
    await page.waitForURL(`${idp().issuer}/interaction/**`);
    await page.selectOption('select[name=sub]', 'finance-bo');
    await page.click('button[type=submit]');
    await page.waitForURL(`${platform.consoleUrl}/find`);
    expect(await page.textContent('header')).toContain('finance-bo');
    // Finance's own token for billing starts a billing run.
    await page.goto(`${platform.consoleUrl}/billing`);
    await page.check('input[name=confirm]');
    await page.click('form[action="/billing"] button[type=submit]');
    await page.waitForURL(`${platform.consoleUrl}/billing?notice=done`);
  });

  it('refuses a callback that this browser did not start (no sign-in of another person by a forged link)', async () => {
    const forged = await page.request.get(`${platform.consoleUrl}/signin/callback?code=abc&state=def`, { maxRedirects: 0 });
    expect(forged.status()).toBe(400);
  });

  it("revokes the person's refresh token at sign-out: the provider refuses it afterwards, and the console's session gets no new token", async () => {
    // The console's own sign-in module against the running provider, with the provider's sign-in page answered as a browser would.
    const audiences = { decisions: 'urn:kundval:decisions', orders: 'urn:kundval:orders', billing: 'urn:kundval:billing', workflows: 'urn:kundval:workflows' };
    const signIn = oidcSignIn({ issuer: new URL(idp().issuer), clientId: 'kundval-console', redirectUri: `${platform.consoleUrl}/signin/callback`, postLogoutRedirectUri: `${platform.consoleUrl}/signin`, audiences, allowHttp: true, store: memorySessionStore({ ttlMs: SESSION_TTL_MS }), sealer: sealer(sealingKeys([newSealingKey()])) });
    const { url, transaction } = await signIn.begin('/find');
    const { session, next } = await signIn.complete(transaction, await signInAtProvider(url, 'operator-anna'));
    expect([session.sub, session.role, session.municipality, next]).toEqual(['operator-anna', 'operator', 'nacka', '/find']);
    // One token per service, each for its own audience, living five minutes.
    for (const [service, audience] of Object.entries(audiences)) {
      const claims = decodeJwt(await signIn.tokenFor(session, service as keyof typeof audiences));
      expect([claims.aud, claims.sub, (claims.exp ?? 0) - (claims.iat ?? 0)]).toEqual([audience, 'operator-anna', 300]);
    }
    // The latest refresh token: each refresh above rotated it.
    const refreshToken = (await signIn.session(session.id))!.refreshToken;
    const endSession = await signIn.end(session);
    expect(endSession?.pathname).toBe('/session/end');
    expect(await signIn.session(session.id)).toBeNull();
    const refused = await fetch(idp().tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'kundval-console', resource: audiences.orders }),
    });
    expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
  });
});

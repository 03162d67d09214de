import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startIdentityProvider, startNatsServer, type IdentityProvider, type NatsServer } from '@kundval/infra';
import type { ServiceName } from './api.js';
import { natsSessionStore } from './nats-session-store.js';
import { newSealingKey, sealer, sealingKeys } from './sealing.js';
import type { SessionStore } from './session-store.js';
import { REFRESH_CLAIM_MS, SESSION_TTL_MS, SignInError, oidcSignIn, type OidcSignIn } from './sign-in.js';
import { signInAtProvider } from './testing.js';

/**
 * Console replicas sharing sessions (ADR 0043), against a real oidc-provider (which rotates the
 * console's refresh token and revokes the grant when a spent one is used again) and a real
 * nats-server: each "replica" is the console's sign-in with its own connection to the bucket.
 */
const CONSOLE = 'http://127.0.0.1:4999';
const audiences: Record<ServiceName, string> = { decisions: 'urn:kundval:decisions', orders: 'urn:kundval:orders', billing: 'urn:kundval:billing', workflows: 'urn:kundval:workflows' };
const key = newSealingKey();

let nats: NatsServer;
let idp: IdentityProvider;
const stores: SessionStore[] = [];

beforeAll(async () => {
  [nats, idp] = await Promise.all([
    startNatsServer(),
    startIdentityProvider({
      services: Object.keys(audiences),
      clients: [],
      people: [{ sub: 'operator-anna', role: 'operator' }],
      consoleRedirectUris: [`${CONSOLE}/signin/callback`],
      consolePostLogoutRedirectUris: [`${CONSOLE}/signin`],
    }),
  ]);
}, 60_000);
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  await idp?.stop();
  await nats?.stop();
});

/** One console process: its own NATS connection to the shared bucket, the configured sealing keys. */
async function replica(keys: string[] = [key], options: { wrap?: (store: SessionStore) => SessionStore; now?: () => number } = {}): Promise<{ signIn: OidcSignIn; store: SessionStore }> {
  const store = await natsSessionStore({ url: nats.url, replicas: 1, ttlMs: SESSION_TTL_MS, name: `console-test-${stores.length}` });
  stores.push(store);
  const signIn = oidcSignIn({ issuer: new URL(idp.issuer), clientId: 'kundval-console', redirectUri: `${CONSOLE}/signin/callback`, postLogoutRedirectUri: `${CONSOLE}/signin`, audiences, allowHttp: true, store: options.wrap ? options.wrap(store) : store, sealer: sealer(sealingKeys(keys)), ...(options.now ? { now: options.now } : {}) });
  return { signIn, store };
}

async function signedIn(start: OidcSignIn, finish: OidcSignIn = start) {
  const { url, transaction } = await start.begin('/find');
  return (await finish.complete(transaction, await signInAtProvider(url, 'operator-anna'))).session;
}

const refreshAtProvider = (refreshToken: string, resource: string) =>
  fetch(idp.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'kundval-console', resource }) });

describe('sessions shared by console replicas and kept across restarts (ADR 0043)', () => {
  it('completes a sign-in begun on one replica on the other, and the session is known to both', async () => {
    const [a, b] = [await replica(), await replica()];
    const session = await signedIn(a.signIn, b.signIn);
    const onA = await a.signIn.session(session.id);
    expect([onA?.sub, onA?.role, onA?.municipality]).toEqual(['operator-anna', 'operator', 'nacka']);
    // A token for another service, got through replica A's store entry by replica B's refresh.
    const token = decodeJwt(await b.signIn.tokenFor((await b.signIn.session(session.id))!, 'orders'));
    expect([token.aud, token.sub]).toEqual([audiences.orders, 'operator-anna']);
    expect(await a.signIn.tokenFor(onA!, 'orders')).toBe(await b.signIn.tokenFor(session, 'orders'));
  });

  it('keeps a session across a restart of every console: a new process with the same key finds it and gets tokens with it', async () => {
    const before = await replica();
    const session = await signedIn(before.signIn);
    await before.store.close();
    const after = await replica();
    const found = await after.signIn.session(session.id);
    expect(found?.sub).toBe('operator-anna');
    expect(decodeJwt(await after.signIn.tokenFor(found!, 'billing')).aud).toBe(audiences.billing);
  });

  it('finds no session with another key: sealed entries open under the configured keys only, and a rotation keeps them', async () => {
    const { signIn } = await replica();
    const session = await signedIn(signIn);
    const stranger = await replica([newSealingKey()]);
    expect(await stranger.signIn.session(session.id)).toBeNull();
    const rotated = await replica([newSealingKey(), key]);
    expect((await rotated.signIn.session(session.id))?.sub).toBe('operator-anna');
  });

  it('refreshes once when two replicas need the same new token at once: both get that token and the grant stays good', async () => {
    const [a, b] = [await replica(), await replica()];
    const session = await signedIn(a.signIn);
    const onB = (await b.signIn.session(session.id))!;
    // Ten pages at once, five on each replica, each needing a token for orders that the session has not got yet.
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a.signIn.tokenFor(session, 'orders') : b.signIn.tokenFor(onB, 'orders'))));
    expect(new Set(tokens).size).toBe(1);
    // One refresh spent the first refresh token: the next one (another service) still works, so the provider saw no reuse.
    expect(decodeJwt(await b.signIn.tokenFor(onB, 'workflows')).aud).toBe(audiences.workflows);
    expect(decodeJwt(await a.signIn.tokenFor(session, 'billing')).aud).toBe(audiences.billing);
  });

  it("takes over a claim its replica left when it died before refreshing, once the claim's time has passed", async () => {
    const { signIn } = await replica();
    const session = await signedIn(signIn);
    // A replica that writes its claim and dies before it asks the provider.
    const dying = await replica([key], { wrap: (store) => ({ ...store, update: async (k, v, r) => (await store.update(k, v, r), Promise.reject(new Error('died after claiming'))) }) });
    await expect(dying.signIn.tokenFor(session, 'orders')).rejects.toThrow('died after claiming');
    // While the claim holds, another replica waits rather than spend the refresh token itself.
    const waiting = signIn.tokenFor(session, 'orders');
    expect(await Promise.race([waiting.then(() => 'refreshed'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1_500))])).toBe('waiting');
    // Later than the claim's time: another replica takes the refresh token over and spends it once.
    const later = await replica([key], { now: () => Date.now() + REFRESH_CLAIM_MS + 1_000 });
    const taken = await later.signIn.tokenFor(session, 'orders');
    expect(decodeJwt(taken).aud).toBe(audiences.orders);
    // The one that waited finds the token the other replica got.
    expect(await waiting).toBe(taken);
    expect(decodeJwt(await signIn.tokenFor(session, 'billing')).aud).toBe(audiences.billing);
  });

  it('(the hazard the claim prevents) a refresh token spent twice revokes the grant at the provider, and the session ends', async () => {
    const { signIn } = await replica();
    const session = await signedIn(signIn);
    const first = await refreshAtProvider(session.refreshToken, audiences.orders);
    const again = await refreshAtProvider(session.refreshToken, audiences.orders);
    expect([first.status, again.status, ((await again.json()) as { error: string }).error]).toEqual([200, 400, 'invalid_grant']);
    // The rotated token from the first refresh is dead too: the whole grant was revoked.
    const rotated = ((await first.json()) as { refresh_token: string }).refresh_token;
    expect((await refreshAtProvider(rotated, audiences.billing)).status).toBe(400);
    await expect(signIn.tokenFor(session, 'billing')).rejects.toThrow(SignInError);
    expect(await signIn.session(session.id)).toBeNull();
  });

  it('signs out on one replica for all: the other finds no session, and the current refresh token is revoked', async () => {
    const [a, b] = [await replica(), await replica()];
    const session = await signedIn(a.signIn);
    await b.signIn.tokenFor((await b.signIn.session(session.id))!, 'orders');
    const current = (await a.signIn.session(session.id))!.refreshToken;
    expect(current).not.toBe(session.refreshToken);
    const end = await a.signIn.end(session);
    expect(end?.pathname).toBe('/session/end');
    expect(await b.signIn.session(session.id)).toBeNull();
    expect((await refreshAtProvider(current, audiences.orders)).status).toBe(400);
  });

  it('refuses a callback on any replica for a sign-in that was completed already', async () => {
    const [a, b] = [await replica(), await replica()];
    const { url, transaction } = await a.signIn.begin('/stuck');
    const back = await signInAtProvider(url, 'operator-anna');
    expect((await b.signIn.complete(transaction, back)).next).toBe('/stuck');
    await expect(a.signIn.complete(transaction, back)).rejects.toMatchObject({ code: 'CONSOLE.SIGN_IN_EXPIRED' });
  });
});

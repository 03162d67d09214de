import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPlatform } from '@kundval/infra';
import { cookieSetBy, signInAtProvider } from '@kundval/console/testing';
import { startTestPlatform } from '../support/platform.js';

/**
 * Two console processes behind one address share people's sessions through NATS key-value, sealed
 * (ADR 0043): a sign-in begun on one replica is completed on the other, the session cookie works on
 * both, both consoles killed and restarted keep it, and signing out on one ends it on the other.
 */
describe('console replicas sharing sessions', () => {
  let platform: LocalPlatform;
  const SESSION = 'kundval_console_session';

  beforeAll(async () => {
    platform = await startTestPlatform('console-replicas', { identityProvider: { people: [{ sub: 'operator-anna', role: 'operator' }] }, consoles: 2 });
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const [first, second] = [() => platform.consoleReplicaUrls[0]!, () => platform.consoleReplicaUrls[1]!];
  /** A page as the person's browser would ask for it, on one replica, with their session cookie. */
  const pageAt = (replica: string, path: string, session: string) => fetch(`${replica}${path}`, { headers: { cookie: `${SESSION}=${session}` }, redirect: 'manual' });

  let session: string;

  it('completes on the second replica a sign-in begun on the first, and the person is signed in on both', async () => {
    // The first replica starts the sign-in: its PKCE verifier, state and nonce go to the shared store, sealed.
    const start = await fetch(`${first()}/signin/start?next=%2Fparked`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const transaction = cookieSetBy(start, 'kundval_console_signin');
    const callback = await signInAtProvider(new URL(start.headers.get('location')!), 'operator-anna');
    // The provider sends the browser back to the console's address; here the second replica answers it.
    const back = await fetch(`${second()}${callback.pathname}${callback.search}`, { headers: { cookie: `kundval_console_signin=${transaction}` }, redirect: 'manual' });
    expect([back.status, back.headers.get('location')]).toEqual([303, '/parked']);
    session = cookieSetBy(back, SESSION);

    // The parked-events page reads all four services with the person's tokens: on each replica.
    for (const replica of [first(), second()]) {
      const page = await pageAt(replica, '/parked', session);
      const html = await page.text();
      expect([page.status, html.includes('operator-anna'), html.includes('class="error"')]).toEqual([200, true, false]);
    }
  });

  it('keeps the session when both consoles are killed and come back', async () => {
    for (const replica of platform.consoleReplicas) await replica.crash('SIGKILL');
    for (const replica of [second(), first()]) {
      const page = await pageAt(replica, '/parked', session);
      const html = await page.text();
      expect([page.status, html.includes('operator-anna'), html.includes('class="error"')]).toEqual([200, true, false]);
    }
    // Through the one public address as well.
    expect((await pageAt(platform.consoleUrl, '/find', session)).status).toBe(200);
  });

  it('signs the person out on every replica when they sign out on one', async () => {
    const out = await fetch(`${second()}/signout`, { method: 'POST', headers: { cookie: `${SESSION}=${session}` }, redirect: 'manual' });
    expect([out.status, new URL(out.headers.get('location')!).pathname]).toEqual([303, '/session/end']);
    for (const replica of [first(), second()]) {
      const page = await pageAt(replica, '/find', session);
      expect([page.status, page.headers.get('location')]).toEqual([303, '/signin?next=%2Ffind']);
    }
  });
});

import * as oauth from 'oauth4webapi';
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { ServiceName } from './api.js';
import { UnsealError, type Sealer } from './sealing.js';
import { SIGN_IN_KEY_PREFIX, SIGN_IN_TTL_MS, type SessionStore } from './session-store.js';

/** How long a session lives at most, whatever the provider says: a working day, as the provider's grant and refresh token. */
export const SESSION_TTL_MS = 8 * 3600_000;

/**
 * People's sign-in through the municipality's identity provider (ADR 0037): the authorization code
 * flow with PKCE (S256) of the console's client, done by the console's server with `oauth4webapi`
 * (the certified client library by the author of `jose` and `oidc-provider`), and the tokens kept
 * on the server, never in the browser: sealed in the session store that every console replica
 * shares (ADR 0043). The browser holds an opaque session id in an HttpOnly cookie; the access
 * tokens (one per service, each its own audience, ADR 0032) and the refresh token that gets them
 * stay on the server, so no script on a page, no extension and no proxy log ever sees a token.
 */
export type OidcSettings = {
  issuer: URL;
  clientId: string;
  /** The console's callback, registered at the provider (`<console>/signin/callback`). */
  redirectUri: string;
  /** Where the provider sends the person after signing out (`<console>/signin`). */
  postLogoutRedirectUri: string;
  /** The audience (resource indicator) of each service's tokens. */
  audiences: Record<ServiceName, string>;
  /** Plain http to the provider: only on a developer's machine (production refuses it in the config). */
  allowHttp: boolean;
  /** How long a session lives at most, whatever the provider says: a working day (`SESSION_TTL_MS`). */
  sessionTtlMs?: number;
  /** Where sessions and sign-ins on their way are kept (ADR 0043): shared by the replicas in NATS, or this process's memory. */
  store: SessionStore;
  /** Seals what is stored: tokens, and a sign-in's PKCE verifier, state and nonce. */
  sealer: Sealer;
  now?: () => number;
};

/** A person signed in: who the tokens say they are. Their tokens stay sealed in the session store; `refreshToken` is the latest this process has seen. */
export type PersonSession = {
  id: string;
  sub: string;
  role: string;
  municipality: string | null;
  expiresAt: number;
  /** The id token, for the provider's sign-out (`id_token_hint`). */
  idToken: string;
  refreshToken: string;
};

const AccessToken = z.object({ token: z.string(), expiresAt: z.number() });
/**
 * What the store keeps of a session, sealed (ADR 0043). `refreshing` is a replica's claim on the
 * refresh token: the provider rotates a public client's refresh token, and a second use of a
 * rotated one revokes the whole grant, so one replica at a time spends it.
 */
const StoredSession = z.object({
  sub: z.string(),
  role: z.string(),
  municipality: z.string().nullable(),
  expiresAt: z.number(),
  idToken: z.string(),
  refreshToken: z.string(),
  accessTokens: z.record(z.string(), AccessToken),
  refreshing: z.object({ until: z.number() }).nullable(),
});
type StoredSession = z.infer<typeof StoredSession>;

/** An authorization request on its way: what the callback must match (state, nonce) and prove (the PKCE verifier). */
const Pending = z.object({ state: z.string(), nonce: z.string(), verifier: z.string(), next: z.string(), expiresAt: z.number() });
type Pending = z.infer<typeof Pending>;

export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An access token this close to its expiry is renewed before use, so it does not expire on its way to the service. */
const RENEW_BEFORE_MS = 30_000;
/** How long a replica's claim on the refresh token holds: longer than the refresh request's own timeout (10 s). */
export const REFRESH_CLAIM_MS = 15_000;
/** How often a replica waiting on another's refresh looks again. */
const REFRESH_WAIT_STEP_MS = 100;

/** The store key of a session or a sign-in: a digest of its id, so that whoever reads the bucket learns no usable cookie value. */
const storeKey = (kind: 'session' | 'signin', id: string) => `${kind === 'signin' ? SIGN_IN_KEY_PREFIX : 'session.'}${createHash('sha256').update(id).digest('base64url')}`;

export function oidcSignIn(settings: OidcSettings) {
  const now = settings.now ?? Date.now;
  const sessionTtl = settings.sessionTtlMs ?? SESSION_TTL_MS;
  const client: oauth.Client = { client_id: settings.clientId };
  const auth = oauth.None();
  const insecure = settings.allowHttp ? { [oauth.allowInsecureRequests]: true } : {};
  const services = Object.keys(settings.audiences) as ServiceName[];
  const { store, sealer } = settings;
  /** Refreshes in this process, one at a time per session; across replicas the claim in the store orders them. */
  const queues = new Map<string, Promise<unknown>>();
  let server: Promise<oauth.AuthorizationServer> | undefined;

  /** The provider's metadata, read once from its discovery document (again after a failure). */
  const authorizationServer = () =>
    (server ??= oauth
      .discoveryRequest(settings.issuer, { ...insecure, signal: AbortSignal.timeout(10_000) })
      .then((r) => oauth.processDiscoveryResponse(settings.issuer, r))
      .catch((err: unknown) => {
        server = undefined;
        throw err;
      }));

  /** A session as stored, opened; null when there is none, it has expired, or it does not open (sealed under a retired key, or tampered with). */
  async function read(id: string): Promise<{ record: StoredSession; revision: number } | null> {
    const key = storeKey('session', id);
    const entry = await store.get(key);
    if (!entry) return null;
    let record: StoredSession;
    try {
      record = StoredSession.parse(await sealer.open(entry.value, key));
    } catch (err) {
      if (err instanceof UnsealError || err instanceof z.ZodError) return null;
      throw err;
    }
    if (record.expiresAt <= now()) {
      await store.delete(key);
      return null;
    }
    return { record, revision: entry.revision };
  }

  const write = async (id: string, record: StoredSession, revision: number) => {
    const key = storeKey('session', id);
    return store.update(key, await sealer.seal(record, key), revision);
  };

  const personOf = (id: string, record: StoredSession): PersonSession => ({ id, sub: record.sub, role: record.role, municipality: record.municipality, expiresAt: record.expiresAt, idToken: record.idToken, refreshToken: record.refreshToken });

  const ended = () => new SignInError('CONSOLE.SESSION_ENDED', 'The session has ended; sign in again.');

  /**
   * The person's token for one service, from the store while it is fresh, else by the refresh
   * token. Before spending the refresh token, this replica claims it: it writes `refreshing` over
   * the revision it read (compare-and-set), so of two replicas that read the same revision only
   * one writes; the other reads again, waits while the claim holds, and then finds the new token.
   */
  async function obtain(session: PersonSession, service: ServiceName): Promise<string> {
    for (;;) {
      const found = await read(session.id);
      if (!found) throw ended();
      const { record, revision } = found;
      session.refreshToken = record.refreshToken;
      const kept = record.accessTokens[service];
      if (kept && kept.expiresAt - RENEW_BEFORE_MS > now()) return kept.token;
      if (record.refreshing && record.refreshing.until > now()) {
        await sleep(REFRESH_WAIT_STEP_MS);
        continue;
      }
      // A claim past its time is taken over: the replica holding it died or lost the provider.
      const claimed = { ...record, refreshing: { until: now() + REFRESH_CLAIM_MS } };
      const claimRevision = await write(session.id, claimed, revision);
      if (claimRevision === null) continue;
      return refresh(session, service, claimed, claimRevision);
    }
  }

  async function refresh(session: PersonSession, service: ServiceName, record: StoredSession, revision: number): Promise<string> {
    const key = storeKey('session', session.id);
    let response: Response;
    const as = await authorizationServer().catch(async (err: unknown) => {
      await write(session.id, { ...record, refreshing: null }, revision);
      throw err;
    });
    try {
      response = await oauth.refreshTokenGrantRequest(as, client, auth, record.refreshToken, { ...insecure, additionalParameters: { resource: settings.audiences[service] }, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      // The provider was not reached, or did not answer in time: the claim is given back (the
      // token may have been spent all the same; then the next refresh is refused and the person signs in again).
      await write(session.id, { ...record, refreshing: null }, revision);
      throw err;
    }
    let result: oauth.TokenEndpointResponse;
    try {
      result = await oauth.processRefreshTokenResponse(as, client, response);
    } catch (err) {
      // The grant was revoked or the provider's session ended: the person signs in again.
      await store.delete(key);
      throw new SignInError('CONSOLE.SESSION_ENDED', `The identity provider refused to renew the session: ${err instanceof Error ? err.message : String(err)}`);
    }
    const renewed: StoredSession = {
      ...record,
      refreshToken: result.refresh_token ?? record.refreshToken,
      accessTokens: { ...record.accessTokens, [service]: { token: result.access_token, expiresAt: now() + (result.expires_in ?? 60) * 1000 } },
      refreshing: null,
    };
    // The claim is ours, so nobody else has written since; a lost write (the session was signed out meanwhile) leaves it ended.
    await write(session.id, renewed, revision);
    session.refreshToken = renewed.refreshToken;
    return result.access_token;
  }

  return {
    /** Starts a sign-in: the provider's authorization URL to send the browser to, and the transaction id to remember in a cookie. */
    async begin(next: string): Promise<{ url: URL; transaction: string }> {
      const as = await authorizationServer();
      if (!as.authorization_endpoint) throw new SignInError('CONSOLE.IDP_METADATA', 'The identity provider publishes no authorization endpoint.');
      const verifier = oauth.generateRandomCodeVerifier();
      const entry: Pending = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), verifier, next, expiresAt: now() + SIGN_IN_TTL_MS };
      const transaction = randomBytes(24).toString('base64url');
      // In the store too: the provider may send the browser back to another replica.
      const key = storeKey('signin', transaction);
      await store.create(key, await sealer.seal(entry, key));
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('client_id', settings.clientId);
      url.searchParams.set('redirect_uri', settings.redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', 'openid');
      url.searchParams.set('state', entry.state);
      url.searchParams.set('nonce', entry.nonce);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      // Every service the console calls: the refresh token may then be exchanged for a token of each (RFC 8707).
      for (const service of services) url.searchParams.append('resource', settings.audiences[service]);
      return { url, transaction };
    },

    /** Completes a sign-in from the provider's redirect: checks state, exchanges the code with the verifier, checks the id token's nonce. */
    async complete(transaction: string | undefined, callbackUrl: URL): Promise<{ session: PersonSession; next: string }> {
      const entry = transaction ? await readPending(transaction) : null;
      if (!transaction || !entry || entry.expiresAt <= now()) throw new SignInError('CONSOLE.SIGN_IN_EXPIRED', 'This sign-in was not started here or took too long; start again.');
      await store.delete(storeKey('signin', transaction));
      const as = await authorizationServer();
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callbackUrl, entry.state);
      } catch (err) {
        throw new SignInError('CONSOLE.SIGN_IN_REFUSED', err instanceof Error ? err.message : String(err));
      }
      const first = services[0]!;
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, settings.redirectUri, entry.verifier, { ...insecure, additionalParameters: { resource: settings.audiences[first] }, signal: AbortSignal.timeout(10_000) });
      let result: oauth.TokenEndpointResponse;
      try {
        result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: entry.nonce, requireIdToken: true });
      } catch (err) {
        throw new SignInError('CONSOLE.SIGN_IN_REFUSED', err instanceof Error ? err.message : String(err));
      }
      if (!result.refresh_token || !result.id_token) throw new SignInError('CONSOLE.SIGN_IN_REFUSED', 'The identity provider gave no refresh token: the console needs one to get a token for each service.');
      // The platform's claims are in the access token (the services read them there); shown, not trusted, here.
      const claims = decodeJwt(result.access_token);
      const id = randomBytes(32).toString('base64url');
      const record: StoredSession = {
        sub: String(oauth.getValidatedIdTokenClaims(result)?.sub ?? claims.sub ?? '?'),
        role: String(claims['role'] ?? '?'),
        municipality: typeof claims['municipality'] === 'string' ? claims['municipality'] : null,
        expiresAt: now() + sessionTtl,
        idToken: result.id_token,
        refreshToken: result.refresh_token,
        accessTokens: { [first]: { token: result.access_token, expiresAt: now() + (result.expires_in ?? 60) * 1000 } },
        refreshing: null,
      };
      const key = storeKey('session', id);
      if ((await store.create(key, await sealer.seal(record, key))) === null) throw new Error('a new session id was already taken');
      return { session: personOf(id, record), next: entry.next };
    },

    /** The person signed in under a session id (from the cookie), on whichever replica they signed in; null when there is none. */
    async session(id: string | undefined): Promise<PersonSession | null> {
      if (!id) return null;
      const found = await read(id);
      return found && personOf(id, found.record);
    },

    /** The person's token for one service: the one kept while it is fresh, else a new one from the refresh token (one refresh at a time, across replicas). */
    tokenFor(session: PersonSession, service: ServiceName): Promise<string> {
      const run = (queues.get(session.id) ?? Promise.resolve()).then(() => obtain(session, service));
      const tail = run.catch(() => undefined);
      queues.set(session.id, tail);
      void tail.then(() => {
        if (queues.get(session.id) === tail) queues.delete(session.id);
      });
      return run;
    },

    /**
     * Signs the person out: the session is forgotten in the store (on every replica), the refresh
     * token revoked at the provider (RFC 7009; its access tokens lapse within their few minutes),
     * and the provider's own sign-out page to send the browser to, so the provider's session ends too.
     */
    async end(session: PersonSession): Promise<URL | null> {
      await queues.get(session.id);
      const found = await read(session.id);
      await store.delete(storeKey('session', session.id));
      const refreshToken = found?.record.refreshToken ?? session.refreshToken;
      const as = await authorizationServer();
      if (as.revocation_endpoint) {
        const response = await oauth.revocationRequest(as, client, auth, refreshToken, { ...insecure, additionalParameters: { token_type_hint: 'refresh_token' }, signal: AbortSignal.timeout(10_000) });
        await oauth.processRevocationResponse(response);
      }
      if (!as.end_session_endpoint) return null;
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('id_token_hint', found?.record.idToken ?? session.idToken);
      url.searchParams.set('client_id', settings.clientId);
      url.searchParams.set('post_logout_redirect_uri', settings.postLogoutRedirectUri);
      return url;
    },
  };

  async function readPending(transaction: string): Promise<Pending | null> {
    const key = storeKey('signin', transaction);
    const entry = await store.get(key);
    if (!entry) return null;
    try {
      return Pending.parse(await sealer.open(entry.value, key));
    } catch (err) {
      if (err instanceof UnsealError || err instanceof z.ZodError) return null;
      throw err;
    }
  }
}
export type OidcSignIn = ReturnType<typeof oidcSignIn>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

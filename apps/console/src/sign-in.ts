import * as oauth from 'oauth4webapi';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { ServiceName } from './api.js';

/**
 * People's sign-in through the municipality's identity provider (ADR 0037): the authorization code
 * flow with PKCE (S256) of the console's client, done by the console's server with `oauth4webapi`
 * (the certified client library by the author of `jose` and `oidc-provider`), and the tokens kept
 * in this process's memory, never in the browser. The browser holds an opaque session id in an
 * HttpOnly cookie; the access tokens (one per service, each its own audience, ADR 0032) and the
 * refresh token that gets them stay here, so no script on a page, no extension and no proxy log
 * ever sees a token.
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
  /** How long a session lives at most, whatever the provider says: a working day. */
  sessionTtlMs?: number;
  now?: () => number;
};

/** A person signed in: who the tokens say they are, and the tokens, kept here only. */
export type PersonSession = {
  id: string;
  sub: string;
  role: string;
  municipality: string | null;
  expiresAt: number;
  /** The id token, for the provider's sign-out (`id_token_hint`). */
  idToken: string;
  refreshToken: string;
  accessTokens: Map<ServiceName, { token: string; expiresAt: number }>;
  /** Refreshes run one at a time: the provider rotates a public client's refresh token, and a second use of a rotated one revokes the whole grant. */
  queue: Promise<unknown>;
};

/** An authorization request on its way: what the callback must match (state, nonce) and prove (the PKCE verifier). */
type Pending = { state: string; nonce: string; verifier: string; next: string; expiresAt: number };

export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PENDING_TTL_MS = 10 * 60_000;
/** An access token this close to its expiry is renewed before use, so it does not expire on its way to the service. */
const RENEW_BEFORE_MS = 30_000;

export function oidcSignIn(settings: OidcSettings) {
  const now = settings.now ?? Date.now;
  const sessionTtl = settings.sessionTtlMs ?? 8 * 3600_000;
  const client: oauth.Client = { client_id: settings.clientId };
  const auth = oauth.None();
  const insecure = settings.allowHttp ? { [oauth.allowInsecureRequests]: true } : {};
  const services = Object.keys(settings.audiences) as ServiceName[];
  const sessions = new Map<string, PersonSession>();
  const pending = new Map<string, Pending>();
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

  const forget = (map: Map<string, { expiresAt: number }>) => {
    for (const [k, v] of map) if (v.expiresAt <= now()) map.delete(k);
  };

  function keep(session: Omit<PersonSession, 'accessTokens' | 'queue'>, service: ServiceName, result: oauth.TokenEndpointResponse): PersonSession {
    const full: PersonSession = { ...session, accessTokens: new Map(), queue: Promise.resolve() };
    full.accessTokens.set(service, { token: result.access_token, expiresAt: now() + (result.expires_in ?? 60) * 1000 });
    return full;
  }

  async function refresh(session: PersonSession, service: ServiceName): Promise<string> {
    const as = await authorizationServer();
    const response = await oauth.refreshTokenGrantRequest(as, client, auth, session.refreshToken, { ...insecure, additionalParameters: { resource: settings.audiences[service] }, signal: AbortSignal.timeout(10_000) });
    let result: oauth.TokenEndpointResponse;
    try {
      result = await oauth.processRefreshTokenResponse(as, client, response);
    } catch (err) {
      // The grant was revoked or the provider's session ended: the person signs in again.
      sessions.delete(session.id);
      throw new SignInError('CONSOLE.SESSION_ENDED', `The identity provider refused to renew the session: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (result.refresh_token) session.refreshToken = result.refresh_token;
    session.accessTokens.set(service, { token: result.access_token, expiresAt: now() + (result.expires_in ?? 60) * 1000 });
    return result.access_token;
  }

  return {
    /** Starts a sign-in: the provider's authorization URL to send the browser to, and the transaction id to remember in a cookie. */
    async begin(next: string): Promise<{ url: URL; transaction: string }> {
      const as = await authorizationServer();
      if (!as.authorization_endpoint) throw new SignInError('CONSOLE.IDP_METADATA', 'The identity provider publishes no authorization endpoint.');
      forget(pending);
      const verifier = oauth.generateRandomCodeVerifier();
      const entry: Pending = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), verifier, next, expiresAt: now() + PENDING_TTL_MS };
      const transaction = randomBytes(24).toString('base64url');
      pending.set(transaction, entry);
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
      const entry = transaction ? pending.get(transaction) : undefined;
      if (!transaction || !entry || entry.expiresAt <= now()) throw new SignInError('CONSOLE.SIGN_IN_EXPIRED', 'This sign-in was not started here or took too long; start again.');
      pending.delete(transaction);
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
      const session = keep(
        {
          id: randomBytes(32).toString('base64url'),
          sub: String(oauth.getValidatedIdTokenClaims(result)?.sub ?? claims.sub ?? '?'),
          role: String(claims['role'] ?? '?'),
          municipality: typeof claims['municipality'] === 'string' ? claims['municipality'] : null,
          expiresAt: now() + sessionTtl,
          idToken: result.id_token,
          refreshToken: result.refresh_token,
        },
        first,
        result,
      );
      forget(sessions);
      sessions.set(session.id, session);
      return { session, next: entry.next };
    },

    session(id: string | undefined): PersonSession | null {
      const session = id ? sessions.get(id) : undefined;
      if (!session) return null;
      if (session.expiresAt <= now()) {
        sessions.delete(session.id);
        return null;
      }
      return session;
    },

    /** The person's token for one service: the one kept while it is fresh, else a new one from the refresh token (one refresh at a time). */
    tokenFor(session: PersonSession, service: ServiceName): Promise<string> {
      const run = session.queue.then(async () => {
        const kept = session.accessTokens.get(service);
        if (kept && kept.expiresAt - RENEW_BEFORE_MS > now()) return kept.token;
        return refresh(session, service);
      });
      session.queue = run.catch(() => undefined);
      return run;
    },

    /**
     * Signs the person out: the session is forgotten here, the refresh token revoked at the provider
     * (RFC 7009; its access tokens lapse within their few minutes), and the provider's own sign-out
     * page to send the browser to, so the provider's session ends too.
     */
    async end(session: PersonSession): Promise<URL | null> {
      sessions.delete(session.id);
      const as = await authorizationServer();
      await session.queue;
      if (as.revocation_endpoint) {
        const response = await oauth.revocationRequest(as, client, auth, session.refreshToken, { ...insecure, additionalParameters: { token_type_hint: 'refresh_token' }, signal: AbortSignal.timeout(10_000) });
        await oauth.processRevocationResponse(response);
      }
      if (!as.end_session_endpoint) return null;
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('id_token_hint', session.idToken);
      url.searchParams.set('client_id', settings.clientId);
      url.searchParams.set('post_logout_redirect_uri', settings.postLogoutRedirectUri);
      return url;
    },

    /** How many people are signed in here (for the tests and metrics). */
    get size() {
      forget(sessions);
      return sessions.size;
    },
  };
}
export type OidcSignIn = ReturnType<typeof oidcSignIn>;

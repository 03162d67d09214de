import { randomUUID } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, importJWK, jwtVerify, errors as joseErrors, type JWK, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { Principal, type OnBehalfOf, type Role } from '@kundval/contracts';
import { AppError, forbidden } from './errors.js';

/**
 * Signed bearer tokens (ADR 0032). Two ways to verify them, one per setting:
 * - the municipality's identity provider (`jwksUri`): RS256/ES256 tokens checked against the
 *   provider's published keys (JWKS), its issuer, and this service's own audience. No service holds
 *   a key that can sign; production accepts only this.
 * - a development secret (`secret`): HS256 tokens that `npm start` and the tests mint themselves,
 *   audience `kundval`. Whoever holds the secret can mint any role, so production refuses it (ADR 0022).
 *
 * Claims carry the role and, for providers and citizens, the id that scoping rules read: never trust
 * an id a caller puts in a request body. A `system` token may carry `onBehalfOf`, the person whose
 * request the journey's worker carries out (ADR 0022); no other token may, so a person cannot have
 * their action recorded as someone else's. A machine's token (client credentials: its subject is its
 * client id) carries `scopes`, and each route's scope is required of it (`assertScope`).
 */
export type TokenSettings = DevelopmentTokenSettings | IdentityProviderSettings;
/** The development issuer's shared secret: HS256, audience `kundval`. */
export type DevelopmentTokenSettings = { secret: string; issuer: string };
/** The municipality's identity provider: its issuer, where its keys are published, and this service's audience. */
export type IdentityProviderSettings = { issuer: string; jwksUri: string; audience: string };

/** The audience a development token is for: every service accepts it. */
export const DEVELOPMENT_AUDIENCE = 'kundval';
/** A service's own audience at the identity provider (a resource indicator, RFC 8707): a token for orders is not good at billing. */
export const serviceAudience = (service: string): string => `urn:kundval:${service}`;
/** The algorithms the identity provider may sign with; HS256 only ever with the development secret. */
const PROVIDER_ALGORITHMS = ['RS256', 'PS256', 'ES256'];
/** Seconds of clock difference tolerated between the issuer and a service. */
const CLOCK_TOLERANCE_SECONDS = 30;

const key = (secret: string) => new TextEncoder().encode(secret);
const isProvider = (settings: TokenSettings): settings is IdentityProviderSettings => 'jwksUri' in settings;

/** Mints a development (HS256) token: `npm start`, the tests and the worker in development. */
export async function issueToken(settings: DevelopmentTokenSettings, principal: Principal, ttlSeconds = 8 * 3600): Promise<string> {
  const claims = Principal.parse(principal);
  if (claims.onBehalfOf && claims.role !== 'system') throw new Error('Only a system token acts on behalf of a person.');
  return new SignJWT({
    role: claims.role,
    providerId: claims.providerId,
    customerId: claims.customerId,
    municipality: claims.municipality,
    onBehalfOf: claims.onBehalfOf,
    ...(claims.scopes ? { scope: claims.scopes.join(' '), client_id: claims.sub } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(DEVELOPMENT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(settings.secret));
}

// One key set per provider URL: jose caches the keys and refetches them when a token names an unknown key id (rotation).
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function providerKeys(jwksUri: string): ReturnType<typeof createRemoteJWKSet> {
  let keys = keySets.get(jwksUri);
  if (!keys) keySets.set(jwksUri, (keys = createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })));
  return keys;
}

export async function verifyToken(settings: TokenSettings, token: string): Promise<Principal> {
  return principalOf(await verifiedClaims(settings, token));
}

/** How long a verified token is trusted without checking its signature again, at most (and never past its `exp`). */
const VERIFIED_TOKEN_TTL_MS = 60_000;
/** How many verified tokens a service remembers: the tokens in use in a minute, far more than any deployment has. */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * {@link verifyToken} with a memory of the tokens it verified (ADR 0048): a client sends the same
 * bearer token with every request, and checking its signature again each time was a tenth of the
 * visit report's CPU. The cache is keyed by the whole token string, signature included, so a token
 * differing in any byte (another signature, other claims) is verified afresh; only successes are
 * kept, for at most a minute and never past the token's `exp` (past it, the token is verified again
 * and refused as jose refuses it, clock tolerance included). A minute is well inside the ten minutes
 * a removed signing key stays in jose's JWKS cache anyway. One cache per verifier, so per settings.
 */
export function tokenVerifier(settings: TokenSettings, options: { ttlMs?: number; max?: number; now?: () => number } = {}): (token: string) => Promise<Principal> {
  const now = options.now ?? Date.now;
  const verified = new LRUCache<string, { principal: Principal; expiresAtMs: number }>({ max: options.max ?? VERIFIED_TOKEN_CACHE_SIZE });
  const ttlMs = options.ttlMs ?? VERIFIED_TOKEN_TTL_MS;
  return async (token) => {
    const at = now();
    const hit = verified.get(token);
    if (hit && at < hit.expiresAtMs) return hit.principal;
    const claims = await verifiedClaims(settings, token, new Date(at));
    const principal = deepFreeze(principalOf(claims));
    // `exp` is required, so always there; trusted until the earlier of it and the cache's own limit.
    verified.set(token, { principal, expiresAtMs: Math.min(claims.exp! * 1000, at + ttlMs) });
    return principal;
  };
}

/** A cached principal is shared by every request with its token: frozen, so none can change it for the others. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The claims of a token whose signature, issuer, audience and times hold; refused with `AUTH.*` otherwise. */
async function verifiedClaims(settings: TokenSettings, token: string, currentDate?: Date): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    // A token without an expiry would be good for ever: `exp` (and who and when) must be there.
    const required = { requiredClaims: ['exp', 'iat', 'sub'], clockTolerance: CLOCK_TOLERANCE_SECONDS, ...(currentDate ? { currentDate } : {}) };
    ({ payload } = isProvider(settings)
      ? await jwtVerify(token, providerKeys(settings.jwksUri), { issuer: settings.issuer, audience: settings.audience, algorithms: PROVIDER_ALGORITHMS, ...required })
      : await jwtVerify(token, key(settings.secret), { issuer: settings.issuer, audience: DEVELOPMENT_AUDIENCE, algorithms: ['HS256'], ...required }));
  } catch (err) {
    const expired = err instanceof joseErrors.JWTExpired;
    throw new AppError('unauthenticated', expired ? 'AUTH.TOKEN_EXPIRED' : 'AUTH.BAD_TOKEN', expired ? 'The token has expired.' : 'The token is not valid.');
  }
  return payload;
}

/**
 * The principal a verified token's claims name. A machine's token (client credentials: the subject
 * is the client's own id) brings its scopes; a person's token does not need them (its role and the
 * records' scoping hold the person).
 */
function principalOf(payload: JWTPayload): Principal {
  const machine = typeof payload['client_id'] === 'string' && payload['client_id'] === payload.sub;
  const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
  const principal = Principal.safeParse({
    sub: payload.sub,
    role: payload['role'],
    providerId: payload['providerId'],
    customerId: payload['customerId'],
    municipality: payload['municipality'],
    onBehalfOf: payload['onBehalfOf'],
    ...(machine ? { scopes: scope.split(' ').filter(Boolean) } : {}),
  });
  if (!principal.success) throw new AppError('unauthenticated', 'AUTH.BAD_CLAIMS', 'The token does not carry valid claims.');
  // Acting on behalf of someone is the journey worker's alone (ADR 0022): a person's token that
  // names another person is refused, not read as theirs.
  if (principal.data.onBehalfOf && principal.data.role !== 'system') {
    throw new AppError('unauthenticated', 'AUTH.BAD_CLAIMS', 'Only a system token may act on behalf of a person.');
  }
  return principal.data;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The scope a machine's token needs for this route, when it is not the service's default
     * (`<service>:read` for GET, `<service>:write` for commands): e.g. `billing:pay` for payment files.
     */
    scope?: string;
  }
}

const READ_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/** The scope a route needs of a machine's token: its own `config.scope`, or `<service>:read` / `<service>:write` by method. */
export function routeScope(service: string, method: string, declared?: string): string {
  return declared ?? `${service}:${READ_METHODS.includes(method.toUpperCase()) ? 'read' : 'write'}`;
}

/**
 * The one place scopes are checked: a machine's token must carry the route's scope (least
 * privilege per integration: the case system may import decisions, not pay). A person's token has no
 * scopes; their role and the records' scoping hold them.
 */
export function assertScope(principal: Principal, scope: string): void {
  if (principal.scopes && !principal.scopes.includes(scope)) {
    throw forbidden(`The client ${principal.sub} lacks the scope ${scope} for this endpoint.`);
  }
}

/** Gives a bearer token for one command: the worker's own, or one that names the person it acts for (ADR 0022). */
export type TokenSource = (onBehalfOf?: OnBehalfOf) => Promise<string>;

/**
 * The identity provider's token endpoint and a machine client's credentials, for the client-credentials
 * grant: a private key (`private_key_jwt`, RFC 7523: the client signs a short assertion, and the
 * provider holds only its public key, so nothing the provider stores lets anyone act as the client)
 * or a shared secret (`client_secret_basic`).
 */
export type ClientCredentials = { tokenUrl: string; clientId: string; audience: string; scopes: readonly string[] } & (
  | { privateKey: JWK; clientSecret?: undefined }
  | { clientSecret: string; privateKey?: undefined }
);

/** The client's assertion for one token request (RFC 7523 §2.2): its own id as issuer and subject, the token endpoint as audience, one minute, used once. */
export async function clientAssertion(clientId: string, tokenUrl: string, privateKey: JWK): Promise<string> {
  const alg = privateKey.alg ?? 'ES256';
  return new SignJWT({})
    .setProtectedHeader({ alg, ...(privateKey.kid ? { kid: privateKey.kid } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setIssuedAt()
    .setExpirationTime('60s')
    .setJti(randomUUID())
    .sign(await importJWK(privateKey, alg));
}

/**
 * The tokens a machine (the journey worker, an integration) sends to one service. In development it
 * mints its own (`sub`, `system`) with the shared secret; with the identity provider it asks for them
 * with the client-credentials grant (RFC 6749 §4.4) for the service's audience (RFC 8707) and only the
 * scopes it was given, and reuses one until a minute before it expires. A token acting for a person
 * is asked for each time (`on_behalf_of`), for five minutes, and only the worker's client may ask.
 */
export function machineTokens(source: { secret: string; issuer: string; subject: string } | ClientCredentials, fetcher: typeof fetch = fetch): TokenSource {
  let cached: { value: string; expires: number } | undefined;
  const fresh = (c?: { expires: number }) => c !== undefined && c.expires > Date.now() + 60_000;
  if ('secret' in source) {
    const settings = { secret: source.secret, issuer: source.issuer };
    return async (onBehalfOf) => {
      if (onBehalfOf) return issueToken(settings, { sub: source.subject, role: 'system', onBehalfOf }, 300);
      if (!fresh(cached)) cached = { value: await issueToken(settings, { sub: source.subject, role: 'system' }, 3600), expires: Date.now() + 3600_000 };
      return cached!.value;
    };
  }
  const ask = async (onBehalfOf?: OnBehalfOf) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', resource: source.audience, scope: source.scopes.join(' ') });
    if (onBehalfOf) form.set('on_behalf_of', JSON.stringify(onBehalfOf));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (source.privateKey) {
      form.set('client_id', source.clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', await clientAssertion(source.clientId, source.tokenUrl, source.privateKey));
    } else {
      headers['authorization'] = `Basic ${Buffer.from(`${encodeURIComponent(source.clientId)}:${encodeURIComponent(source.clientSecret)}`).toString('base64')}`;
    }
    const response = await fetcher(source.tokenUrl, {
      method: 'POST',
      headers,
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!response.ok || typeof body.access_token !== 'string') {
      throw new Error(`The identity provider refused ${source.clientId} a token for ${source.audience}: ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
    }
    return { value: body.access_token, expires: Date.now() + (body.expires_in ?? 300) * 1000 };
  };
  return async (onBehalfOf) => {
    if (onBehalfOf) return (await ask(onBehalfOf)).value;
    if (!fresh(cached)) cached = await ask();
    return cached!.value;
  };
}

export type { Role };

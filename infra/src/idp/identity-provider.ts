import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { freePort } from '../ports.js';

/**
 * A real OpenID Connect provider (the certified `oidc-provider`, ADR 0032) standing in for the
 * municipality's identity provider on a developer's machine and in tests. It signs RS256 JWT access
 * tokens with a key only it holds and publishes the public half at `/jwks`, where the services
 * verify them; each service is its own audience (a resource indicator, RFC 8707, `urn:kundval:<service>`).
 *
 * - Machines (the journey worker, integrations such as the case system) use the client-credentials
 *   grant and get only the scopes their client was given, at one service per token. The worker's
 *   client alone may ask for a token that acts on behalf of a person (`on_behalf_of`, ADR 0022).
 * - People sign in with the authorization-code grant and PKCE through the console's public client;
 *   here the sign-in page lists the configured people (a development login, no password), and
 *   `personToken` drives that same flow over HTTP for tools and tests.
 */

/** A machine client and what it may do. */
export type IdpClient = {
  clientId: string;
  /** Its shared secret (`client_secret_basic`), unless it authenticates with its key (`jwks`). */
  clientSecret?: string;
  /** The public half of its signing key: it authenticates with `private_key_jwt` (RFC 7523), and the provider holds no secret of it. */
  jwks?: { keys: JsonWebKey[] };
  /** The platform's role its tokens carry (`system` for the worker; an integration's own role). */
  role: string;
  /** Every scope it may ask for, at any service (`decisions:import`, `orders:read`, …). */
  scopes: readonly string[];
  /** Claims its tokens carry besides the role (a provider's system: `providerId`). */
  claims?: Record<string, string>;
  /** Whether it may ask for tokens acting on behalf of a person: the journey worker's client only. */
  actsOnBehalf?: boolean;
};

/** A person who can sign in, and the platform's claims of their tokens. */
export type IdpPerson = { sub: string; role: string; providerId?: string; customerId?: string; /** Their municipality, when not the provider's own (`municipality`). */ municipality?: string };

export type IdentityProviderOptions = {
  /** The services whose audiences tokens may be for. */
  services: readonly string[];
  clients: readonly IdpClient[];
  people?: readonly IdpPerson[];
  municipality?: string;
  port?: number;
  /** Where the signing key is kept across restarts (`npm start`); a fresh key each start when omitted. */
  keyFile?: string;
  /** Scopes the services' routes declare besides `<service>:read` and `:write` (`decisions:import`, `billing:pay`): known, so that asking for one is answered. */
  scopes?: readonly string[];
  /** Where the console may be sent back with a code after sign-in. */
  consoleRedirectUris?: readonly string[];
  /** Where the console may have the provider send a person after signing out. */
  consolePostLogoutRedirectUris?: readonly string[];
  /**
   * Lets a local tool add people to the directory over HTTP (`POST /directory/people` with this as
   * bearer), as an administrator would: `npm run demo` enrols the citizens it creates. Off when unset.
   */
  directoryKey?: string;
  /** Seconds a machine's token lives: ten minutes by default (the worker asks again a minute before expiry). */
  accessTokenTtlSeconds?: number;
  /** Seconds a person's access token lives: five minutes by default; the console renews it with the refresh token (ADR 0037). */
  personAccessTokenTtlSeconds?: number;
};

export interface IdentityProvider {
  /** The issuer (`iss`) of every token, also the base of discovery (`/.well-known/openid-configuration`). */
  issuer: string;
  jwksUri: string;
  tokenUrl: string;
  /** The audience of a service's tokens. */
  audience(service: string): string;
  /** Adds a person to the directory (as an administrator would), so that they can sign in. */
  enrol(person: IdpPerson): void;
  /** A person's token for one service, through the console's authorization code + PKCE flow. */
  personToken(sub: string, service: string): Promise<string>;
  stop(): Promise<void>;
}

/** The console's public client: people sign in through it (authorization code + PKCE, no secret). */
export const CONSOLE_CLIENT_ID = 'kundval-console';
const CONSOLE_REDIRECT_URI = 'http://127.0.0.1/kundval-token';
const ON_BEHALF_OF = 'on_behalf_of';
export const idpAudience = (service: string): string => `urn:kundval:${service}`;

export async function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const audiences = new Map(options.services.map((s) => [idpAudience(s), s]));
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  const people = new Map((options.people ?? []).map((p) => [p.sub, p]));
  const municipality = options.municipality ?? 'nacka';
  const ttl = options.accessTokenTtlSeconds ?? 600;
  const personTtl = options.personAccessTokenTtlSeconds ?? 300;
  const allScopes = [...new Set(options.services.flatMap((s) => [`${s}:read`, `${s}:write`]).concat(options.scopes ?? [], options.clients.flatMap((c) => c.scopes)))];
  /** The scopes a service knows: its own prefix. */
  const scopesAt = (service: string) => allScopes.filter((s) => s.startsWith(`${service}:`));

  const configuration: Configuration = {
    clients: [
      ...options.clients.map((c) => ({
        client_id: c.clientId,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: c.scopes.join(' '),
        ...(c.jwks
          ? { token_endpoint_auth_method: 'private_key_jwt' as const, token_endpoint_auth_signing_alg: 'ES256' as const, jwks: c.jwks as unknown as ClientMetadata['jwks'] }
          : { token_endpoint_auth_method: 'client_secret_basic' as const, client_secret: c.clientSecret! }),
      })),
      {
        client_id: CONSOLE_CLIENT_ID,
        token_endpoint_auth_method: 'none' as const,
        // The refresh token gets the console a token for each service from one sign-in, and is revoked at sign-out (ADR 0037).
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code' as const],
        // The console's own address, and the one `personToken` ends on (it never loads it).
        redirect_uris: [CONSOLE_REDIRECT_URI, ...(options.consoleRedirectUris ?? [])],
        post_logout_redirect_uris: [...(options.consolePostLogoutRedirectUris ?? [])],
      },
    ],
    jwks: { keys: [await signingKey(options.keyFile)] },
    scopes: ['openid', ...allScopes],
    claims: { openid: ['sub'] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    // A person's session, grant and refresh token last a working day; their access tokens minutes (`personTtl`).
    ttl: { AccessToken: personTtl, ClientCredentials: ttl, AuthorizationCode: 60, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600, IdToken: 3600, RefreshToken: 8 * 3600 },
    // The console's refresh token needs no `offline_access`: it ends with the person's session at the provider.
    issueRefreshToken: async (_ctx, client) => client.clientId === CONSOLE_CLIENT_ID && client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 7009: the console revokes a person's refresh token when they sign out.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = signOutPage(form);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource, client) => {
          const service = audiences.get(resource);
          if (!service) throw new errors.InvalidTarget(`no service has the audience ${resource}`);
          // A machine gets tokens only for the services it has a scope at.
          const machine = clients.get(client.clientId);
          if (machine && !machine.scopes.some((s) => s.startsWith(`${service}:`))) throw new errors.InvalidTarget(`${client.clientId} has no scope at ${service}`);
          return { scope: scopesAt(service).join(' '), audience: resource, accessTokenTTL: machine ? ttl : personTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    findAccount: async (_ctx, sub) => (people.has(sub) ? { accountId: sub, claims: async () => ({ sub }) } : undefined),
    // The platform's claims: who the token's holder is to the services (role, provider, customer, municipality).
    extraTokenClaims: async (ctx, token) => {
      const asked = (ctx as KoaContextWithOIDC & { state: { onBehalfOf?: string } }).state.onBehalfOf;
      if (token.kind === 'ClientCredentials') {
        const client = clients.get(token.clientId!)!;
        if (asked !== undefined && !client.actsOnBehalf) throw new errors.InvalidRequest(`${ON_BEHALF_OF} is not allowed for ${client.clientId}`);
        return { role: client.role, municipality, ...client.claims, ...(asked === undefined ? {} : { onBehalfOf: parseOnBehalfOf(asked) }) };
      }
      const person = people.get((token as { accountId?: string }).accountId ?? '');
      if (!person) return undefined;
      return { role: person.role, municipality: person.municipality ?? municipality, ...(person.providerId ? { providerId: person.providerId } : {}), ...(person.customerId ? { customerId: person.customerId } : {}) };
    },
    // The console is the platform's own client: a person who signed in has consented to it, so its
    // grant (the services as audiences, no machine scopes) is made here rather than asked for.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (ctx.oidc.client!.clientId !== CONSOLE_CLIENT_ID || !ctx.oidc.session!.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: CONSOLE_CLIENT_ID, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope('openid');
      for (const audience of audiences.keys()) grant.addResourceScope(audience, 'openid');
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  provider.use(async (ctx, next) => {
    // `on_behalf_of` is not a parameter of the client-credentials grant: take it off the body before
    // the provider parses it, for `extraTokenClaims` to read.
    if (ctx.method === 'POST' && ctx.path === '/token' && ctx.is('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(await readBody(ctx.req));
      const asked = form.get(ON_BEHALF_OF);
      form.delete(ON_BEHALF_OF);
      if (asked !== null) (ctx.state as { onBehalfOf?: string }).onBehalfOf = asked;
      (ctx.req as typeof ctx.req & { body?: Record<string, string> }).body = Object.fromEntries(form);
    }
    if (ctx.method === 'POST' && ctx.path === DIRECTORY_PATH) {
      const given = ctx.get('authorization');
      if (!options.directoryKey || given !== `Bearer ${options.directoryKey}`) {
        ctx.status = 401;
        ctx.body = { error: 'unauthorized', error_description: 'The directory takes people from its key holder only.' };
        return undefined;
      }
      const person = parsePerson(await readBody(ctx.req));
      if (!person) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_request', error_description: 'A person is { sub, role, providerId?, customerId? }, all strings.' };
        return undefined;
      }
      people.set(person.sub, person);
      ctx.status = 204;
      return undefined;
    }
    const interaction = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
    if (!interaction) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = signInPage(details.uid, [...people.values()]);
      return undefined;
    }
    const sub = new URLSearchParams(await readBody(ctx.req)).get('sub') ?? '';
    if (!people.has(sub)) {
      ctx.status = 400;
      ctx.body = { error: 'unknown_person', error_description: `No one here signs in as ${sub}.` };
      return undefined;
    }
    const to = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    ctx.redirect(to);
    return undefined;
  });

  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  const tokenUrl = `${issuer}/token`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenUrl,
    audience: idpAudience,
    enrol: (person) => void people.set(person.sub, person),
    personToken: (sub, service) => signInThroughConsole(issuer, sub, service),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const DIRECTORY_PATH = '/directory/people';

function parsePerson(text: string): IdpPerson | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const { sub, role, providerId, customerId } = value as Record<string, unknown>;
  const optional = (v: unknown) => v === undefined || (typeof v === 'string' && v.length > 0);
  if (typeof sub !== 'string' || !sub || typeof role !== 'string' || !role || !optional(providerId) || !optional(customerId)) return undefined;
  return { sub, role, ...(typeof providerId === 'string' ? { providerId } : {}), ...(typeof customerId === 'string' ? { customerId } : {}) };
}

/** Adds a person to a running local provider's directory over HTTP (`directoryKey`), as `enrol` does in its process. */
export async function enrolThroughDirectory(issuer: string, directoryKey: string, person: IdpPerson): Promise<void> {
  const response = await fetch(new URL(DIRECTORY_PATH, issuer), { method: 'POST', headers: { authorization: `Bearer ${directoryKey}`, 'content-type': 'application/json' }, body: JSON.stringify(person) });
  if (response.status !== 204) throw new Error(`The identity provider did not enrol ${person.sub}: ${response.status} ${await response.text()}`);
}

function parseOnBehalfOf(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new errors.InvalidRequest(`${ON_BEHALF_OF} is not JSON`);
  }
  // The services check it fully (the contracts' OnBehalfOf schema); here only its shape.
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as { sub?: unknown }).sub !== 'string' || typeof (parsed as { role?: unknown }).role !== 'string') {
    throw new errors.InvalidRequest(`${ON_BEHALF_OF} must name a person's sub and role`);
  }
  return parsed as Record<string, unknown>;
}

async function readBody(req: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new errors.InvalidRequest('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The development sign-in: choose who you are (there is no password: this provider runs only on a developer's machine and in tests). */
function signInPage(uid: string, people: IdpPerson[]): string {
  const options = people.map((p) => `<option value="${escapeHtml(p.sub)}">${escapeHtml(p.sub)} (${escapeHtml(p.role)})</option>`).join('');
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Kundval — logga in (utveckling)</title></head><body>
<h1>Logga in (utvecklingens identitetsleverantör)</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}"><label>Person <select name="sub">${options}</select></label> <button type="submit">Logga in</button></form>
</body></html>`;
}

/** The provider's sign-out confirmation (oidc-provider's form, posted back to it), without the default page's external font. */
function signOutPage(form: string): string {
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Kundval — logga ut</title></head><body>
<h1>Logga ut från identitetsleverantören?</h1>
${form}
<button id="sign-out-yes" type="submit" form="op.logoutForm" value="yes" name="logout">Ja, logga ut</button>
<button type="submit" form="op.logoutForm">Nej</button>
</body></html>`;
}

/** The RSA key the provider signs with, kept in `keyFile` when given so tokens survive a restart. */
async function signingKey(keyFile: string | undefined): Promise<JsonWebKey> {
  if (keyFile && existsSync(keyFile)) return JSON.parse(await readFile(keyFile, 'utf8')) as JsonWebKey;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
  if (keyFile) {
    await mkdir(dirname(keyFile), { recursive: true });
    await writeFile(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}

/**
 * Signs a person in through the console's client of the provider at `issuer`, as a browser would:
 * the authorization request with a PKCE challenge, the sign-in page's form, the redirects with the
 * provider's cookies, and the code exchanged (with the verifier) for a token for one service.
 */
export async function signInThroughConsole(issuer: string, sub: string, service: string): Promise<string> {
  const audience = idpAudience(service);
  const { createHash } = await import('node:crypto');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const cookies = new Map<string, string>();
  const redirectUri = CONSOLE_REDIRECT_URI;
  const go = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(new URL(url, issuer), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  };
  const authorize = new URL('/auth', issuer);
  for (const [k, v] of Object.entries({ client_id: CONSOLE_CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', resource: audience, state: randomBytes(8).toString('hex') })) {
    authorize.searchParams.set(k, v);
  }
  let response = await go(authorize.href);
  let location = response.headers.get('location');
  const interaction = location && /^\/interaction\/([\w-]+)$/.exec(location);
  if (!interaction) throw new Error(`Signing in did not reach the sign-in page: ${response.status} ${location ?? (await response.text())}`);
  response = await go(location!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sub }).toString() });
  location = response.headers.get('location');
  // Back to the authorization endpoint, which now answers the redirect to the console with a code.
  for (let hops = 0; location && !location.startsWith(redirectUri) && hops < 5; hops++) {
    response = await go(location);
    location = response.headers.get('location');
  }
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (!code) throw new Error(`Signing in as ${sub} gave no code: ${response.status} ${location ?? (await response.text())}`);
  const token = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: CONSOLE_CLIENT_ID, code_verifier: verifier, resource: audience }),
  });
  const body = (await token.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token) throw new Error(`The code for ${sub} gave no token: ${token.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
  return body.access_token;
}

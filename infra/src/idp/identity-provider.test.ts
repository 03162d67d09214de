import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, exportJWK, jwtVerify, type KeyObject } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolThroughDirectory, startIdentityProvider, type IdentityProvider } from './identity-provider.js';

/** The identity provider itself, against its own published keys: what a service will check of its tokens. */
describe('the local identity provider (oidc-provider)', () => {
  let idp: IdentityProvider;
  const keyed = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  beforeAll(async () => {
    idp = await startIdentityProvider({
      services: ['decisions', 'orders', 'billing'],
      clients: [
        { clientId: 'kundval-worker', clientSecret: 'worker-secret', role: 'system', scopes: ['decisions:read', 'decisions:write', 'orders:read', 'orders:write'], actsOnBehalf: true },
        { clientId: 'case-system', clientSecret: 'case-secret', role: 'case-handler', scopes: ['decisions:import'] },
        { clientId: 'keyed-worker', jwks: { keys: [{ ...(await exportJWK(keyed.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }, role: 'system', scopes: ['orders:read'] },
      ],
      people: [{ sub: 'handler-1', role: 'case-handler' }, { sub: 'citizen-c-1', role: 'citizen', customerId: 'c-1' }],
      directoryKey: 'the-directory-key',
    });
  });
  afterAll(async () => idp.stop());

  const clientCredentials = (client: string, secret: string, form: Record<string, string>) =>
    fetch(idp.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
    });
  const verify = async (token: string, service: string) =>
    (await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { issuer: idp.issuer, audience: idp.audience(service) })).payload;

  it("gives a machine an RS256 token for one service's audience with only the scopes it asked for and was given", async () => {
    const response = await clientCredentials('case-system', 'case-secret', { resource: idp.audience('decisions'), scope: 'decisions:import' });
    expect(response.status).toBe(200);
    const { access_token: token, expires_in: expiresIn } = (await response.json()) as { access_token: string; expires_in: number };
    expect(decodeProtectedHeader(token).alg).toBe('RS256');
    expect(expiresIn).toBe(600);
    expect(await verify(token, 'decisions')).toMatchObject({ sub: 'case-system', client_id: 'case-system', role: 'case-handler', municipality: 'nacka', scope: 'decisions:import', aud: 'urn:kundval:decisions' });
    await expect(verify(token, 'billing')).rejects.toThrow(/aud/);
  });

  it('refuses a scope the client was not given, and a wrong secret', async () => {
    const refused = await clientCredentials('case-system', 'case-secret', { resource: idp.audience('decisions'), scope: 'decisions:write' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_scope');
    // Not even a token for a service where it has no scope at all.
    const elsewhere = await clientCredentials('case-system', 'case-secret', { resource: idp.audience('orders'), scope: 'orders:read' });
    expect(((await elsewhere.json()) as { error: string }).error).toBe('invalid_target');
    expect((await clientCredentials('case-system', 'wrong', { resource: idp.audience('decisions'), scope: 'decisions:import' })).status).toBe(401);
  });

  it('authenticates a client by its private key (private_key_jwt): a signed assertion, never a secret; another key is refused', async () => {
    const assertion = (key: KeyObject, audience = idp.tokenUrl) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('keyed-worker').setSubject('keyed-worker').setAudience(audience).setIssuedAt().setExpirationTime('60s').setJti(randomUUID()).sign(key);
    const ask = async (key: KeyObject) =>
      fetch(idp.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: idp.audience('orders'), scope: 'orders:read', client_id: 'keyed-worker', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(key) }),
      });
    const granted = await ask(keyed.privateKey);
    expect(granted.status).toBe(200);
    expect(await verify(((await granted.json()) as { access_token: string }).access_token, 'orders')).toMatchObject({ sub: 'keyed-worker', role: 'system', scope: 'orders:read' });
    const refused = await ask(stranger.privateKey);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_client');
    // Nor with a secret: it has none.
    expect((await clientCredentials('keyed-worker', 'anything', { resource: idp.audience('orders'), scope: 'orders:read' })).status).toBe(401);
  });

  it("lets only the worker's client ask for a token on behalf of a person", async () => {
    const onBehalfOf = JSON.stringify({ sub: 'handler-1', role: 'case-handler' });
    const worker = await clientCredentials('kundval-worker', 'worker-secret', { resource: idp.audience('orders'), scope: 'orders:write', on_behalf_of: onBehalfOf });
    expect(worker.status).toBe(200);
    expect(await verify(((await worker.json()) as { access_token: string }).access_token, 'orders')).toMatchObject({ sub: 'kundval-worker', role: 'system', onBehalfOf: { sub: 'handler-1', role: 'case-handler' } });
    const other = await clientCredentials('case-system', 'case-secret', { resource: idp.audience('decisions'), scope: 'decisions:import', on_behalf_of: onBehalfOf });
    expect(other.status).toBe(400);
  });

  it('signs a person in through the console (authorization code + PKCE) and gives a token with their claims and no machine scopes', async () => {
    const payload = await verify(await idp.personToken('citizen-c-1', 'orders'), 'orders');
    expect(payload).toMatchObject({ sub: 'citizen-c-1', role: 'citizen', customerId: 'c-1', municipality: 'nacka', client_id: 'kundval-console', aud: 'urn:kundval:orders' });
    expect(String(payload['scope'] ?? '')).not.toMatch(/orders:/);
    await expect(idp.personToken('nobody', 'orders')).rejects.toThrow();
  });

  it('enrols a person over HTTP for the holder of the directory key only, who can then sign in', async () => {
    await expect(enrolThroughDirectory(idp.issuer, 'not-the-key', { sub: 'citizen-c-2', role: 'citizen', customerId: 'c-2' })).rejects.toThrow(/401/);
    await expect(idp.personToken('citizen-c-2', 'orders')).rejects.toThrow();
    await enrolThroughDirectory(idp.issuer, 'the-directory-key', { sub: 'citizen-c-2', role: 'citizen', customerId: 'c-2' });
    expect(await verify(await idp.personToken('citizen-c-2', 'orders'), 'orders')).toMatchObject({ sub: 'citizen-c-2', role: 'citizen', customerId: 'c-2' });
  });
});

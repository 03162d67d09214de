import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { assertScope, issueToken, routeScope, tokenVerifier, verifyToken } from './auth.js';
import type { Principal } from '@kundval/contracts';
import { AppError } from './errors.js';

const settings = { secret: 'a-test-secret-of-at-least-32-characters', issuer: 'kundval-test' };
const key = new TextEncoder().encode(settings.secret);

async function codeOf(token: string): Promise<string> {
  try {
    await verifyToken(settings, token);
    return 'accepted';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

describe('bearer tokens', () => {
  it('accepts a token it issued and reads its claims', async () => {
    const token = await issueToken(settings, { sub: 'ann', role: 'provider', providerId: 'stor-omsorg' });
    expect(await verifyToken(settings, token)).toMatchObject({ sub: 'ann', role: 'provider', providerId: 'stor-omsorg' });
  });

  it('refuses a correctly signed token without an expiry, which would otherwise be good for ever', async () => {
    const token = await new SignJWT({ role: 'system' }).setProtectedHeader({ alg: 'HS256' }).setSubject('forever').setIssuer(settings.issuer).setAudience('kundval').setIssuedAt().sign(key);
    expect(await codeOf(token)).toBe('AUTH.BAD_TOKEN');
  });

  it('refuses an expired token as expired, allowing 30 seconds of clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (exp: number) => new SignJWT({ role: 'operator' }).setProtectedHeader({ alg: 'HS256' }).setSubject('op').setIssuer(settings.issuer).setAudience('kundval').setIssuedAt(now - 3600).setExpirationTime(exp).sign(key);
    expect(await codeOf(await signed(now - 120))).toBe('AUTH.TOKEN_EXPIRED');
    expect(await codeOf(await signed(now - 10))).toBe('accepted');
  });

  it('refuses a token of another issuer or audience', async () => {
    expect(await codeOf(await issueToken({ ...settings, issuer: 'someone-else' }, { sub: 'x', role: 'operator' }))).toBe('AUTH.BAD_TOKEN');
    const otherAudience = await new SignJWT({ role: 'operator' }).setProtectedHeader({ alg: 'HS256' }).setSubject('op').setIssuer(settings.issuer).setAudience('elsewhere').setIssuedAt().setExpirationTime('1h').sign(key);
    expect(await codeOf(otherAudience)).toBe('AUTH.BAD_TOKEN');
  });
});

describe('the verifier that remembers verified tokens (ADR 0048)', () => {
  const T = Date.parse('2026-12-07T14:00:00Z');
  const at = (ms: number) => () => ms;
  const signedAt = (secret: string, iat: number, exp: number) =>
    new SignJWT({ role: 'provider', providerId: 'stor-omsorg' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setIssuer(settings.issuer).setAudience('kundval').setIssuedAt(iat).setExpirationTime(exp).sign(new TextEncoder().encode(secret));
  async function codeWith(verify: (token: string) => Promise<unknown>, token: string): Promise<string> {
    try {
      await verify(token);
      return 'accepted';
    } catch (err) {
      if (err instanceof AppError) return err.code;
      throw err;
    }
  }

  it('answers the principal verifyToken reads, frozen, the same for every request that sends the token', async () => {
    const token = await issueToken(settings, { sub: 'w', role: 'system', onBehalfOf: { sub: 'op-7', role: 'operator' } });
    const verify = tokenVerifier(settings);
    const first = await verify(token);
    expect(first).toEqual(await verifyToken(settings, token));
    expect(await verify(token)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.onBehalfOf)).toBe(true);
  });

  it('still refuses a remembered token once it has expired, as expired, with the same 30 seconds of skew', async () => {
    let now = T;
    const verify = tokenVerifier(settings, { now: () => now, ttlMs: 3600_000 });
    const token = await signedAt(settings.secret, T / 1000 - 60, T / 1000 + 60);
    expect(await codeWith(verify, token)).toBe('accepted');
    now = T + 59_000;
    expect(await codeWith(verify, token)).toBe('accepted');
    now = T + 60_000 + 20_000;
    expect(await codeWith(verify, token), 'past exp, verified afresh: inside the tolerance').toBe('accepted');
    now = T + 60_000 + 31_000;
    expect(await codeWith(verify, token)).toBe('AUTH.TOKEN_EXPIRED');
    expect(await codeWith(tokenVerifier(settings, { now: at(T + 91_000) }), token), 'as a verifier that never saw it').toBe('AUTH.TOKEN_EXPIRED');
  });

  it('refuses a token with the same claims signed with another key, or with its signature changed, after verifying the genuine one', async () => {
    const verify = tokenVerifier(settings, { now: at(T) });
    const genuine = await signedAt(settings.secret, T / 1000, T / 1000 + 3600);
    expect(await codeWith(verify, genuine)).toBe('accepted');
    const forged = await signedAt('another-secret-of-at-least-32-characters', T / 1000, T / 1000 + 3600);
    expect(forged.split('.').slice(0, 2)).toEqual(genuine.split('.').slice(0, 2));
    expect(await codeWith(verify, forged)).toBe('AUTH.BAD_TOKEN');
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await codeWith(verify, flipped)).toBe('AUTH.BAD_TOKEN');
    expect(await codeWith(verify, genuine)).toBe('accepted');
  });

  it('does not let one settings\' verifier accept what another verified: a token of another issuer secret stays refused', async () => {
    const other = { secret: 'another-secret-of-at-least-32-characters', issuer: settings.issuer };
    const token = await issueToken(other, { sub: 'x', role: 'operator' });
    expect(await codeWith(tokenVerifier(other), token)).toBe('accepted');
    expect(await codeWith(tokenVerifier(settings), token)).toBe('AUTH.BAD_TOKEN');
  });
});

describe('tokens acting on behalf of a person (ADR 0022)', () => {
  const person = { sub: 'operator-7', role: 'operator' } as const;
  const signed = (claims: Record<string, unknown>, sub: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(settings.issuer).setAudience('kundval').setIssuedAt().setExpirationTime('1h').sign(key);

  it("carries the person in the worker's system token, and verifies it back", async () => {
    const token = await issueToken(settings, { sub: 'journey-worker', role: 'system', onBehalfOf: person });
    expect(await verifyToken(settings, token)).toEqual({ sub: 'journey-worker', role: 'system', onBehalfOf: person });
  });

  it("refuses a person's token that claims to act for someone else: only the system acts on behalf", async () => {
    expect(await codeOf(await signed({ role: 'citizen', customerId: 'c-1', onBehalfOf: { sub: 'c-2', role: 'citizen', customerId: 'c-2' } }, 'c-1'))).toBe('AUTH.BAD_CLAIMS');
    await expect(issueToken(settings, { sub: 'c-1', role: 'citizen', onBehalfOf: person })).rejects.toThrow(/Only a system token/);
  });

  it('refuses acting on behalf of the system, or of a subject that is an identity number', async () => {
    expect(await codeOf(await signed({ role: 'system', onBehalfOf: { sub: 'x', role: 'system' } }, 'journey-worker'))).toBe('AUTH.BAD_CLAIMS');
    expect(await codeOf(await signed({ role: 'system', onBehalfOf: { sub: '19121212-1212', role: 'citizen' } }, 'journey-worker'))).toBe('AUTH.BAD_CLAIMS');
  });
});

describe("a machine's scopes (ADR 0032)", () => {
  it('reads the scopes of a client-credentials token, whose subject is its client id, and none of a person', async () => {
    const machine = await issueToken(settings, { sub: 'case-system', role: 'case-handler', scopes: ['decisions:import', 'decisions:read'] });
    expect(await verifyToken(settings, machine)).toEqual({ sub: 'case-system', role: 'case-handler', scopes: ['decisions:import', 'decisions:read'] });
    // A person's token that carries a scope claim but names a client other than its subject is a person's: no scopes.
    const person = await new SignJWT({ role: 'operator', scope: 'openid billing:pay', client_id: 'kundval-console' }).setProtectedHeader({ alg: 'HS256' }).setSubject('op-1').setIssuer(settings.issuer).setAudience('kundval').setIssuedAt().setExpirationTime('1h').sign(key);
    expect(await verifyToken(settings, person)).toEqual({ sub: 'op-1', role: 'operator' });
  });

  it("needs the route's scope of a machine, read for GET and write for commands unless the route names its own", () => {
    expect(routeScope('orders', 'GET')).toBe('orders:read');
    expect(routeScope('orders', 'POST')).toBe('orders:write');
    expect(routeScope('billing', 'POST', 'billing:pay')).toBe('billing:pay');
    const caseSystem: Principal = { sub: 'case-system', role: 'case-handler', scopes: ['decisions:import'] };
    expect(() => assertScope(caseSystem, 'decisions:import')).not.toThrow();
    expect(() => assertScope(caseSystem, 'billing:pay')).toThrow(/lacks the scope billing:pay/);
    // A person has no scopes to check: their role and the records' scoping hold them.
    expect(() => assertScope({ sub: 'op-1', role: 'operator' }, 'billing:pay')).not.toThrow();
  });
});

import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from './auth.js';
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

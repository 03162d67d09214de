import { describe, expect, it } from 'vitest';
import { ConsoleConfig } from './config.js';
import { UnsealError, newSealingKey, sealer, sealingKeys } from './sealing.js';

const session = { refreshToken: 'rt-secret-value', accessTokens: { orders: { token: 'eyJ.access.token', expiresAt: 1 } } };
const baseConfig = { DECISIONS_URL: 'http://127.0.0.1:1', ORDERS_URL: 'http://127.0.0.1:1', BILLING_URL: 'http://127.0.0.1:1', WORKFLOWS_URL: 'http://127.0.0.1:1' };

describe('sealing what the session store holds (ADR 0043)', () => {
  it('stores a JWE (dir, A256GCM) naming its key, in which no token can be read, and opens it again', async () => {
    const [key] = sealingKeys([newSealingKey()]);
    const seal = sealer([key!]);
    const sealed = new TextDecoder().decode(await seal.seal(session, 'session.abc'));
    expect(sealed.split('.')).toHaveLength(5);
    const header = JSON.parse(Buffer.from(sealed.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toEqual({ alg: 'dir', enc: 'A256GCM', kid: key!.kid, kundval_key: 'session.abc' });
    expect(sealed).not.toContain('rt-secret-value');
    expect(sealed).not.toContain(Buffer.from('rt-secret-value').toString('base64url').slice(0, 12));
    expect(await seal.open(new TextEncoder().encode(sealed), 'session.abc')).toEqual(session);
  });

  it('rotates: the first key seals, every listed key opens, and a dropped key no longer opens what it sealed', async () => {
    const [oldText, newText] = [newSealingKey(), newSealingKey()];
    const before = sealer(sealingKeys([oldText]));
    const sealedBefore = await before.seal(session, 'k');
    const during = sealer(sealingKeys([newText, oldText]));
    expect(await during.open(sealedBefore, 'k')).toEqual(session);
    const sealedDuring = await during.seal(session, 'k');
    const kid = (bytes: Uint8Array) => (JSON.parse(Buffer.from(new TextDecoder().decode(bytes).split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    expect(kid(sealedDuring)).toBe(sealingKeys([newText])[0]!.kid);
    const after = sealer(sealingKeys([newText]));
    expect(await after.open(sealedDuring, 'k')).toEqual(session);
    await expect(after.open(sealedBefore, 'k')).rejects.toThrow(UnsealError);
  });

  it('binds a sealed value to its entry: copied under another session, or altered, it does not open', async () => {
    const seal = sealer(sealingKeys([newSealingKey()]));
    const sealed = await seal.seal(session, 'session.victim');
    await expect(seal.open(sealed, 'session.attacker')).rejects.toThrow('belongs to another entry');
    const text = new TextDecoder().decode(sealed).split('.');
    // The header says another entry: GCM's tag covers the header, so the change is found.
    const forgedHeader = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: JSON.parse(Buffer.from(text[0]!, 'base64url').toString()).kid, kundval_key: 'session.attacker' })).toString('base64url');
    await expect(seal.open(new TextEncoder().encode([forgedHeader, ...text.slice(1)].join('.')), 'session.attacker')).rejects.toThrow(UnsealError);
    const flipped = text[3]!.startsWith('A') ? `B${text[3]!.slice(1)}` : `A${text[3]!.slice(1)}`;
    await expect(seal.open(new TextEncoder().encode([...text.slice(0, 3), flipped, text[4]].join('.')), 'session.victim')).rejects.toThrow(UnsealError);
  });

  it('takes keys of 32 bytes only, and names the setting when one is not', () => {
    const parsed = ConsoleConfig.safeParse({ ...baseConfig, SESSION_SEALING_KEYS: `${newSealingKey()},${Buffer.alloc(16).toString('base64url')}` });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['SESSION_SEALING_KEYS', 'sealing key 2 is 16 bytes; A256GCM needs 32 (base64url, 43 characters)']]);
    const two = [newSealingKey(), newSealingKey()];
    expect(ConsoleConfig.parse({ ...baseConfig, SESSION_SEALING_KEYS: ` ${two[0]} , ${two[1]} ` }).SESSION_SEALING_KEYS).toEqual(two);
  });

  it('refuses to start in production without a sealing key or a shared store, naming each setting', () => {
    const production = { ...baseConfig, KUNDVAL_ENV: 'production', OIDC_ISSUER: 'https://idp.nacka.example', COOKIE_SECURE: 'true' };
    const refused = ConsoleConfig.safeParse(production);
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['SESSION_SEALING_KEYS', "KUNDVAL_ENV=production refuses SESSION_SEALING_KEYS: it is unset; people's tokens are sealed with a configured key before they reach the session store"],
      ['NATS_URL', "KUNDVAL_ENV=production refuses NATS_URL: it is unset; sessions would live in one console's memory, lost at a restart and unknown to the other replicas"],
    ]);
    expect(ConsoleConfig.safeParse({ ...production, SESSION_SEALING_KEYS: newSealingKey(), NATS_URL: 'nats://nats-1:4222,nats://nats-2:4222' }).success).toBe(true);
  });
});

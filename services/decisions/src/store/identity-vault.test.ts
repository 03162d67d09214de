import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIdentityVault, parseLookupKeys } from './identity-vault.js';

const key = () => randomBytes(32).toString('base64');
const DIGITS = '198112189876';

describe('identity numbers sealed at rest (envelope encryption, keyed look-up hash)', () => {
  const lookupKey = key();
  const k1 = `k1:${key()}`;
  const vault = createIdentityVault({ keys: k1, lookupKey });

  it('opens what it sealed, and seals the same number differently each time, with no digit of it in the sealed form', () => {
    const [a, b] = [vault.seal(DIGITS), vault.seal(DIGITS)];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:k1:[\w-]+:[\w-]+$/);
    expect(a).not.toContain('811218');
    expect([vault.open(a), vault.open(b)]).toEqual([DIGITS, DIGITS]);
  });

  it('finds a number by a hash that is the same for the same number and key, and differs by key', () => {
    expect(vault.lookupHash(DIGITS)).toBe(vault.lookupHash(DIGITS));
    expect(vault.lookupHash(DIGITS)).toMatch(/^[0-9a-f]{64}$/);
    expect(vault.lookupHash(DIGITS)).not.toBe(vault.lookupHash('198112189868'));
    expect(createIdentityVault({ keys: k1, lookupKey: key() }).lookupHash(DIGITS)).not.toBe(vault.lookupHash(DIGITS));
  });

  it('refuses a sealed number that was tampered with, or whose data key was moved to another key id', () => {
    const sealed = vault.seal(DIGITS);
    const [v, kid, wrapped, number] = sealed.split(':') as [string, string, string, string];
    const flipped = `${number.slice(0, -2)}${number.endsWith('AA') ? 'BA' : 'AA'}`;
    expect(() => vault.open(`${v}:${kid}:${wrapped}:${flipped}`)).toThrow();
    const two = createIdentityVault({ keys: `k2:${k1.slice(3)},${k1}`, lookupKey });
    expect(() => two.open(`${v}:k2:${wrapped}:${number}`)).toThrow();
  });

  it('rotates: a new first key seals, the old one still opens, and rewrap moves an old row to the new key', () => {
    const old = vault.seal(DIGITS);
    const k2 = `k2:${key()}`;
    const rotated = createIdentityVault({ keys: `${k2},${k1}`, lookupKey });
    expect(rotated.open(old)).toBe(DIGITS);
    const moved = rotated.rewrap(old)!;
    expect(moved.startsWith('v1:k2:')).toBe(true);
    expect(rotated.open(moved)).toBe(DIGITS);
    expect(rotated.rewrap(moved)).toBeUndefined();
    // Once k1 is removed, what was re-wrapped still opens and what was not is named as sealed by k1.
    const withoutOld = createIdentityVault({ keys: k2, lookupKey });
    expect(withoutOld.open(moved)).toBe(DIGITS);
    expect(() => withoutOld.open(old)).toThrow('The identity number was sealed with the key k1, which IDENTITY_KEYS no longer holds');
  });

  it('names the look-up key in each hash and tries every configured key, the current one first; a bare key writes the bare hex it always did', () => {
    const l1 = key();
    const l2 = key();
    const rotated = createIdentityVault({ keys: k1, lookupKey: `l2:${l2},l1:${l1}` });
    expect(rotated.lookupHash(DIGITS)).toMatch(/^l2:[0-9a-f]{64}$/);
    expect(rotated.lookupHashes(DIGITS)).toEqual([rotated.lookupHash(DIGITS), createIdentityVault({ keys: k1, lookupKey: `l1:${l1}` }).lookupHash(DIGITS)]);
    expect([rotated.isCurrentHash(rotated.lookupHash(DIGITS)), rotated.isCurrentHash(vault.lookupHash(DIGITS))]).toEqual([true, false]);
    expect(vault.lookupHash(DIGITS)).toMatch(/^[0-9a-f]{64}$/);
    expect(() => parseLookupKeys(`l1:${randomBytes(16).toString('base64')}`)).toThrow(/16 bytes/);
    expect(() => parseLookupKeys(`l1:${l1},l1:${l2}`)).toThrow(/twice/);
  });
});

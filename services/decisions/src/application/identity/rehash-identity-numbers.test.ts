import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { customerIdFor, findCustomerByIdentity, rehashIdentityNumbers } from '../../store/decisions.js';
import { createIdentityVault } from '../../store/identity-vault.js';
import { testIdentityNumber } from '../../test-support/decisions-service.js';
import { openDecisionsStore } from '../../test-support/use-cases.js';
import { rehashLookupHashes } from './rehash-identity-numbers.js';

const key = () => randomBytes(32).toString('base64');
const digits = (n: number) => testIdentityNumber(n).replace('-', '');
const quiet = { info: () => undefined };

/**
 * Rotating the look-up key (docs/security.md): rows hashed with the old key are still found while
 * the new key hashes new rows, the same person never becomes a second customer, and the re-hash job
 * moves every old row, idempotently and resumably, after which the old key can go.
 */
describe.each(testEngines())('rotating the identity numbers\' look-up key on %s', (engine) => {
  let store: Awaited<ReturnType<typeof openDecisionsStore>>;
  const keys = `k1:${key()}`;
  const legacyKey = key();
  const newKey = key();
  const before = createIdentityVault({ keys, lookupKey: legacyKey });
  const rotated = createIdentityVault({ keys, lookupKey: `l2:${newKey},${legacyKey}` });
  const onlyNew = createIdentityVault({ keys, lookupKey: `l2:${newKey}` });
  const people = [1, 2, 3, 4, 5].map(digits);
  const customers: string[] = [];

  beforeAll(async () => {
    store = await openDecisionsStore(engine, 'lookup_rotation');
    for (const p of people) customers.push(await customerIdFor(store.db, p, before));
  });
  afterAll(() => store?.close());

  const hashes = async () => (await store.db.selectFrom('customers').select(['customer_id', 'identity_hash']).orderBy('customer_id').execute()).map((r) => r.identity_hash!);

  it('finds a row hashed with the old key under the new one, and gives the same person the same customer, not a second one', async () => {
    expect((await hashes()).every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
    expect(await findCustomerByIdentity(store.db, people[0]!, rotated)).toEqual({ customer_id: customers[0] });
    expect(await customerIdFor(store.db, people[0]!, rotated)).toBe(customers[0]);
    const newcomer = await customerIdFor(store.db, digits(6), rotated);
    expect((await store.db.selectFrom('customers').select('identity_hash').where('customer_id', '=', newcomer).executeTakeFirstOrThrow()).identity_hash).toMatch(/^l2:[0-9a-f]{64}$/);
    expect(await store.db.selectFrom('customers').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 6 });
  });

  it('moves the old rows in batches, resumes where it stopped, and then has nothing left to do', async () => {
    // One batch of two, as a job stopped after its first transaction would have done.
    expect(await rehashIdentityNumbers(store.db, rotated, { batch: 2, maxBatches: 1 })).toEqual({ rehashed: 2, remaining: 3 });
    expect(await rehashLookupHashes(store.db, rotated, quiet, { batch: 2 })).toEqual({ rehashed: 3, remaining: 0 });
    expect(await rehashLookupHashes(store.db, rotated, quiet, { batch: 2 })).toEqual({ rehashed: 0, remaining: 0 });
    expect((await hashes()).every((h) => /^l2:[0-9a-f]{64}$/.test(h))).toBe(true);
    // The old key can go: every person is found with the new key alone, as the same customer.
    for (const [i, p] of people.entries()) expect(await findCustomerByIdentity(store.db, p, onlyNew)).toEqual({ customer_id: customers[i] });
    // With the old key alone nobody is found any more: the rows really moved.
    expect(await findCustomerByIdentity(store.db, people[0]!, before)).toBeUndefined();
  });

});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { AppError } from '@kundval/platform';
import { seedOrder, type SeededOrder } from '../test-support/billing-routes.js';
import { openBillingStore } from '../test-support/use-cases.js';
import type { BillingDb } from '../store/db.js';
import { orderInScope, ordersInScope, providerFilterFor, withinScope } from './scope.js';

describe.each(testEngines())('billing scoping, as part of the query, on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  let nacka: SeededOrder;
  let varmdo: SeededOrder;

  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_scope');
    nacka = await seedOrder(store.db, { providerId: 'scope-alfa', municipality: 'nacka' });
    varmdo = await seedOrder(store.db, { providerId: 'scope-beta', municipality: 'varmdo' });
  });
  afterAll(() => store?.close());

  const visible = async (principal: Principal) =>
    (await ordersInScope(store.db, principal).select('order_id').where('order_id', 'in', [nacka.orderId, varmdo.orderId]).orderBy('provider_id').execute()).map((r) => r.order_id);

  it('lets a provider read only its own orders, a citizen only their own, staff every one', async () => {
    expect(await visible({ sub: 'p', role: 'provider', providerId: 'scope-alfa' })).toEqual([nacka.orderId]);
    expect(await visible({ sub: 'c', role: 'citizen', customerId: varmdo.customerId })).toEqual([varmdo.orderId]);
    expect(await visible({ sub: 'h', role: 'case-handler' })).toEqual([nacka.orderId, varmdo.orderId]);
  });

  it("narrows a principal with a municipality claim to that municipality's orders", async () => {
    expect(await visible({ sub: 'h', role: 'case-handler', municipality: 'varmdo' })).toEqual([varmdo.orderId]);
    expect(await visible({ sub: 'p', role: 'provider', providerId: 'scope-alfa', municipality: 'varmdo' })).toEqual([]);
  });

  it('holds the person the worker acts for to their own scope', async () => {
    const worker = (customerId: string): Principal => ({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'c', role: 'citizen', customerId } });
    expect(await visible(worker(nacka.customerId))).toEqual([nacka.orderId]);
    expect(await visible(worker('00000000-0000-4000-8000-000000000000'))).toEqual([]);
  });

  it('fails closed: a provider or citizen token that does not name itself, or a table without the column, reads nothing', async () => {
    expect(await visible({ sub: 'p', role: 'provider' })).toEqual([]);
    expect(await visible({ sub: 'c', role: 'citizen' })).toEqual([]);
    const rates = await withinScope(store.db.selectFrom('rate_tables'), { sub: 'p', role: 'provider', providerId: 'scope-alfa' }, { municipality: 'rate_tables.municipality' }).selectAll().execute();
    expect(rates).toEqual([]);
  });

  it("answers another provider's order as not found, the same refusal as an unknown id", async () => {
    const refusal = await orderInScope(store.db, { sub: 'p', role: 'provider', providerId: 'scope-beta' }, nacka.orderId).catch((e: unknown) => e);
    const unknown = await orderInScope(store.db, { sub: 'h', role: 'case-handler' }, '00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    for (const err of [refusal, unknown]) {
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ kind: 'not-found', code: 'BILLING.ORDER_NOT_FOUND' });
    }
    expect((await orderInScope(store.db, { sub: 'p', role: 'provider', providerId: 'scope-alfa' }, nacka.orderId)).order_id).toBe(nacka.orderId);
  });

  it("fixes a provider's list filter to its own id and refuses another's (403)", () => {
    expect(providerFilterFor({ sub: 'p', role: 'provider', providerId: 'scope-alfa' }, undefined)).toBe('scope-alfa');
    expect(providerFilterFor({ sub: 'f', role: 'finance' }, 'scope-beta')).toBe('scope-beta');
    expect(() => providerFilterFor({ sub: 'p', role: 'provider', providerId: 'scope-alfa' }, 'scope-beta')).toThrow(expect.objectContaining({ kind: 'forbidden' }));
    expect(() => providerFilterFor({ sub: 'p', role: 'provider' }, undefined)).toThrow(expect.objectContaining({ kind: 'forbidden' }));
  });
});

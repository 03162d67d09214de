import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { seedDecision, seedProvider } from '../../test-support/orders-service.js';
import { inUseCase, openOrdersStore } from '../../test-support/use-cases.js';
import { releasePlaces } from '../places/release-places.js';
import { assignDefaultProvider } from './assign-default-provider.js';
import { chooseProvider } from './choose-provider.js';
import { switchProvider } from './switch-provider.js';

const caseHandler: Principal = { sub: 'handlaggare-1', role: 'case-handler' };
const system: Principal = { sub: 'journey-worker', role: 'system' };

// The store writes a choice, switch, queue entry or offer; the use case decides what it announces
// and returns the events in the order they happened, writing none to the outbox itself.
describe.each(testEngines())('the events of choices, switches, queues and offers on %s', (engine) => {
  let store: Awaited<ReturnType<typeof openOrdersStore>>;
  const outboxRows = async () => (await tableCounts(store.db))['outbox'];

  beforeAll(async () => {
    store = await openOrdersStore(engine, 'orders_choice_use_cases');
    await seedProvider(store.db, { providerId: 'val-omsorg', kind: 'private' });
    await seedProvider(store.db, { providerId: 'val-kommunal', kind: 'municipal', isDefault: true });
    await seedProvider(store.db, { providerId: 'val-hemmet', kind: 'private', areaId: 'nursing-home', capacity: 1, occupiedPlaces: 1 });
  });
  afterAll(() => store?.close());

  it("returns providerChosen for the customer's choice, then providerSwitched for a switch", async () => {
    const d = await seedDecision(store.db);
    const before = await outboxRows();
    const chosen = await inUseCase(store.db, caseHandler, (ctx) => chooseProvider(ctx, { decisionId: d.decisionId, providerId: 'val-omsorg' }));
    expect(chosen.events).toEqual([
      {
        name: 'providerChosen',
        payload: { choiceId: (chosen.result as { choiceId: string }).choiceId, applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, providerId: 'val-omsorg', providerKind: 'private', chosenBy: 'customer' },
      },
    ]);
    const switched = await inUseCase(store.db, caseHandler, (ctx) => switchProvider(ctx, { decisionId: d.decisionId, providerId: 'val-kommunal', effectiveFrom: '2026-05-01' }));
    expect(switched.events).toEqual([
      {
        name: 'providerSwitched',
        payload: {
          switchId: (switched.result as { switchId: string }).switchId,
          applicationId: d.applicationId,
          decisionId: d.decisionId,
          customerId: d.customerId,
          fromProviderId: 'val-omsorg',
          toProviderId: 'val-kommunal',
          toProviderKind: 'municipal',
          effectiveFrom: '2026-05-01',
        },
      },
    ]);
    expect(await outboxRows()).toBe(before);
  });

  it('returns providerChosen by default for the default provider', async () => {
    const d = await seedDecision(store.db);
    const outcome = await inUseCase(store.db, system, (ctx) => assignDefaultProvider(ctx, { decisionId: d.decisionId }));
    expect(outcome.events).toEqual([expect.objectContaining({ name: 'providerChosen', payload: expect.objectContaining({ providerId: 'val-kommunal', providerKind: 'municipal', chosenBy: 'default' }) })]);
  });

  it('queues the customer of a full home with placeQueued, and offers the place released to them with placeOffered', async () => {
    const d = await seedDecision(store.db, { areaId: 'nursing-home', level: 5 });
    const before = await outboxRows();
    const queued = await inUseCase(store.db, caseHandler, (ctx) => chooseProvider(ctx, { decisionId: d.decisionId, providerId: 'val-hemmet' }));
    expect(queued.events).toEqual([
      { name: 'placeQueued', payload: { applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, providerId: 'val-hemmet', queuedAt: expect.any(String) } },
    ]);
    const home: Principal = { sub: 'hemmet', role: 'provider', providerId: 'val-hemmet' };
    const released = await inUseCase(store.db, home, (ctx) => releasePlaces(ctx, { providerId: 'val-hemmet', count: 1 }));
    expect(released.result.offers).toEqual([expect.objectContaining({ decisionId: d.decisionId, status: 'open' })]);
    const offerId = released.result.offers[0]!.offerId;
    expect(released.events).toEqual([
      { name: 'placeOffered', payload: { offerId, applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, providerId: 'val-hemmet', answerBy: expect.any(String) } },
    ]);
    expect(await outboxRows()).toBe(before);
  });
});

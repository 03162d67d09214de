import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentName, LocalPlatform } from '@kundval/infra';
import { actors, eventually, journeyReaches, journeyState } from './driver/index.js';
import { startTestPlatform, TEST_CHOICE_DEADLINE_MS } from './support/platform.js';
import { CHOSEN_PROVIDER, DEFAULT_PROVIDER, EXPECTED_FEE_ORE, EXPECTED_PAYMENT_ORE, FAULT_MONTH, recordsOf, runFaultJourney, type FaultPoint } from './support/fault-journey.js';

/**
 * The longest a journey may stand still after the killed component is back: its clients reconnect,
 * a failed activity waits out its retry interval (1, 2, 4, 8 s …), events parked in an outbox are
 * relayed. Measured well under this on a shared two-core machine (see the report each test prints).
 */
const RECOVERY_BOUND_MS = 30_000;
/** How long the supervisor leaves a killed component down: long enough that the journey needs it meanwhile. */
const DOWN_FOR_MS = 2_000;

/**
 * Each component killed with SIGKILL at the moment the journey needs it next, then brought back by
 * its supervisor. `point` is where it dies; `moving` is the first thing the journey can only do
 * with that component back.
 */
type Moving = 'an order placed' | 'the month settled' | 'the journey completed';
const KILLS: Array<{ component: ComponentName; point: FaultPoint; moving: Moving }> = [
  { component: 'worker', point: 'chosen', moving: 'an order placed' },
  { component: 'orders', point: 'chosen', moving: 'an order placed' },
  { component: 'workflows', point: 'chosen', moving: 'an order placed' },
  { component: 'nats', point: 'chosen', moving: 'an order placed' },
  { component: 'temporal', point: 'chosen', moving: 'an order placed' },
  { component: 'billing', point: 'approved', moving: 'the month settled' },
  { component: 'decisions', point: 'approved', moving: 'the journey completed' },
];

describe('faults: every component killed with SIGKILL mid-journey comes back, and the journey completes, charging and paying once', () => {
  let platform: LocalPlatform;
  const recoveries: string[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform('crash-recovery', { supervision: { initialMs: DOWN_FOR_MS } });
  });
  afterAll(async () => {
    if (recoveries.length > 0) console.log(`Recovery after SIGKILL (restart → journey moving):\n  ${recoveries.join('\n  ')}`);
    await platform?.stop();
  });

  it.each(KILLS)('$component killed when the journey needs it next ($point): back, and the journey moving again within the bound', async ({ component, point, moving }) => {
    // The driver stands in for people who try again while a service restarts.
    const resilient = { ...platform, resilience: { retryWhileDown: true, retryForMs: 90_000 } };
    let recovery: { downMs: number; movedAfterMs: number } | undefined;

    const journey = await runFaultJourney(resilient, {
      at: async (reached, { applicationId }) => {
        if (reached !== point) return;
        const restartsBefore = platform.components[component].restarts;
        const { downMs, backAt } = await platform.components[component].crash('SIGKILL');
        expect(platform.components[component].restarts).toBe(restartsBefore + 1);
        // The journey moves again: the step that needed the component is done.
        await journeyMoves(resilient, applicationId, moving);
        recovery = { downMs, movedAfterMs: Date.now() - backAt };
      },
    });
    expect(recovery, 'the fault was injected').toBeDefined();
    recoveries.push(`${component.padEnd(10)} down ${(recovery!.downMs / 1000).toFixed(1)} s, ${moving} ${(recovery!.movedAfterMs / 1000).toFixed(1)} s after it was back`);
    expect(recovery!.movedAfterMs).toBeLessThan(RECOVERY_BOUND_MS);

    expect(journey.state.stage).toBe('completed');
    expect(journey.providerId).toBe(CHOSEN_PROVIDER);
    expect(journey.state.settledMonths).toEqual([expect.objectContaining({ month: FAULT_MONTH, feeOre: EXPECTED_FEE_ORE, paymentOre: EXPECTED_PAYMENT_ORE[CHOSEN_PROVIDER] })]);
    const records = await recordsOf(platform, journey);
    expect(records.feesOre).toEqual([EXPECTED_FEE_ORE]);
    expect(records.paymentsOre).toEqual([EXPECTED_PAYMENT_ORE[CHOSEN_PROVIDER]]);
    expect(records.orderIds).toEqual([journey.orderId]);
  });

  it('a worker dead while the choice deadline passes: the default provider is assigned once, and the journey still replays on a fresh worker', async () => {
    const journey = await runFaultJourney(platform, {
      choice: 'default',
      at: async (reached, { applicationId }) => {
        if (reached !== 'decided') return;
        // The deadline's timer is running; the worker dies and its workflow task times out while it fires.
        await journeyReaches(platform, applicationId, ['awaiting-choice']);
        await platform.worker.kill('SIGKILL');
        // Long enough for the task on its sticky queue to time out (10 s after the timer fires), as the chaos run found.
        await sleep(TEST_CHOICE_DEADLINE_MS + 12_000);
        await platform.worker.start();
      },
    });
    expect(journey.providerId).toBe(DEFAULT_PROVIDER);
    expect(journey.state.stage).toBe('completed');

    // A fresh worker has no journey in its cache: answering the query replays the whole history.
    await platform.worker.kill('SIGKILL');
    await platform.worker.start();
    const read = await actors(platform).operator.call<{ stage: string; message?: string }>('GET', `${platform.urls.workflows}/journeys/${journey.applicationId}`);
    expect(read.status, `the journey replays (${read.body?.message ?? ''})`).toBe(200);
    expect(read.body.stage).toBe('completed');
    const records = await recordsOf(platform, journey);
    expect(records.feesOre).toEqual([EXPECTED_FEE_ORE]);
    expect(records.paymentsOre).toEqual([EXPECTED_PAYMENT_ORE[DEFAULT_PROVIDER]]);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the journey has done `moving`, the step that needed the component just killed. */
async function journeyMoves(platform: Parameters<typeof journeyState>[0], applicationId: string, moving: Moving): Promise<void> {
  const timeoutMs = RECOVERY_BOUND_MS + 30_000;
  if (moving === 'an order placed') await journeyReaches(platform, applicationId, ['awaiting-acceptance'], timeoutMs);
  else if (moving === 'the journey completed') await journeyReaches(platform, applicationId, ['completed'], timeoutMs);
  else {
    await eventually(async () => {
      const state = await journeyState(platform, applicationId);
      return state && state.settledMonths.length > 0 ? state : undefined;
    }, 'the month to be settled', timeoutMs);
  }
}

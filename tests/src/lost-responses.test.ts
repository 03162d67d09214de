import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandTarget } from '@kundval/infra';
import { TOPOLOGIES, startTopology, type TestPlatform } from './support/topology.js';
import { CHOSEN_PROVIDER, DEFAULT_PROVIDER, EXPECTED_FEE_ORE, EXPECTED_PAYMENT_ORE, FAULT_MONTH, recordsOf, runFaultJourney, type FaultJourneyOptions } from './support/fault-journey.js';

/**
 * Every command the journey worker sends, its answer lost after the service has carried it out:
 * the fault proxy in front of the service forwards the command, receives the whole answer, and
 * closes the worker's connection without a byte of it. The worker cannot know the command
 * succeeded and tries again; the journey must still complete with the month charged and paid
 * exactly once, and every reminder and task delivered once. (A changed decision is no command of the
 * worker's: orders amends the orders as it applies the event, ADR 0029.)
 */
const COMMANDS: Array<{ command: string; service: CommandTarget; method: string; path: RegExp; journey: FaultJourneyOptions }> = [
  { command: 'assign the default provider', service: 'orders', method: 'POST', path: /^\/decisions\/[^/]+\/default-choice$/, journey: { choice: 'default' } },
  { command: "record the customer's choice", service: 'orders', method: 'POST', path: /^\/decisions\/[^/]+\/choice$/, journey: { choice: 'customer' } },
  { command: 'place the order', service: 'orders', method: 'POST', path: /^\/orders$/, journey: {} },
  { command: 'end the order', service: 'orders', method: 'POST', path: /^\/orders\/[^/]+\/end$/, journey: {} },
  { command: 'remind the provider', service: 'orders', method: 'POST', path: /^\/orders\/[^/]+\/reminders$/, journey: { lateAcceptance: true } },
  { command: 'charge the fee', service: 'billing', method: 'POST', path: /^\/fees$/, journey: {} },
  { command: 'pay the provider', service: 'billing', method: 'POST', path: /^\/provider-payments$/, journey: {} },
  { command: 'record the approval of the month', service: 'billing', method: 'POST', path: /^\/orders\/[^/]+\/months\/[^/]+\/approval$/, journey: {} },
  { command: 'escalate to the case handler', service: 'decisions', method: 'POST', path: /^\/tasks$/, journey: { lateAcceptance: true } },
  { command: 'expire the decision', service: 'decisions', method: 'POST', path: /^\/decisions\/[^/]+\/expire$/, journey: {} },
];

describe.each(TOPOLOGIES)('faults: the answer to each of the worker\'s commands is lost after the service carried it out, on the %s topology', (topology) => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTopology(topology, 'lost-responses', { faultProxies: { seed: 1 } });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it.each(COMMANDS)('$command ($method $service): the journey completes, charging and paying exactly once', async ({ service, method, path, journey: options }) => {
    const proxy = platform.proxies![service];
    const rule = proxy.addRule({ method, path, times: 1 });
    try {
      const journey = await runFaultJourney(platform, options);
      expect(rule.fired, 'the answer was lost once').toBe(1);
      const lost = proxy.injected.at(-1)!;
      expect(lost).toMatchObject({ fault: 'lose-response', method });
      expect(lost.status! >= 200 && lost.status! < 300, `the service had carried the command out (answered ${lost.status})`).toBe(true);

      const providerId = options.choice === 'default' ? DEFAULT_PROVIDER : CHOSEN_PROVIDER;
      expect(journey.providerId).toBe(providerId);
      expect(journey.state.stage).toBe('completed');
      expect(journey.state.ended).toEqual({ reason: 'expired', endDate: '2026-03-31' });
      expect(journey.state.settledMonths).toEqual([expect.objectContaining({ month: FAULT_MONTH, feeOre: EXPECTED_FEE_ORE, paymentOre: EXPECTED_PAYMENT_ORE[providerId] })]);

      const records = await recordsOf(platform, journey);
      expect(records.feesOre).toEqual([EXPECTED_FEE_ORE]);
      expect(records.paymentsOre).toEqual([EXPECTED_PAYMENT_ORE[providerId]]);
      expect(records.orderIds).toEqual([journey.orderId]);
      expect(records.orderEnd).toEqual({ endDate: '2026-03-31', endReason: 'decision-ended' });
      // Notices are delivered once, and the journey knows they were: none is recorded as undelivered.
      expect(journey.state.escalations?.filter((e) => /not delivered|could not be delivered/.test(e.message)) ?? []).toEqual([]);
      // A past month is over at acceptance, so its approval may be chased too; nothing is ever sent twice.
      expect(records.reminders).toEqual([...new Set(records.reminders)]);
      expect(records.tasks).toEqual([...new Set(records.tasks)]);
      expect(records.tasks.filter((t) => !t.startsWith('approval-overdue:'))).toEqual(options.lateAcceptance ? [`acceptance-overdue:${journey.orderId}`] : []);
      if (options.lateAcceptance) expect(records.reminders).toContain('acceptance:acceptance-1');
    } finally {
      rule.remove();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENT_STREAM, PARKED_STREAM } from '@kundval/contracts';
import { CLUSTER_STREAM_REPLICAS, type ClusterPlatform } from '@kundval/infra';
import { actors, eventually, homeCareSteps, journeyReaches, nextIdentityNumber, runHomeCareJourney, type VisitPlan } from '../driver/index.js';
import { journeySignals, query, startTestCluster, storedEvents, wireTap } from './cluster-platform.js';

/** The weekday mornings of February 2026 at the municipal provider: 600 day minutes at 293 kr/h. */
const FEBRUARY_MORNINGS: VisitPlan[] = [9, 10, 11, 12, 13].map((day) => ({
  externalId: `v-feb-${day}`,
  kind: 'care' as const,
  start: `2026-02-${String(day).padStart(2, '0')}T08:00:00+01:00`,
  end: `2026-02-${String(day).padStart(2, '0')}T10:00:00+01:00`,
}));
const MARCH: VisitPlan[] = [
  { externalId: 'mar-2', kind: 'care', start: '2026-03-02T08:00:00+01:00', end: '2026-03-02T09:30:00+01:00' },
  { externalId: 'mar-7', kind: 'care', start: '2026-03-07T11:00:00+01:00', end: '2026-03-07T12:00:00+01:00' },
];
// At trygga-hander: 90 weekday-day minutes × 310 kr/h = 46 500 öre; 60 weekend minutes × 390 kr/h = 39 000 öre.
const MARCH_PAYMENT_ORE = 46_500 + 39_000;
// 150 minutes × 312 kr/h = 780 kr, under the 2026 maxtaxa; no fee basis declared.
const MARCH_FEE_ORE = 78_000;

describe('the production topology on one machine: Temporal server on PostgreSQL, three NATS nodes, two replicas of everything', () => {
  let platform: ClusterPlatform;
  let tap: Awaited<ReturnType<typeof wireTap>>;
  beforeAll(async () => {
    const began = Date.now();
    platform = await startTestCluster('cluster');
    console.log(`cluster topology up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    tap = await wireTap(platform.nats.url);
  });
  afterAll(async () => {
    await tap?.close();
    await platform?.stop();
  });

  it('keeps every stream and consumer at three replicas, with their limits', async () => {
    const nc = await connect({ servers: platform.nats.url.split(',') });
    try {
      const jsm = await jetstreamManager(nc);
      for (const name of [EVENT_STREAM.name, PARKED_STREAM.name]) {
        const info = await jsm.streams.info(name);
        expect([info.config.num_replicas, info.cluster?.replicas?.length]).toEqual([CLUSTER_STREAM_REPLICAS, CLUSTER_STREAM_REPLICAS - 1]);
        expect(info.config.max_bytes).toBeGreaterThan(0);
      }
      // The bridge's consumer inherits the stream's replicas; the services' declare theirs.
      const consumers = [];
      for await (const c of jsm.consumers.list(EVENT_STREAM.name)) consumers.push([c.name, (c.cluster?.replicas?.length ?? 0) + 1]);
      expect(consumers.sort()).toEqual([
        ['billing-orders', CLUSTER_STREAM_REPLICAS],
        ['decisions-follow-up', CLUSTER_STREAM_REPLICAS],
        ['orders-decisions', CLUSTER_STREAM_REPLICAS],
        ['workflows-journeys', CLUSTER_STREAM_REPLICAS],
      ]);
    } finally {
      await nc.close();
    }
  });

  it('takes a home-care customer from application to payment, the default provider assigned', async () => {
    const result = await runHomeCareJourney(platform, {
      identityNumber: nextIdentityNumber(1941),
      careHoursPerMonth: 10,
      serviceHoursPerMonth: 0,
      validFrom: '2026-02-01',
      validTo: '2026-02-28',
      choose: null,
      month: '2026-02',
      visits: FEBRUARY_MORNINGS,
    });
    expect([result.state.chosenBy, result.providerId]).toEqual(['default', 'nacka-hemtjanst']);
    expect(result.settled.paymentOre).toBe(293_000);
    // Tariff 10 h × 312 kr = 3 120 kr, capped at the 2026 maxtaxa 2 660 kr.
    expect([result.settled.feeOre, result.settled.appliedCap]).toEqual([266_000, 'maxtaxa']);
  });

  it('publishes every outbox row exactly once while two replicas of a service take concurrent commands', async () => {
    const before = new Set((await query<{ event_id: string }>(platform.postgres.url, 'select event_id from decisions.outbox')).map((r) => r.event_id));
    // Forty applications, half straight to each replica, all at once: both replicas write outbox rows, both relays run.
    const applications = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const replica = { ...platform, urls: { ...platform.urls, decisions: platform.replicaUrls.decisions[i % 2]! } };
        return homeCareSteps(replica).apply(nextIdentityNumber(1950 + (i % 20)));
      }),
    );
    expect(new Set(applications.map((a) => a.applicationId)).size).toBe(40);
    const rows = await eventually(async () => {
      const all = await query<{ event_id: string; published_at: Date | null }>(platform.postgres.url, 'select event_id, published_at from decisions.outbox');
      const fresh = all.filter((r) => !before.has(r.event_id));
      return fresh.length >= 40 && fresh.every((r) => r.published_at !== null) ? fresh : undefined;
    }, 'the forty applications relayed');
    await eventually(async () => (rows.every((r) => tap.published.has(r.event_id)) ? true : undefined), 'every relayed row seen on the wire');
    const copies = rows.map((r) => tap.published.get(r.event_id));
    expect(copies.filter((n) => n !== 1)).toEqual([]);
  });

  it('signals each journey its events in stream order through one of the two bridges, and in order again after that bridge dies and the other takes over', async () => {
    const steps = homeCareSteps(platform);
    const caseHandler = actors(platform).caseHandler;
    const journeys: Array<{ applicationId: string; decisionId: string }> = [];
    for (let i = 0; i < 4; i++) {
      const { applicationId } = await steps.apply(nextIdentityNumber(1936));
      await steps.assess(applicationId);
      const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 4, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
      journeys.push({ applicationId, decisionId });
    }
    for (const j of journeys) await journeyReaches(platform, j.applicationId, ['awaiting-choice']);
    // Each change renews the decision to a later day: the order the journey got them in is the order of the days.
    const renew = (j: (typeof journeys)[number], day: number) =>
      caseHandler.ok('POST', `${platform.urls.decisions}/decisions/${j.decisionId}/changes`, {
        effectiveFrom: '2026-03-01',
        careHoursPerMonth: 4,
        serviceHoursPerMonth: 0,
        validTo: `2026-04-${String(day).padStart(2, '0')}`,
        reason: `Renewed to April ${day}.`,
      });
    const renewed = (days: number[]) => days.map((d) => `2026-04-${String(d).padStart(2, '0')}`);
    const bridgeOf = (identity: string) => ['workflows-1', 'workflows-2'].find((name) => identity.startsWith(`${platform.components[name]!.pid}@`)) ?? identity;

    // Four journeys' changes back to back, the journeys at once: their events interleave in the stream.
    await Promise.all(journeys.map(async (j) => { for (const day of [1, 2, 3, 4, 5]) await renew(j, day); }));
    const before = await Promise.all(journeys.map((j) => eventually(async () => {
      const signals = (await journeySignals(platform.temporal, j.applicationId)).filter((s) => s.kind === 'decisionChanged');
      return signals.length === 5 ? signals : undefined;
    }, `five changes signalled to ${j.applicationId}`)));
    for (const signals of before) expect(signals.map((s) => s.validTo)).toEqual(renewed([1, 2, 3, 4, 5]));
    const bridges = new Set(before.flat().map((s) => bridgeOf(s.identity)));
    expect(bridges.size).toBe(1);
    const active = [...bridges][0]!;
    const standby = active === 'workflows-1' ? 'workflows-2' : 'workflows-1';

    // The active bridge is killed while the next changes come; the other takes over.
    const killedAt = Date.now();
    await Promise.all(journeys.map(async (j, i) => {
      for (const day of [6, 7, 8, 9, 10]) {
        await renew(j, day);
        if (i === 0 && day === 6) await platform.components[active]!.halt('SIGKILL');
      }
    }));
    const after = await Promise.all(journeys.map((j) => eventually(async () => {
      const signals = (await journeySignals(platform.temporal, j.applicationId)).filter((s) => s.kind === 'decisionChanged');
      return signals.length >= 10 ? signals : undefined;
    }, `ten changes signalled to ${j.applicationId}`, 120_000)));
    console.log(`the standby bridge signalled the first event ${((Date.now() - killedAt) / 1000).toFixed(1)} s (at most) after the active one was killed`);
    for (const signals of after) {
      // A change the dying bridge signalled without its acknowledgement reaching NATS comes again from the other, and the journey ignores it.
      const firsts = signals.filter((s, i) => signals.findIndex((o) => o.eventId === s.eventId) === i);
      expect(firsts.map((s) => s.validTo)).toEqual(renewed([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    }
    expect(new Set(after.flatMap((signals) => signals.slice(5)).map((s) => bridgeOf(s.identity))).has(standby)).toBe(true);
    await platform.components[active]!.start();
  });

  it('completes every journey in flight through the loss of a NATS node, a replica of each service, a worker and a Temporal restart, paying each once', async () => {
    const steps = homeCareSteps(platform);
    const people = actors(platform);
    const journeys: Array<{ applicationId: string; customerId: string; decisionId: string }> = [];
    for (let i = 0; i < 3; i++) {
      const { applicationId, customerId } = await steps.apply(nextIdentityNumber(1930));
      await steps.assess(applicationId);
      const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 4, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
      journeys.push({ applicationId, customerId, decisionId });
    }

    const recovery: Record<string, number> = {};
    // A NATS node dies (kill -9) while the customers choose; it comes back from its own store.
    await platform.components['nats-2']!.halt('SIGKILL');
    for (const j of journeys) await steps.choose(j.customerId, j.decisionId, 'trygga-hander');
    for (const j of journeys) await journeyReaches(platform, j.applicationId, ['awaiting-acceptance']);
    const natsBack = Date.now();
    await platform.components['nats-2']!.start();
    recovery['nats-2 restart'] = Date.now() - natsBack;
    // Back in the stream's group and caught up with what the two others took while it was down.
    await eventually(async () => {
      const nc = await connect({ servers: platform.nats.url.split(',') });
      try {
        const info = await (await jetstreamManager(nc)).streams.info(EVENT_STREAM.name);
        const replicas = info.cluster?.replicas ?? [];
        return replicas.length === CLUSTER_STREAM_REPLICAS - 1 && replicas.every((r) => r.current) && [info.cluster?.leader, ...replicas.map((r) => r.name)].includes('nats-2') ? true : undefined;
      } finally {
        await nc.close();
      }
    }, 'nats-2 current in the event stream again');
    recovery['nats-2 caught up'] = Date.now() - natsBack;

    // One replica of each service and one worker are killed; their supervisors bring them back.
    const crashes = await Promise.all(['decisions-1', 'orders-1', 'billing-1', 'workflows-1', 'worker-1'].map(async (name) => [name, (await platform.components[name]!.crash()).downMs] as const));
    for (const [name, downMs] of crashes) recovery[name] = downMs;
    const orders: string[] = [];
    for (const j of journeys) orders.push(await steps.acceptAndPlan('trygga-hander', j.decisionId));

    // The Temporal server goes down mid-journey and comes back on the same database.
    recovery['temporal'] = (await platform.components['temporal']!.crash()).downMs;
    for (const [i, j] of journeys.entries()) {
      const visits = MARCH.map((v) => ({ ...v, externalId: `${j.applicationId}-${v.externalId}` }));
      await steps.reportVisits('trygga-hander', orders[i]!, visits);
      await steps.approveMonth(j.customerId, orders[i]!, '2026-03');
    }
    const settled: Array<Array<{ month: string; paymentOre: number; feeOre: number }>> = [];
    for (const j of journeys) settled.push((await journeyReaches(platform, j.applicationId, ['completed'], 180_000)).settledMonths);
    console.log(`recovery times (ms): ${JSON.stringify(recovery)}`);

    for (const months of settled) expect(months.map((m) => [m.month, m.paymentOre, m.feeOre])).toEqual([['2026-03', MARCH_PAYMENT_ORE, MARCH_FEE_ORE]]);
    for (const j of journeys) {
      const invoices = await people.citizen(j.customerId).ok<Array<{ feeOre: number }>>('GET', `${platform.urls.billing}/customers/${j.customerId}/invoices`);
      expect(invoices.map((i) => i.feeOre)).toEqual([MARCH_FEE_ORE]);
    }

    // Nothing published twice in effect and nothing consumed twice: each event the consumers take
    // is stored once, and each is in its consumer's inbox exactly once.
    const consumers = [
      { schema: 'orders', consumer: 'orders-decisions', events: ['decisionMade', 'decisionChanged', 'decisionEnded'] as const },
      { schema: 'billing', consumer: 'billing-orders', events: ['orderPlaced', 'orderChanged', 'orderEnded'] as const },
    ];
    for (const c of consumers) {
      const stored = await storedEvents(platform.nats.url, [...c.events]);
      expect([...stored.values()].filter((e) => e.copies !== 1)).toEqual([]);
      const inbox = await query<{ event_id: string; n: number }>(
        platform.postgres.url,
        `select event_id::text, count(*)::int as n from ${c.schema}.inbox where consumer = $1 group by event_id`,
        [c.consumer],
      );
      const applied = new Map(inbox.map((r) => [r.event_id, r.n]));
      const ours = [...stored.values()].filter((e) => journeys.some((j) => JSON.stringify(e.envelope.payload).includes(j.decisionId)));
      expect(ours.length).toBeGreaterThanOrEqual(journeys.length);
      expect(ours.map((e) => applied.get(e.envelope.eventId))).toEqual(ours.map(() => 1));
    }
  });
});

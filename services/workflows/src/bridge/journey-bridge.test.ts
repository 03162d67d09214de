import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, startTemporalDevServer, type NatsServer, type TemporalDevServer } from '@kundval/infra';
import { connectEventBus, createLogger, type EventBus } from '@kundval/platform';
import { PARKED_STREAM, eventCatalog, type EventEnvelope, type EventName, type EventPayload } from '@kundval/contracts';
import { SEARCH_ATTRIBUTE_TYPES, TASK_QUEUE, journeyStateQuery, journeyWorkflowId, scaledTiming } from '../contracts.js';
import { startJourneyBridge } from './journey-bridge.js';

/**
 * The bridge against a real nats-server and Temporal dev server, with the real journey workflow: what
 * it does with an event whose journey is not there.
 */
describe('the journey bridge', () => {
  let nats: NatsServer;
  let temporal: TemporalDevServer;
  let bus: EventBus;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  let bridge: { stop(): Promise<void> };
  const logger = createLogger('bridge-test', { level: 'silent' });

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    [nats, temporal] = await Promise.all([startNatsServer(), startTemporalDevServer({ searchAttributes: SEARCH_ATTRIBUTE_TYPES })]);
    bus = await connectEventBus(nats.url, 'bridge-test');
    client = new Client({ connection: await Connection.connect({ address: temporal.address }), namespace: temporal.namespace });
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporal.address }),
      namespace: temporal.namespace,
      taskQueue: TASK_QUEUE,
      workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
      maxCachedWorkflows: 0,
    });
    running = worker.run();
    bridge = await startJourneyBridge({ bus, client, logger, timing: scaledTiming(86_400), concurrency: 8 });
  }, 180_000);
  afterAll(async () => {
    await bridge?.stop();
    worker?.shutdown();
    await running;
    await bus?.close();
    await client?.connection.close();
    await Promise.all([temporal?.stop(), nats?.stop()]);
  });

  const publish = <N extends EventName>(name: N, payload: EventPayload<N>) => {
    const envelope: EventEnvelope = { eventId: randomUUID(), subject: eventCatalog[name].subject, occurredAt: new Date().toISOString(), correlationId: null, payload };
    return bus.publish(envelope);
  };
  const parkedCount = async () => (await (await jetstreamManager(bus.nc)).streams.info(PARKED_STREAM.name)).state.messages;

  it('holds an event that overtook its application until the application has started the journey, and parks nothing', async () => {
    const applicationId = randomUUID();
    const customerId = randomUUID();
    const parkedBefore = await parkedCount();
    // The assessment arrives first (the application's own event is being retried, Temporal having been down).
    await publish('assessmentRecorded', { applicationId, customerId, assessmentId: randomUUID(), lifeAreas: ['personal-care'] });
    await new Promise((r) => setTimeout(r, 1_500));
    await publish('applicationReceived', { applicationId, customerId, areaId: 'home-care', municipality: 'nacka', channel: 'citizen', receivedAt: new Date().toISOString() });
    const handle = client.workflow.getHandle(journeyWorkflowId(applicationId));
    const deadline = Date.now() + 60_000;
    let stage = '';
    while (Date.now() < deadline && stage !== 'assessed') {
      stage = await handle.query(journeyStateQuery).then((s) => s.stage, () => '');
      if (stage !== 'assessed') await new Promise((r) => setTimeout(r, 250));
    }
    expect(stage).toBe('assessed');
    expect(await parkedCount()).toBe(parkedBefore);
    await handle.terminate('test over');
  });

  it('parks an event for a journey that ran and closed, naming it', async () => {
    const applicationId = randomUUID();
    const customerId = randomUUID();
    await publish('applicationReceived', { applicationId, customerId, areaId: 'home-care', municipality: 'nacka', channel: 'citizen', receivedAt: new Date().toISOString() });
    const handle = client.workflow.getHandle(journeyWorkflowId(applicationId));
    for (let i = 0; i < 120 && (await handle.query(journeyStateQuery).then(() => false, () => true)); i++) await new Promise((r) => setTimeout(r, 250));
    await handle.terminate('closed for the test');
    const parkedBefore = await parkedCount();
    await publish('assessmentRecorded', { applicationId, customerId, assessmentId: randomUUID(), lifeAreas: ['personal-care'] });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await parkedCount()) === parkedBefore) await new Promise((r) => setTimeout(r, 250));
    expect(await parkedCount()).toBe(parkedBefore + 1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { retryJetStreamRequest } from './jetstream-retry.js';

/** A request that fails with the given errors in turn, then answers `done`; it counts its attempts. */
function failing(...errors: Error[]) {
  const calls = { count: 0 };
  const request = async () => {
    const err = errors[calls.count++];
    if (err) throw err;
    return 'done';
  };
  return { request, calls };
}

const timeout = () => Object.assign(new Error('timeout'), { name: 'TimeoutError' });
const notFound = () => new Error('stream not found');

describe('the JetStream retry policy', () => {
  it('asks again at once after a timeout, by default up to three attempts, and returns the answer', async () => {
    const waits: number[] = [];
    const { request, calls } = failing(timeout(), timeout());
    expect(await retryJetStreamRequest(request, { wait: async (ms) => waits.push(ms) })).toBe('done');
    expect([calls.count, waits]).toEqual([3, []]);
  });

  it('throws the last timeout once the attempts are spent', async () => {
    const errors = [timeout(), timeout(), timeout()];
    const { request, calls } = failing(...errors);
    await expect(retryJetStreamRequest(request)).rejects.toBe(errors[2]);
    expect(calls.count).toBe(3);
  });

  it('passes any other error through at once, the same error', async () => {
    const refused = new Error('insufficient resources');
    const { request, calls } = failing(refused);
    await expect(retryJetStreamRequest(request, { attempts: 5, whileForming: true })).rejects.toBe(refused);
    expect(calls.count).toBe(1);
  });

  it('asks again after "stream not found" only while a bucket is forming', async () => {
    const absent = notFound();
    const once = failing(absent);
    await expect(retryJetStreamRequest(once.request)).rejects.toBe(absent);
    expect(once.calls.count).toBe(1);
    const forming = failing(notFound(), timeout(), notFound());
    expect(await retryJetStreamRequest(forming.request, { attempts: 5, whileForming: true, wait: async () => undefined })).toBe('done');
    expect(forming.calls.count).toBe(4);
  });

  it('waits backoffMs × the attempt before each new one, none after the last', async () => {
    const waits: number[] = [];
    const errors = [notFound(), timeout(), notFound(), timeout(), notFound()];
    const { request, calls } = failing(...errors);
    await expect(retryJetStreamRequest(request, { attempts: 5, whileForming: true, backoffMs: 250, wait: async (ms) => waits.push(ms) })).rejects.toBe(errors[4]);
    expect([calls.count, waits]).toEqual([5, [250, 500, 750, 1000]]);
  });
});

describe("the JetStream retry against a real nats-server's errors", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("asks a management request again when JetStream's API did not answer in time, and gets the answer the second time", async () => {
    // A JetStream API behind a prefix whose first request goes unanswered, as while a group elects
    // its leader; later ones are relayed to the server's API.
    const seen: string[] = [];
    const relay = nc.subscribe('electing.api.>', {
      callback: (_err, msg) => {
        seen.push(msg.subject);
        if (seen.length === 1) return;
        void nc.request(msg.subject.replace(/^electing\.api/, '$JS.API'), msg.data).then((answer) => msg.respond(answer.data), () => undefined);
      },
    });
    try {
      await jsm.streams.add({ name: 'RETRY_ELECTING', subjects: ['retry.electing'] });
      const electing = await jetstreamManager(nc, { apiPrefix: 'electing.api', timeout: 500, checkAPI: false });
      const info = await retryJetStreamRequest(() => electing.streams.info('RETRY_ELECTING'));
      expect([info.config.name, seen]).toEqual(['RETRY_ELECTING', ['electing.api.STREAM.INFO.RETRY_ELECTING', 'electing.api.STREAM.INFO.RETRY_ELECTING']]);
      // Without an answer at all, the last timeout is what the caller gets, after the attempts.
      seen.length = 0;
      const silent = await jetstreamManager(nc, { apiPrefix: 'silent.api', timeout: 200, checkAPI: false });
      const unanswered = nc.subscribe('silent.api.>', { callback: (_err, msg) => void seen.push(msg.subject) });
      await expect(retryJetStreamRequest(() => silent.streams.info('RETRY_ELECTING'), { attempts: 2 })).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(seen).toHaveLength(2);
      unanswered.unsubscribe();
    } finally {
      relay.unsubscribe();
    }
  });

  it('asks again while a stream another process is creating is not found yet, and passes "not found" through otherwise', async () => {
    await expect(retryJetStreamRequest(() => jsm.streams.info('RETRY_FORMING'), { whileForming: false })).rejects.toMatchObject({ message: 'stream not found' });
    // The other process creates the stream while this one waits to ask again.
    const waits: number[] = [];
    const info = await retryJetStreamRequest(() => jsm.streams.info('RETRY_FORMING'), {
      attempts: 3,
      whileForming: true,
      backoffMs: 250,
      wait: async (ms) => {
        waits.push(ms);
        await jsm.streams.add({ name: 'RETRY_FORMING', subjects: ['retry.forming'] });
      },
    });
    expect([info.config.name, waits]).toEqual(['RETRY_FORMING', [250]]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { StorageType, jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '@kundval/infra';
import { SESSION_BUCKET, SIGN_IN_BUCKET, natsSessionStore, openSessionBucket } from './nats-session-store.js';
import { SIGN_IN_TTL_MS, memorySessionStore, type SessionStore } from './session-store.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value ? new TextDecoder().decode(value) : undefined);
const HOUR = 3600_000;

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

/** The same rules, whichever store: a write is made over the revision it was computed from, or not at all. */
const contract = (label: string, name: string, open: () => Promise<SessionStore>) =>
  describe(`the ${label} session store`, () => {
    let store: SessionStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(() => store.close());

    it('creates an entry once: a second creation under the same key is refused and changes nothing', async () => {
      const first = await store.create(`${name}.a`, bytes('one'));
      expect(first).toBeGreaterThan(0);
      expect(await store.create(`${name}.a`, bytes('two'))).toBeNull();
      const got = await store.get(`${name}.a`);
      expect([text(got?.value), got?.revision]).toEqual(['one', first]);
    });

    it('updates over the revision read only: of two writers that read the same revision, the second is refused', async () => {
      const created = (await store.create(`${name}.b`, bytes('v1')))!;
      const first = await store.update(`${name}.b`, bytes('by replica 1'), created);
      const second = await store.update(`${name}.b`, bytes('by replica 2'), created);
      expect(first).toBeGreaterThan(created);
      expect(second).toBeNull();
      const got = await store.get(`${name}.b`);
      expect([text(got?.value), got?.revision]).toEqual(['by replica 1', first]);
      expect(await store.update(`${name}.b`, bytes('v3'), first!)).toBeGreaterThan(first!);
    });

    it('forgets a deleted entry: not read, not updated, and the key may be created again', async () => {
      const created = (await store.create(`${name}.c`, bytes('x')))!;
      await store.delete(`${name}.c`);
      expect(await store.get(`${name}.c`)).toBeNull();
      expect(await store.update(`${name}.c`, bytes('y'), created)).toBeNull();
      expect(await store.get(`${name}.c`)).toBeNull();
      expect(await store.create(`${name}.c`, bytes('z'))).toBeGreaterThan(0);
      expect(text((await store.get(`${name}.c`))?.value)).toBe('z');
    });

    it('answers null for a key never written', async () => {
      expect(await store.get(`${name}.never`)).toBeNull();
    });
  });

contract('in-memory (one process only)', 'memory', async () => memorySessionStore({ ttlMs: 8 * HOUR }));
contract('NATS key-value', 'nats', () => natsSessionStore({ url: nats.url, replicas: 1, ttlMs: 8 * HOUR, name: 'store-test' }));

describe('the session bucket, declared once (ADR 0043)', () => {
  it('is a file-stored bucket of one revision per key, read at its leader, living a session, with the replicas asked', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      await openSessionBucket(nc, { replicas: 1, ttlMs: 8 * HOUR });
      // A second replica's start opens the same bucket, changing nothing.
      await openSessionBucket(nc, { replicas: 1, ttlMs: 8 * HOUR });
      const { config } = await (await jetstreamManager(nc)).streams.info(`KV_${SESSION_BUCKET}`);
      expect([config.max_age, config.max_msgs_per_subject, config.storage, config.allow_direct, config.num_replicas]).toEqual([8 * HOUR * 1_000_000, 1, StorageType.File, false, 1]);
    } finally {
      await nc.close();
    }
  });

  it('keeps sign-ins on their way in a bucket of their own whose entries live ten minutes, apart from the sessions', async () => {
    const store = await natsSessionStore({ url: nats.url, replicas: 1, ttlMs: 8 * HOUR, name: 'sign-ins' });
    const nc = await connect({ servers: nats.url });
    try {
      await store.create('signin.pending', bytes('verifier'));
      await store.create('session.person', bytes('tokens'));
      const jsm = await jetstreamManager(nc);
      const signIns = await jsm.streams.info(`KV_${SIGN_IN_BUCKET}`);
      expect([signIns.config.max_age, signIns.config.max_msgs_per_subject, signIns.config.allow_direct]).toEqual([SIGN_IN_TTL_MS * 1_000_000, 1, false]);
      expect((await jsm.streams.getMessage(`KV_${SIGN_IN_BUCKET}`, { last_by_subj: `$KV.${SIGN_IN_BUCKET}.signin.pending` }))?.string()).toBe('verifier');
      expect((await jsm.streams.getMessage(`KV_${SESSION_BUCKET}`, { last_by_subj: `$KV.${SESSION_BUCKET}.session.person` }))?.string()).toBe('tokens');
      expect(text((await store.get('signin.pending'))?.value)).toBe('verifier');
    } finally {
      await nc.close();
      await store.close();
    }
  });

  it("applies a changed lifetime at the next start, and drops an entry that long after its last write", async () => {
    const store = await natsSessionStore({ url: nats.url, replicas: 1, ttlMs: 1_000, name: 'short-lived' });
    try {
      const nc = await connect({ servers: nats.url });
      expect((await (await jetstreamManager(nc)).streams.info(`KV_${SESSION_BUCKET}`)).config.max_age).toBe(1_000 * 1_000_000);
      await nc.close();
      await store.create('session.short', bytes('x'));
      expect(text((await store.get('session.short'))?.value)).toBe('x');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await store.get('session.short')).toBeNull();
    } finally {
      await store.close();
    }
  });
});

describe('the in-memory store', () => {
  it("drops a sign-in on its way after ten minutes, a session's entry only after the session's lifetime", async () => {
    let now = 0;
    const store = memorySessionStore({ ttlMs: 8 * HOUR, now: () => now });
    await store.create('signin.x', bytes('verifier'));
    await store.create('session.y', bytes('tokens'));
    now = SIGN_IN_TTL_MS - 1;
    expect(text((await store.get('signin.x'))?.value)).toBe('verifier');
    now = SIGN_IN_TTL_MS;
    expect([await store.get('signin.x'), text((await store.get('session.y'))?.value)]).toEqual([null, 'tokens']);
  });

  it('drops an entry its lifetime after the last write, as the bucket does', async () => {
    let now = 0;
    const store = memorySessionStore({ ttlMs: 1_000, now: () => now });
    const r1 = (await store.create('k', bytes('x')))!;
    now = 900;
    const r2 = (await store.update('k', bytes('y'), r1))!;
    now = 1_800;
    expect(text((await store.get('k'))?.value)).toBe('y');
    now = 1_900;
    expect(await store.get('k')).toBeNull();
    expect(await store.update('k', bytes('z'), r2)).toBeNull();
  });
});

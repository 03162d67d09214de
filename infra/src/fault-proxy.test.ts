import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

/** A stand-in service that records every command it carries out. */
function recordingService() {
  const committed: Array<{ method: string; url: string; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      committed.push({ method: req.method ?? '', url: req.url ?? '', body });
      const status = req.url?.startsWith('/refuse') ? 409 : 201;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ n: committed.length, echo: body }));
    });
  });
  return { server, committed };
}

describe('startFaultProxy', () => {
  const service = recordingService();
  let target: string;
  const proxies: FaultProxy[] = [];
  const proxy = async (seed?: number) => {
    const p = await startFaultProxy({ name: 'orders', target, ...(seed === undefined ? {} : { seed }) });
    proxies.push(p);
    return p;
  };
  const post = (p: FaultProxy, path: string, body: unknown = {}) =>
    fetch(`${p.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
    target = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await new Promise((resolve) => service.server.close(resolve));
  });

  it('passes requests and answers through unchanged, query and body included', async () => {
    const p = await proxy();
    const answer = await post(p, '/orders?x=1', { decisionId: 'd-1' });
    expect(answer.status).toBe(201);
    expect(await answer.json()).toMatchObject({ echo: JSON.stringify({ decisionId: 'd-1' }) });
    expect(service.committed.at(-1)).toMatchObject({ method: 'POST', url: '/orders?x=1' });
  });

  it('loses the answer to the first matching command after the service has carried it out', async () => {
    const p = await proxy();
    const rule = p.addRule({ method: 'POST', path: /^\/orders\/[^/]+\/end$/, times: 1 });
    const before = service.committed.length;

    await expect(post(p, '/orders/o-1/end', { endDate: '2026-03-31' })).rejects.toThrow(/fetch failed/);
    expect(service.committed.slice(before)).toEqual([{ method: 'POST', url: '/orders/o-1/end', body: JSON.stringify({ endDate: '2026-03-31' }) }]);
    expect(rule.fired).toBe(1);
    expect(p.injected).toEqual([expect.objectContaining({ proxy: 'orders', fault: 'lose-response', method: 'POST', path: '/orders/o-1/end', status: 201 })]);

    // Only the first: the retry, and other paths and methods, are answered.
    expect((await post(p, '/orders/o-1/end')).status).toBe(201);
    expect((await post(p, '/orders')).status).toBe(201);
    expect((await fetch(`${p.url}/orders/o-1/end`)).status).toBe(201);
    expect(rule.fired).toBe(1);
  });

  it('counts only answers the service carried out unless told otherwise', async () => {
    const p = await proxy();
    const rule = p.addRule({ path: /^\/refuse/, times: 1 });
    expect((await post(p, '/refuse')).status).toBe(409);
    expect(rule.fired).toBe(0);
    p.addRule({ path: /^\/refuse/, times: 1, statuses: (s) => s === 409 });
    await expect(post(p, '/refuse')).rejects.toThrow(/fetch failed/);
  });

  it('refuses a matching request before it reaches the service', async () => {
    const p = await proxy();
    p.addRule({ method: 'POST', path: /^\/fees$/, fault: 'refuse-request', times: 1 });
    const before = service.committed.length;
    await expect(post(p, '/fees')).rejects.toThrow(/fetch failed/);
    expect(service.committed.length).toBe(before);
    expect((await post(p, '/fees')).status).toBe(201);
  });

  it('loses the same share of answers for the same seed', async () => {
    const pattern = async (seed: number) => {
      const p = await proxy(seed);
      p.addRule({ path: /^\/tasks$/, probability: 0.5 });
      const outcomes: string[] = [];
      for (let i = 0; i < 16; i++) outcomes.push(await post(p, '/tasks').then(() => 'ok', () => 'lost'));
      return outcomes.join(' ');
    };
    const first = await pattern(42);
    expect(await pattern(42)).toBe(first);
    expect(first).toContain('lost');
    expect(first).toContain('ok');
  });

  it('answers 502 while the service is down, which callers retry', async () => {
    const p = await startFaultProxy({ name: 'gone', target: 'http://127.0.0.1:9' });
    proxies.push(p);
    const answer = await post(p, '/orders');
    expect(answer.status).toBe(502);
    expect(await answer.json()).toMatchObject({ error: 'PROXY.UPSTREAM_UNREACHABLE' });
  });

  it('resolves firedTimes once the rule has acted that often', async () => {
    const p = await proxy();
    const rule = p.addRule({ method: 'POST', path: /^\/reminders$/, times: 2 });
    const twice = rule.firedTimes(2);
    await post(p, '/reminders').catch(() => undefined);
    await post(p, '/reminders').catch(() => undefined);
    await expect(twice).resolves.toBeUndefined();
  });
});

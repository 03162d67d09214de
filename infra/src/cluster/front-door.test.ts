import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../ports.js';
import { startFrontDoor, type FrontDoor } from './front-door.js';

async function replica(name: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}

describe('the front door of a service’s replicas', () => {
  let door: FrontDoor | undefined;
  const replicas: Array<{ server: Server; port: number }> = [];
  afterAll(async () => {
    await door?.stop();
    for (const r of replicas) r.server.close();
  });

  it('hands connections to each replica in turn, and passes over one that is down', async () => {
    replicas.push(await replica('one'), await replica('two'));
    door = await startFrontDoor(replicas.map((r) => ({ host: '127.0.0.1', port: r.port })));
    // A fresh connection per request, as kube-proxy balances connections, not requests.
    const ask = async () => (await fetch(door!.url, { headers: { connection: 'close' } })).text();
    expect([await ask(), await ask(), await ask(), await ask()].sort()).toEqual(['one', 'one', 'two', 'two']);

    await new Promise<void>((resolve) => {
      replicas[0]!.server.closeAllConnections();
      replicas[0]!.server.close(() => resolve());
    });
    expect([await ask(), await ask(), await ask()]).toEqual(['two', 'two', 'two']);
  });
});

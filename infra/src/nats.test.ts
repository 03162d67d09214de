import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from './nats.js';
import { freePort } from './ports.js';
import { canConnect } from './process.js';

/** The first line a NATS server sends to every client: `INFO {...}`. */
function readInfoLine(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.setTimeout(5_000, () => reject(new Error('no INFO line within 5 s')));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const end = received.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(received.slice(0, end));
      }
    });
    socket.on('error', reject);
  });
}

describe('startNatsServer', () => {
  it('starts nats-server with JetStream, then stops it and removes its temporary store', async () => {
    const nats = await startNatsServer();
    const port = Number(new URL(nats.url).port);
    const monitorPort = Number(new URL(nats.monitorUrl).port);
    expect(nats.url).toBe(`nats://127.0.0.1:${port}`);

    const info = await readInfoLine(nats.url);
    expect(info).toMatch(/^INFO /);
    expect(JSON.parse(info.slice('INFO '.length))).toMatchObject({ version: '2.12.15', jetstream: true });

    const health = await fetch(`${nats.monitorUrl}/healthz?js-enabled-only=true`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const jsz = (await (await fetch(`${nats.monitorUrl}/jsz`)).json()) as { config: { store_dir: string } };
    const storeDir = jsz.config.store_dir;
    expect(existsSync(storeDir)).toBe(true);

    await nats.stop();
    await nats.stop(); // idempotent
    expect(await canConnect('127.0.0.1', port)).toBe(false);
    expect(await canConnect('127.0.0.1', monitorPort)).toBe(false);
    expect(existsSync(storeDir)).toBe(false);
  });

  it('keeps a given store folder', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'kundval-nats-test-'));
    try {
      const nats = await startNatsServer({ storeDir });
      await nats.stop();
      expect(await readdir(storeDir)).toContain('jetstream');
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  });

  it('fails with the server output when the port is taken', async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startNatsServer({ port })).rejects.toThrow(/nats-server exited with code \d+ before .*address already in use/s);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

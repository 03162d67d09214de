import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canConnect, runCommand } from './process.js';
import { startTemporalDevServer, type TemporalDevServer } from './temporal.js';
import { resolveTool } from './tools.js';

/** Runs the temporal CLI against `server` and returns its stdout; fails the test on a non-zero exit. */
async function temporalCli(server: TemporalDevServer, ...args: string[]): Promise<string> {
  const result = await runCommand(resolveTool('temporal'), [...args, '--address', server.address, '--namespace', server.namespace]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

function portOf(address: string): number {
  return Number(address.split(':')[1]);
}

describe('startTemporalDevServer', () => {
  it('starts an in-memory dev server with a namespace and search attributes, then stops it', async () => {
    const temporal = await startTemporalDevServer({
      namespace: 'kundval-test',
      searchAttributes: { ApplicationId: 'Keyword', Municipality: 'KeywordList' },
    });
    expect(temporal.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(temporal.namespace).toBe('kundval-test');
    expect(await canConnect('127.0.0.1', portOf(temporal.address))).toBe(true);

    await temporalCli(temporal, 'workflow', 'list');
    const attributes = await temporalCli(temporal, 'operator', 'search-attribute', 'list');
    expect(attributes).toMatch(/ApplicationId\s+Keyword\b/);
    expect(attributes).toMatch(/Municipality\s+KeywordList\b/);
    const ui = await fetch(temporal.uiUrl);
    expect(ui.status).toBe(200);

    await temporal.stop();
    await temporal.stop(); // idempotent
    expect(await canConnect('127.0.0.1', portOf(temporal.address))).toBe(false);
    expect(await canConnect('127.0.0.1', Number(new URL(temporal.uiUrl).port))).toBe(false);
  });

  it('keeps workflow history in dataDir across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kundval-temporal-test-'));
    try {
      const first = await startTemporalDevServer({ dataDir, namespace: 'kundval-test', searchAttributes: { ApplicationId: 'Keyword' } });
      // No worker is needed: starting a workflow only records it.
      await temporalCli(first, 'workflow', 'start', '--task-queue', 'nobody-polls', '--type', 'Anything', '--workflow-id', 'survives-restart');
      await first.stop();

      // Same namespace and search attributes again: a restart must accept what already exists.
      const second = await startTemporalDevServer({ dataDir, namespace: 'kundval-test', searchAttributes: { ApplicationId: 'Keyword' } });
      try {
        const described = await temporalCli(second, 'workflow', 'describe', '--workflow-id', 'survives-restart');
        expect(described).toContain('survives-restart');
        await temporalCli(second, 'workflow', 'list');
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

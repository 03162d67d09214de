import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ServerProcess, startReady, type ExitInfo } from '../process.js';
import { resolveTool } from '../tools.js';

export interface TemporalUiServer {
  readonly pid: number | undefined;
  readonly exited: Promise<ExitInfo>;
  readonly stopRequested: boolean;
  stop(): Promise<void>;
}

/** Writes the Web UI server's configuration (under `dataDir/temporal-ui`), pointed at the frontend, opening on `namespace`. */
export async function planTemporalUi(dataDir: string, options: { address: string; port: number; namespace: string }): Promise<string> {
  const root = resolve(dataDir, 'temporal-ui');
  await mkdir(join(root, 'config'), { recursive: true });
  const config = [
    `temporalGrpcAddress: ${options.address}`,
    'host: 127.0.0.1',
    `port: ${options.port}`,
    'enableUi: true',
    `defaultNamespace: ${options.namespace}`,
    'auth:',
    '  enabled: false',
    '',
  ].join('\n');
  for (const file of ['base.yaml', 'development.yaml']) await writeFile(join(root, 'config', file), config);
  return root;
}

/** Starts the Temporal Web UI server (its assets are built into the binary) and resolves once it serves its page. */
export async function startTemporalUi(root: string, url: string, log?: (line: string) => void): Promise<TemporalUiServer> {
  const server = new ServerProcess({
    name: 'temporal-ui-server',
    command: resolveTool('temporal-ui-server'),
    args: ['--root', root, '--config', 'config', '--env', 'development', 'start'],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5_000,
    ...(log ? { log } : {}),
  });
  return startReady(server, async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok, { timeoutMs: 30_000, what: `the Web UI on ${url}` });
}

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, ServerProcess, sleep, startReady, waitUntilReady } from './process.js';

/** Alive and not a zombie (a container's PID 1 may never reap orphans). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** A "server" that forks a grandchild and prints its pid, to check that the whole group goes. */
const FORKING_SERVER = 'sleep 300 & echo "child $!"; trap "" TERM; sleep 300';

async function grandchildPid(server: ServerProcess): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const match = /child (\d+)/.exec(server.recentOutput());
    if (match) return Number(match[1]);
    await sleep(50);
  }
  throw new Error('the test server never printed its child pid');
}

describe('ServerProcess', () => {
  it('rejects readiness with the output of a server that dies early', async () => {
    const server = new ServerProcess({ name: 'doomed', command: 'sh', args: ['-c', 'echo "no such config" >&2; exit 3'] });
    await expect(waitUntilReady(server, async () => false, { timeoutMs: 10_000, what: 'nothing' })).rejects.toThrow(
      /doomed exited with code 3 before nothing\. Last output:\nno such config/,
    );
    await server.stop();
  });

  it('reports a binary that cannot be started', async () => {
    const server = new ServerProcess({ name: 'ghost', command: '/nonexistent/ghost', args: [] });
    await expect(waitUntilReady(server, async () => false, { timeoutMs: 10_000, what: 'anything' })).rejects.toThrow(/ghost could not be started.*ENOENT/);
  });

  it('returns a process once it is ready, and stops one that is not ready in time, leaving nothing running', async () => {
    const ready = new ServerProcess({ name: 'ready', command: 'sh', args: ['-c', 'echo up; sleep 300'] });
    expect(await startReady(ready, async () => ready.recentOutput().includes('up'), { timeoutMs: 10_000, what: 'its greeting' })).toBe(ready);
    await ready.stop();

    const slow = new ServerProcess({ name: 'slow', command: 'sh', args: ['-c', FORKING_SERVER], stopTimeoutMs: 500 });
    const child = await grandchildPid(slow);
    await expect(startReady(slow, async () => false, { timeoutMs: 300, what: 'a greeting that never comes' })).rejects.toThrow(/slow was not ready within 0.3 s/);
    expect(slow.exitInfo).toBeDefined();
    await sleep(100);
    expect(isAlive(child)).toBe(false);
  });

  it('kills the whole process group, with SIGKILL when the polite signal is ignored', async () => {
    const server = new ServerProcess({ name: 'stubborn', command: 'sh', args: ['-c', FORKING_SERVER], stopTimeoutMs: 500 });
    const child = await grandchildPid(server);
    expect(isAlive(child)).toBe(true);
    await server.stop();
    expect(server.exitInfo?.signal).toBe('SIGKILL');
    await sleep(100);
    expect(isAlive(child)).toBe(false);
  });
});

describe('exit hooks', () => {
  // The hooks act when the process exits, so they run in a child Node process, which needs
  // plain JavaScript: compile this package into a temp folder once.
  let compiled: string;
  beforeAll(async () => {
    compiled = await mkdtemp(join(tmpdir(), 'kundval-infra-js-'));
    const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
    const tsc = await runCommand(
      process.execPath,
      [join(packageDir, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(packageDir, 'tsconfig.build.json'), '--outDir', compiled, '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'],
      { timeoutMs: 120_000 },
    );
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
  });
  afterAll(async () => {
    await rm(compiled, { recursive: true, force: true });
  });

  /** Starts a Node process that runs FORKING_SERVER and, once that has forked, `after`; returns the pids involved. */
  async function runParent(after: string, killWith?: NodeJS.Signals) {
    const tempDir = await mkdtemp(join(tmpdir(), 'kundval-hook-test-'));
    const script = join(compiled, `parent-${Date.now()}.mjs`);
    await writeFile(
      script,
      `import { ServerProcess } from './process.js';
       const server = new ServerProcess({ name: 'test', command: 'sh', args: ['-c', ${JSON.stringify(FORKING_SERVER)}],
         stopTimeoutMs: 500, cleanupPaths: [${JSON.stringify(tempDir)}], log: (line) => {
           console.log(line);
           if (line.startsWith('child ')) { ${after} }
         } });
       console.log('server ' + server.pid);`,
    );
    const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let exited = false;
    parent.on('exit', () => (exited = true));
    while (!/child \d+/.test(output)) {
      if (exited) throw new Error(`the parent process exited early:\n${output}`);
      await sleep(50);
    }
    const serverPid = Number(/server (\d+)/.exec(output)?.[1]);
    const childPid = Number(/child (\d+)/.exec(output)?.[1]);
    if (killWith) parent.kill(killWith);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (parent.exitCode !== null || parent.signalCode !== null) resolve({ code: parent.exitCode, signal: parent.signalCode });
      else parent.on('exit', (code, signal) => resolve({ code, signal }));
    });
    await sleep(100);
    return { exit, serverPid, childPid, tempDir };
  }

  it('stops servers on SIGTERM and then lets the signal end the process', async () => {
    const { exit, serverPid, childPid, tempDir } = await runParent('', 'SIGTERM');
    expect(exit.signal).toBe('SIGTERM');
    expect(isAlive(serverPid)).toBe(false);
    expect(isAlive(childPid)).toBe(false);
    expect(existsSync(tempDir)).toBe(false);
  });

  it('kills servers when the process exits', async () => {
    const { exit, serverPid, childPid, tempDir } = await runParent('process.exit(4);');
    expect(exit.code).toBe(4);
    expect(isAlive(serverPid)).toBe(false);
    expect(isAlive(childPid)).toBe(false);
    expect(existsSync(tempDir)).toBe(false);
  });
});

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

/** How a server process is started and stopped. */
export interface ServerProcessOptions {
  /** Short name used in log lines and errors, e.g. `nats-server`. */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as another user; PostgreSQL refuses to run as root. */
  uid?: number;
  gid?: number;
  /** The signal that asks the server for a clean shutdown. SIGKILL follows after `stopTimeoutMs`. */
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
  /** Temporary folders to delete once the server is gone. */
  cleanupPaths?: readonly string[];
  /** Receives every line the server writes to stdout or stderr. */
  log?: (line: string) => void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

/** Lines of output kept for error messages. */
const RECENT_LINES = 40;

/** Servers started by this process and not yet stopped; killed if this process goes away. */
const running = new Set<ServerProcess>();

/**
 * A long-running server in its own process group. The group matters because some servers fork
 * (PostgreSQL backends), and a plain kill of the leader could leave children holding the port.
 */
export class ServerProcess {
  readonly name: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  readonly #child: ChildProcess;
  readonly #options: ServerProcessOptions;
  readonly #recent: string[] = [];
  #exit: ExitInfo | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: ServerProcessOptions) {
    this.name = options.name;
    this.#options = options;
    installExitHooks();
    this.#child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      uid: options.uid,
      gid: options.gid,
      // A process group of its own, so that stop() can signal everything the server forked.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);

    let settle: (info: ExitInfo) => void = () => {};
    this.exited = new Promise((resolve) => (settle = resolve));
    const onExit = (info: ExitInfo): void => {
      if (this.#exit) return;
      this.#exit = info;
      if (!this.#stopping) options.log?.(`${this.name} ${describeExit(info)}`);
      settle(info);
    };
    this.#child.on('exit', (code, signal) => onExit({ code, signal }));
    this.#child.on('error', (error) => {
      // 'error' also reports failed kill() calls; only a missing pid means the spawn itself failed.
      if (this.#child.pid === undefined) onExit({ code: null, signal: null, error });
    });

    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.#recent.push(line);
        if (this.#recent.length > RECENT_LINES) this.#recent.shift();
        options.log?.(line);
      });
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Exit details once the process has exited, else undefined. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** True once someone asked the server to stop: its exit is then no crash. */
  get stopRequested(): boolean {
    return this.#stopping !== undefined;
  }

  /** The last lines the server printed, for error messages. */
  recentOutput(): string {
    return this.#recent.join('\n');
  }

  /** An error that says what happened and shows the server's last output. */
  failure(message: string): Error {
    const output = this.recentOutput();
    return new Error(`${this.name} ${message}${output ? `. Last output:\n${output}` : ' (it printed nothing)'}`);
  }

  /**
   * Asks the server to shut down, kills its process group if it takes longer than the stop timeout,
   * waits until it has exited and deletes its temporary folders. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (!this.#exit) {
      // Only the leader gets the polite signal: it shuts its own children down in order
      // (a SIGINT to every PostgreSQL backend would merely cancel their queries).
      signal(this.#child.pid, this.#options.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => signal(-(this.#child.pid ?? 0), 'SIGKILL'), this.#options.stopTimeoutMs ?? 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    // Anything the server forked and left behind would keep ports or files busy.
    signal(-(this.#child.pid ?? 0), 'SIGKILL');
    running.delete(this);
    await Promise.all((this.#options.cleanupPaths ?? []).map((path) => rm(path, { recursive: true, force: true, maxRetries: 5 })));
  }

  /** Last resort while this process exits: no time to wait, so kill and delete synchronously. */
  killNow(): void {
    signal(-(this.#child.pid ?? 0), 'SIGKILL');
    running.delete(this);
    for (const path of this.#options.cleanupPaths ?? []) {
      try {
        rmSync(path, { recursive: true, force: true, maxRetries: 5 });
      } catch {
        // Best effort: the process is exiting and a leftover temp folder is harmless.
      }
    }
  }
}

/**
 * Polls `isReady` until it returns true. Fails early, with the server's output, when the server
 * exits, and after `timeoutMs` (stopping the server is left to the caller).
 */
export async function waitUntilReady(
  server: ServerProcess,
  isReady: () => Promise<boolean>,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const exit = server.exitInfo;
    if (exit) throw server.failure(`${describeExit(exit)} before ${options.what}`);
    if (await isReady().catch(() => false)) return;
    if (Date.now() >= deadline) {
      throw server.failure(`was not ready within ${options.timeoutMs / 1000} s (waiting for ${options.what})`);
    }
    await Promise.race([sleep(options.intervalMs ?? 250), server.exited]);
  }
}

/**
 * Waits until a freshly started process is ready and returns it; a process that never gets there
 * is stopped, so a failed start leaves nothing running (every launcher of a supervised process).
 */
export async function startReady(server: ServerProcess, isReady: () => Promise<boolean>, options: { timeoutMs: number; what: string }): Promise<ServerProcess> {
  try {
    await waitUntilReady(server, isReady, options);
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export interface CommandResult {
  /** Exit code; null when the command could not run or was killed (e.g. on timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion. Never throws: inspect `code`. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        uid: options.uid,
        gid: options.gid,
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const code = typeof error.code === 'number' ? error.code : null;
        // Without an exit code the reason (ENOENT, timeout) is only in the error itself.
        resolve({ code, stdout, stderr: code === null ? `${stderr}${error.message}` : stderr });
      },
    );
  });
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeExit(exit: ExitInfo): string {
  if (exit.error) return `could not be started (${exit.error.message})`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** process.kill without the noise: the target being gone already (ESRCH) is the goal, not an error. */
function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

let hooksInstalled = false;

/**
 * Makes sure no server outlives this process. Servers run in their own process groups, so a
 * Ctrl-C in a terminal does not reach them: on SIGINT/SIGTERM/SIGHUP they are stopped cleanly
 * and the signal is then re-raised, so the process still ends as it would have without us (unless
 * the application handles that signal itself). A second signal, or a plain exit, kills at once.
 * Nothing can be done when this process is SIGKILLed.
 */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const server of [...running]) server.killNow();
  });
  let shuttingDown = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      const reRaise = (): void => {
        process.removeListener(sig, onSignal);
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      };
      if (shuttingDown) {
        for (const server of [...running]) server.killNow();
        reRaise();
        return;
      }
      shuttingDown = true;
      void Promise.allSettled([...running].map((server) => server.stop())).then(reRaise);
    };
    process.on(sig, onSignal);
  }
}

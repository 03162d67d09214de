import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PhaseProfiler } from './cpu-profile.js';

/** A message between the orchestrator and a benchmark child process: a `type` and its data. */
export type Message = { type: string } & Record<string, unknown>;

/**
 * A benchmark process of its own (a server, a load generator, a producer or consumer), run with tsx
 * and spoken to over Node's IPC channel. Separate processes keep the load generator's CPU out of the
 * measured process's event loop, as a real client would.
 */
export class Child {
  readonly #process: ChildProcess;
  readonly #inbox: Message[] = [];
  readonly #waiting: Array<{ type: string; resolve: (m: Message) => void; reject: (e: Error) => void }> = [];
  readonly #output: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    script: URL,
    options: { args?: string[]; env?: Record<string, string>; quiet?: boolean } = {},
  ) {
    this.#process = fork(fileURLToPath(script), options.args ?? [], {
      // BENCH_CPU_PROF_DIR: every child writes a V8 CPU profile there (Node refuses --cpu-prof in NODE_OPTIONS).
      execArgv: ['--import', 'tsx', ...(process.env['BENCH_CPU_PROF_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF_DIR']}`] : [])],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      this.#output.push(text);
      if (this.#output.length > 200) this.#output.shift();
      if (!options.quiet) process.stderr.write(text.replace(/^(?=.)/gm, `[${name}] `));
    };
    this.#process.stdout?.on('data', keep);
    this.#process.stderr?.on('data', keep);
    this.#process.on('message', (raw) => {
      const message = raw as Message;
      const i = this.#waiting.findIndex((w) => w.type === message.type);
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve(message);
      else this.#inbox.push(message);
    });
    this.exited = new Promise((resolve) => {
      this.#process.on('exit', (code) => {
        for (const w of this.#waiting.splice(0)) w.reject(new Error(`${name} exited (${code}) while waiting for "${w.type}":\n${this.#output.join('').slice(-3000)}`));
        resolve(code);
      });
    });
  }

  /** The process id (for reading its CPU time from /proc). */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  send(message: Message): void {
    this.#process.send(message);
  }

  /** The next message of this type, or an error when the process exits or `timeoutMs` passes first. */
  next<T extends Message = Message>(type: string, timeoutMs = 600_000): Promise<T> {
    const i = this.#inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0] as T);
    if (this.#process.exitCode !== null) return Promise.reject(new Error(`${this.name} has exited`));
    return new Promise<T>((resolve, reject) => {
      const waiter = { type, resolve: resolve as (m: Message) => void, reject };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      waiter.resolve = (m) => {
        clearTimeout(timer);
        resolve(m as T);
      };
      waiter.reject = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      this.#waiting.push(waiter);
    });
  }

  /** Sends a request and waits for its answer (`<type>` → `<type>:done`); an answer with `error` throws. */
  async request<T extends Message = Message>(message: Message, timeoutMs?: number): Promise<T> {
    const answer = this.next<T>(`${message.type}:done`, timeoutMs);
    this.send(message);
    const done = await answer;
    if (typeof done['error'] === 'string') throw new Error(`${this.name} failed on ${message.type}: ${done['error']}`);
    return done;
  }

  async stop(): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    this.#process.kill('SIGTERM');
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** In a child: sends a message to the orchestrator. */
export function tell(message: Message): void {
  process.send?.(message);
}

/**
 * In a child: answers each request type with its handler (`<type>:done`, with `error` when it
 * failed), and exits cleanly on SIGTERM (or when the orchestrator goes away) after `onStop`.
 * Every child also answers `cpu-profile:start` and `cpu-profile:stop` (`{ file }`, answered with
 * the profile's summary), so that a benchmark can profile one phase of its processes.
 */
export function serve(handlers: Record<string, (message: Message) => Promise<Record<string, unknown>>>, onStop: () => Promise<void> = async () => undefined): void {
  const profiler = new PhaseProfiler();
  const builtIn: Record<string, (message: Message) => Promise<Record<string, unknown>>> = {
    'cpu-profile:start': async () => (await profiler.start(), {}),
    'cpu-profile:stop': async (message) => ({ summary: await profiler.stop(String(message['file'])) }),
  };
  process.on('message', (raw) => {
    const message = raw as Message;
    const handler = handlers[message.type] ?? builtIn[message.type];
    if (!handler) return tell({ type: `${message.type}:done`, error: `no handler for ${message.type}` });
    handler(message).then(
      (result) => tell({ type: `${message.type}:done`, ...result }),
      (err: unknown) => {
        console.error(err);
        tell({ type: `${message.type}:done`, error: err instanceof Error ? err.message : String(err) });
      },
    );
  });
  process.once('SIGTERM', () => {
    onStop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

import type { ExitInfo } from './process.js';

/** One running incarnation of a supervised component: a process started and found ready. */
export interface Incarnation {
  readonly pid: number | undefined;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** True once it was asked to stop (also by others, e.g. the exit hooks on Ctrl-C): its exit is no crash. */
  readonly stopRequested?: boolean;
  /** Asks it to shut down cleanly and waits until it has. */
  stop(): Promise<void>;
}

/**
 * How long to wait before each restart: `initialMs × factor^(attempt − 1)`, at most `maxMs`. The
 * attempt count starts again at 1 once an incarnation has stayed up `resetAfterMs`, so a component
 * that crashes once a day restarts at once, while one that crashes on boot is not restarted in a
 * tight loop that would starve the machine.
 */
export interface BackoffPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, factor: 2, maxMs: 30_000, resetAfterMs: 60_000 };

/** The delay before restart number `attempt` (1 = the first restart after a good run). */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxMs, Math.round(policy.initialMs * policy.factor ** Math.max(0, attempt - 1)));
}

export type SupervisorEvent =
  | { kind: 'crashed'; name: string; exit: ExitInfo; uptimeMs: number; attempt: number; restartInMs: number }
  | { kind: 'restart-failed'; name: string; error: Error; attempt: number; restartInMs: number }
  | { kind: 'restarted'; name: string; pid: number | undefined; downMs: number; attempt: number };

export interface SupervisorOptions {
  /** Short name used in events, e.g. `orders`. */
  name: string;
  /** Starts one incarnation and resolves once it is ready; rejects (having cleaned up) when it cannot. */
  launch: () => Promise<Incarnation>;
  backoff?: Partial<BackoffPolicy>;
  /** Receives every crash and restart; `describeSupervisorEvent` makes a log line of one. */
  onEvent?: (event: SupervisorEvent) => void;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * Keeps one component running: when its process exits without having been asked to, the
 * supervisor reports the crash and starts it again after a backoff delay. A clean `stop()` (or a
 * `halt()`, which kills without restarting) is never followed by a restart.
 */
export class Supervisor {
  readonly name: string;
  readonly #options: SupervisorOptions;
  readonly #backoff: BackoffPolicy;
  readonly #now: () => number;
  #current: Incarnation | undefined;
  #upSince = 0;
  #attempt = 0;
  #restarts = 0;
  /** True while the supervisor wants the component to run. */
  #wanted = false;
  #timer: NodeJS.Timeout | undefined;
  #restarting: Promise<void> | undefined;
  #waiters: Array<(restart: { downMs: number; pid: number | undefined }) => void> = [];

  constructor(options: SupervisorOptions) {
    this.name = options.name;
    this.#options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#now = options.now ?? Date.now;
  }

  /** The incarnation running now, if any. */
  get current(): Incarnation | undefined {
    return this.#current;
  }

  get running(): boolean {
    return this.#current !== undefined;
  }

  /** How many times the component has been restarted after a crash. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Starts the component and supervises it from then on. A component that cannot start the first
   * time is a configuration problem, not a crash: the error is thrown, nothing is retried.
   */
  async start(): Promise<void> {
    // Already supervised: running, or a restart is on its way.
    if (this.#wanted) return;
    this.#wanted = true;
    this.#attempt = 0;
    try {
      this.#adopt(await this.#options.launch());
    } catch (error) {
      this.#wanted = false;
      throw error;
    }
  }

  /** Resolves when the component is next back after a crash: how long it was down, and its new pid. */
  nextRestart(): Promise<{ downMs: number; pid: number | undefined }> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Sends `signal` to the component's process, as a crash would; the supervisor restarts it. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    const pid = this.#current?.pid;
    if (pid) process.kill(pid, signal);
  }

  /** Kills the component with `signal` and keeps it down until `start()`. */
  async halt(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.#wanted = false;
    this.#cancelRestart();
    await this.#restarting;
    const current = this.#current;
    if (!current) return;
    if (current.pid) process.kill(current.pid, signal);
    await current.exited;
    await current.stop();
    this.#current = undefined;
  }

  /** Stops the component cleanly; it is not restarted. Safe to call more than once. */
  async stop(): Promise<void> {
    this.#wanted = false;
    this.#cancelRestart();
    await this.#restarting;
    const current = this.#current;
    this.#current = undefined;
    await current?.stop();
  }

  #adopt(incarnation: Incarnation): void {
    this.#current = incarnation;
    this.#upSince = this.#now();
    void incarnation.exited.then((exit) => this.#onExit(incarnation, exit));
  }

  #onExit(incarnation: Incarnation, exit: ExitInfo): void {
    if (this.#current !== incarnation || !this.#wanted) return;
    this.#current = undefined;
    if (incarnation.stopRequested) {
      // Stopped cleanly by someone else (the exit hooks on Ctrl-C): not a crash, nothing to restart.
      this.#wanted = false;
      return;
    }
    const downSince = this.#now();
    const uptimeMs = downSince - this.#upSince;
    this.#attempt = uptimeMs >= this.#backoff.resetAfterMs ? 1 : this.#attempt + 1;
    const restartInMs = backoffDelay(this.#backoff, this.#attempt);
    this.#options.onEvent?.({ kind: 'crashed', name: this.name, exit, uptimeMs, attempt: this.#attempt, restartInMs });
    // The dead process's group may hold children; stop() kills whatever is left of it.
    void incarnation.stop().catch(() => undefined);
    this.#schedule(restartInMs, downSince);
  }

  #schedule(delayMs: number, downSince: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#restarting = this.#restart(downSince).finally(() => (this.#restarting = undefined));
    }, delayMs);
  }

  async #restart(downSince: number): Promise<void> {
    if (!this.#wanted) return;
    let incarnation: Incarnation;
    try {
      incarnation = await this.#options.launch();
    } catch (error) {
      if (!this.#wanted) return;
      this.#attempt += 1;
      const restartInMs = backoffDelay(this.#backoff, this.#attempt);
      this.#options.onEvent?.({ kind: 'restart-failed', name: this.name, error: error instanceof Error ? error : new Error(String(error)), attempt: this.#attempt, restartInMs });
      this.#schedule(restartInMs, downSince);
      return;
    }
    if (!this.#wanted) {
      // Stopped while it was starting: it must not outlive the stop.
      await incarnation.stop();
      return;
    }
    this.#restarts += 1;
    this.#adopt(incarnation);
    const restart = { downMs: this.#now() - downSince, pid: incarnation.pid };
    this.#options.onEvent?.({ kind: 'restarted', name: this.name, pid: incarnation.pid, attempt: this.#attempt, downMs: restart.downMs });
    for (const resolve of this.#waiters.splice(0)) resolve(restart);
  }

  #cancelRestart(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** One log line for a supervisor event. */
export function describeSupervisorEvent(event: SupervisorEvent): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  switch (event.kind) {
    case 'crashed': {
      const how = event.exit.signal ? `was killed by ${event.exit.signal}` : event.exit.error ? `failed (${event.exit.error.message})` : `exited with code ${event.exit.code}`;
      return `${event.name} ${how} after ${seconds(event.uptimeMs)} up; restarting in ${seconds(event.restartInMs)} (attempt ${event.attempt})`;
    }
    case 'restart-failed':
      return `${event.name} did not come back (${event.error.message.split('\n')[0]}); next try in ${seconds(event.restartInMs)} (attempt ${event.attempt})`;
    case 'restarted':
      return `${event.name} is back (pid ${event.pid ?? '?'}) after ${seconds(event.downMs)} down`;
  }
}

/**
 * The supervisors of one platform's processes (`startLocalPlatform`, `startClusterPlatform`):
 * `supervise(name, launch)` starts a process under a supervisor of its own with the platform's
 * restart policy (the first start must succeed), reports its events to the platform's log (source
 * `supervisor`) and listener, and adds it to `started`, so the platform's stop stops it.
 */
export function supervision(options: {
  backoff?: Partial<BackoffPolicy>;
  log: (source: string, line: string) => void;
  onEvent?: (event: SupervisorEvent) => void;
  started: Array<{ stop(): Promise<void> }>;
}) {
  const supervisors = new Map<string, Supervisor>();
  const supervise = async (name: string, launch: () => Promise<Incarnation>) => {
    const supervisor = new Supervisor({
      name,
      launch,
      backoff: options.backoff ?? {},
      onEvent: (event) => {
        options.log('supervisor', describeSupervisorEvent(event));
        options.onEvent?.(event);
      },
    });
    await supervisor.start();
    supervisors.set(name, supervisor);
    options.started.push(supervisor);
    return supervisor;
  };
  return { supervise, supervisors };
}

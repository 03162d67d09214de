import { describe, expect, it } from 'vitest';
import { ServerProcess, sleep } from './process.js';
import { backoffDelay, describeSupervisorEvent, Supervisor, type SupervisorEvent } from './supervisor.js';

/** A supervised `sh` running `script`, ready as soon as it is spawned. */
function shell(name: string, script: string, events: SupervisorEvent[], backoff: ConstructorParameters<typeof Supervisor>[0]['backoff'] = {}) {
  const spawned: number[] = [];
  const supervisor = new Supervisor({
    name,
    backoff: { initialMs: 50, factor: 2, maxMs: 1_000, resetAfterMs: 60_000, ...backoff },
    launch: async () => {
      const server = new ServerProcess({ name, command: 'sh', args: ['-c', script], stopTimeoutMs: 1_000 });
      if (server.pid) spawned.push(server.pid);
      return server;
    },
    onEvent: (event) => events.push(event),
  });
  return { supervisor, spawned };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Supervisor', () => {
  it('brings back a process killed with SIGKILL, and reports the crash and the restart', async () => {
    const events: SupervisorEvent[] = [];
    const { supervisor, spawned } = shell('sleeper', 'exec sleep 300', events);
    await supervisor.start();
    const first = supervisor.current!.pid!;
    const back = supervisor.nextRestart();
    process.kill(first, 'SIGKILL');
    const restart = await back;

    expect(restart.pid).not.toBe(first);
    expect(isAlive(restart.pid!)).toBe(true);
    expect(spawned).toEqual([first, restart.pid]);
    expect(events.map((e) => e.kind)).toEqual(['crashed', 'restarted']);
    expect(events[0]).toMatchObject({ kind: 'crashed', exit: { signal: 'SIGKILL' }, attempt: 1, restartInMs: 50 });
    expect(restart.downMs).toBeGreaterThanOrEqual(50);
    expect(describeSupervisorEvent(events[0]!)).toMatch(/^sleeper was killed by SIGKILL after .* up; restarting in 0\.1 s \(attempt 1\)$/);
    expect(supervisor.restarts).toBe(1);
    await supervisor.stop();
    expect(isAlive(restart.pid!)).toBe(false);
  });

  it('waits longer before each restart of a process that keeps crashing, up to the cap', async () => {
    const events: SupervisorEvent[] = [];
    const { supervisor } = shell('crasher', 'exit 3', events, { initialMs: 20, maxMs: 100 });
    await supervisor.start();
    for (let i = 0; i < 100 && events.filter((e) => e.kind === 'crashed').length < 5; i++) await sleep(50);
    await supervisor.stop();

    const crashes = events.filter((e) => e.kind === 'crashed');
    expect(crashes.slice(0, 5).map((e) => e.restartInMs)).toEqual([20, 40, 80, 100, 100]);
    expect(crashes[0]).toMatchObject({ exit: { code: 3 } });
  });

  it('starts counting again once a process has stayed up long enough', async () => {
    const events: SupervisorEvent[] = [];
    const { supervisor } = shell('steady', 'sleep 0.3; exit 1', events, { initialMs: 20, resetAfterMs: 200 });
    await supervisor.start();
    for (let i = 0; i < 100 && events.filter((e) => e.kind === 'crashed').length < 3; i++) await sleep(50);
    await supervisor.stop();
    expect(events.filter((e) => e.kind === 'crashed').slice(0, 3).map((e) => e.restartInMs)).toEqual([20, 20, 20]);
  });

  it('does not restart a process it stopped, nor one halted, until started again', async () => {
    const events: SupervisorEvent[] = [];
    const { supervisor, spawned } = shell('polite', 'exec sleep 300', events);
    await supervisor.start();
    await supervisor.stop();
    await sleep(300);
    expect(spawned).toHaveLength(1);
    expect(supervisor.running).toBe(false);

    await supervisor.start();
    const pid = supervisor.current!.pid!;
    await supervisor.halt('SIGKILL');
    await sleep(300);
    expect(isAlive(pid)).toBe(false);
    expect(spawned).toHaveLength(2);
    expect(events).toEqual([]);

    await supervisor.start();
    expect(supervisor.running).toBe(true);
    await supervisor.stop();
  });

  it('does not restart a process that someone else stopped cleanly, as the exit hooks do on Ctrl-C', async () => {
    const events: SupervisorEvent[] = [];
    const { supervisor, spawned } = shell('hooked', 'exec sleep 300', events);
    await supervisor.start();
    await supervisor.current!.stop();
    await sleep(300);
    expect(spawned).toHaveLength(1);
    expect(events).toEqual([]);
    expect(supervisor.running).toBe(false);
    await supervisor.stop();
  });

  it('tries again, later each time, when a restart fails to become ready', async () => {
    const events: SupervisorEvent[] = [];
    let launches = 0;
    const supervisor = new Supervisor({
      name: 'flaky',
      backoff: { initialMs: 20, factor: 2, maxMs: 1_000 },
      launch: async () => {
        launches += 1;
        if (launches === 2 || launches === 3) throw new Error('port still busy');
        return new ServerProcess({ name: 'flaky', command: 'sh', args: ['-c', 'exec sleep 300'] });
      },
      onEvent: (event) => events.push(event),
    });
    await supervisor.start();
    const back = supervisor.nextRestart();
    supervisor.kill('SIGKILL');
    await back;
    await supervisor.stop();
    expect(events.map((e) => [e.kind, e.attempt])).toEqual([
      ['crashed', 1],
      ['restart-failed', 2],
      ['restart-failed', 3],
      ['restarted', 3],
    ]);
    expect(events.filter((e) => e.kind !== 'restarted').map((e) => (e as { restartInMs: number }).restartInMs)).toEqual([20, 40, 80]);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const policy = { initialMs: 500, factor: 2, maxMs: 30_000, resetAfterMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(policy, attempt))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});

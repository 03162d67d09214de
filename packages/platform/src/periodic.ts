import type { Logger } from './logger.js';

/**
 * Runs `work` now and then every `intervalMs` in the service process, never two passes at once
 * being awaited on stop; a failed pass is logged as `failure` and tried again at the next interval.
 * The timer does not keep the process alive. The housekeeping of the platform (expired idempotency
 * keys, published outbox rows) runs through it.
 */
export function runPeriodically(work: () => Promise<void>, options: { intervalMs: number; logger: Logger; failure: string }): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = work().catch((err: unknown) => options.logger.warn({ err }, options.failure));
  };
  pass();
  const timer = setInterval(pass, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

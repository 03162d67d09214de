/** What a closed-loop run of `total` items reports: its wall time and each item's latency. */
export type PoolRun = { total: number; concurrency: number; wallMs: number; perSecond: number; latenciesMs: number[] };

/**
 * Runs `work(0..total-1)` with at most `concurrency` in flight, starting the next as soon as one
 * finishes (closed loop). Throughput is items over the wall time from the first start to the last end.
 * The first failure stops the run.
 */
export async function runPool(total: number, concurrency: number, work: (i: number) => Promise<void>): Promise<PoolRun> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await work(i);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const wallMs = performance.now() - started;
  return { total, concurrency, wallMs, perSecond: total / (wallMs / 1000), latenciesMs };
}

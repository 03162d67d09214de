import autocannon from 'autocannon';
import { serve, type Message } from '../lib/child.js';
import { percentile } from '../lib/stats.js';
import { visitRequest } from './schedule.js';

/**
 * The load generator, a process of its own on loopback: autocannon with a fixed number of
 * connections for a fixed time, each request a new visit report (see schedule.ts). Answers with
 * requests/s and the latency distribution of the 2xx answers (kept here at microsecond resolution:
 * autocannon's own histogram rounds to whole milliseconds, which a bare route never reaches).
 * Every non-2xx answer is reported, so a run that refused requests is never mistaken for a fast one.
 */
type Run = Message & { url: string; token: string; connections: number; durationS: number; orderIds: string[]; slotOffset: number; runId: string };

serve({
  run: async (message) => {
    const run = message as Run;
    let n = 0;
    const latencies: number[] = [];
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: run.url,
          connections: run.connections,
          duration: run.durationS,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${run.token}` },
          requests: [
            {
              method: 'POST',
              setupRequest: (req) => {
                const next = visitRequest(n++, run);
                return { ...req, path: next.path, body: next.body };
              },
            },
          ],
        },
        (err: unknown, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
      );
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    });
    const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => `${code}×${s.count ?? 0}`).join(' ');
    return {
      sent: n,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      statuses,
      durationS: result.duration,
      requestsPerSecond: result['2xx'] / result.duration,
      latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    };
  },
});

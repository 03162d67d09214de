// Micro-benchmark of home-care statement pricing (@kundval/domain), not part of the test suite.
//   npm run build -w @kundval/domain && node bench/domain/statement.bench.mjs [path/to/domain/dist/index.js]
// Prices 6 000 and 60 000 realistic visits of one provider in March 2025 (spring forward) and
// October 2025 (fall back, the eve of All Saints' Day): care and service, every band, visits across
// 19:00, 22:00 and midnight, some reported or disputed, instants in UTC or with a local offset.
// Reports µs per visit, best and median of repeated calls after a warm-up, for
// priceProviderStatement and for the streaming accumulator. Deterministic visits (seeded generator).
// Pass another build's index.js to compare (e.g. a copy of the previous dist).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DateTime } from 'luxon';

const target = process.argv[2] ? pathToFileURL(process.argv[2]).href : '@kundval/domain';
const domain = await import(target);

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Visits of one provider in `month` (Europe/Stockholm): customers with 1–3 visits a day. */
export function makeVisits(count, month, seed = 1) {
  const random = rng(seed);
  const first = DateTime.fromISO(`${month}-01T00:00`, { zone: 'Europe/Stockholm' });
  const days = first.daysInMonth;
  const visits = [];
  const starts = [5 * 60 + 30, 7 * 60, 8 * 60 + 15, 11 * 60, 12 * 60 + 30, 16 * 60, 18 * 60 + 30, 19 * 60 + 45, 21 * 60 + 15, 21 * 60 + 50, 23 * 60 + 30];
  for (let c = 0; visits.length < count; c++) {
    let lastEnd = 0;
    for (let d = 0; d < days && visits.length < count; d++) {
      const n = 1 + Math.floor(random() * 3);
      for (let k = 0; k < n && visits.length < count; k++) {
        const minute = starts[Math.floor(random() * starts.length)] + Math.floor(random() * 4) * 5;
        const start = first.plus({ days: d }).startOf('day').plus({ minutes: minute });
        const length = [15, 20, 30, 45, 60, 90, 120][Math.floor(random() * 7)];
        const startMs = start.toMillis();
        if (startMs < lastEnd) continue;
        const endMs = startMs + length * 60_000;
        lastEnd = endMs;
        const r = random();
        const status = r < 0.9 ? 'approved' : r < 0.95 ? 'reported' : 'disputed';
        const utc = random() < 0.3;
        const fmt = (ms) =>
          utc ? new Date(ms).toISOString() : DateTime.fromMillis(ms, { zone: 'Europe/Stockholm' }).toISO({ suppressMilliseconds: true });
        visits.push({
          visitId: `v-${c}-${d}-${k}`,
          customerId: `c-${c}`,
          kind: random() < 0.7 ? 'care' : 'service',
          status,
          start: fmt(startMs),
          end: fmt(endMs),
        });
      }
    }
  }
  return visits;
}

/** Best and median wall time of one call, in ms (the best is the least disturbed by other load). */
function time(fn, minMs = 2000) {
  fn(); // warm-up: the day memo and the JIT
  const runs = [];
  const t0 = performance.now();
  do {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  } while (performance.now() - t0 < minMs || runs.length < 5);
  runs.sort((a, b) => a - b);
  return { best: runs[0], median: runs[Math.floor(runs.length / 2)] };
}

const perVisit = (ms, n) => `${((ms * 1000) / n).toFixed(2).padStart(7)}`;

console.log('month    visits  API                      µs/visit best  median   (ms per call, best)');
for (const month of ['2025-03', '2025-10']) {
  for (const count of [6_000, 60_000]) {
    const visits = makeVisits(count, month, count);
    const input = { providerId: 'p1', providerKind: 'private', month, visits, rateTables: domain.NACKA_HOME_CARE_RATES };
    const t0 = performance.now();
    const statement = domain.priceProviderStatement(input);
    const first = performance.now() - t0;
    const batch = time(() => domain.priceProviderStatement(input));
    const head = `${month} ${String(visits.length).padStart(6)}`;
    console.log(`${head}  priceProviderStatement   ${perVisit(batch.best, visits.length)} ${perVisit(batch.median, visits.length)}   (${batch.best.toFixed(1)} ms; first call ${first.toFixed(1)} ms; total ${statement.totalOre} öre)`);
    if (domain.createStatementAccumulator) {
      const stream = () => {
        const acc = domain.createStatementAccumulator({ providerId: 'p1', providerKind: 'private', month, rateTables: domain.NACKA_HOME_CARE_RATES });
        for (const v of visits) acc.add(v);
        return acc.finish();
      };
      if (stream().totalOre !== statement.totalOre) throw new Error('accumulator and priceProviderStatement disagree');
      const streamed = time(stream);
      console.log(`${head}  accumulator add/finish   ${perVisit(streamed.best, visits.length)} ${perVisit(streamed.median, visits.length)}   (${streamed.best.toFixed(1)} ms)`);
    }
  }
}

// Micro-benchmark of home-care statement pricing (@kundval/domain).
//   node bench/domain/statement.bench.mjs [path-to-domain-index.js]
// Builds the package first (npm run build -w @kundval/domain). Prices 6 000 and 60 000 realistic
// visits (care and service, every band, visits across 19:00, 22:00 and midnight, a DST change) and
// reports µs per visit. Deterministic: a seeded generator, no clock in the visits.
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

function time(fn, minMs = 1500) {
  fn(); // warm-up
  let runs = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    fn();
    runs++;
    t = performance.now();
  } while (t - t0 < minMs || runs < 2);
  return (t - t0) / runs;
}

for (const month of ['2025-03', '2025-10']) {
  for (const count of [6_000, 60_000]) {
    const visits = makeVisits(count, month, count);
    const input = { providerId: 'p1', providerKind: 'private', month, visits, rateTables: domain.NACKA_HOME_CARE_RATES };
    const statement = domain.priceProviderStatement(input);
    const ms = time(() => domain.priceProviderStatement(input));
    let line = `${month} ${String(visits.length).padStart(6)} visits  priceProviderStatement ${((ms * 1000) / visits.length).toFixed(2).padStart(8)} µs/visit  (${ms.toFixed(1)} ms, total ${statement.totalOre} öre, ${statement.lines.length} lines)`;
    if (domain.createStatementAccumulator) {
      const streamed = time(() => {
        const acc = domain.createStatementAccumulator({ providerId: 'p1', providerKind: 'private', month, rateTables: domain.NACKA_HOME_CARE_RATES });
        for (const v of visits) acc.add(v);
        return acc.finish();
      });
      line += `\n${' '.repeat(21)}accumulator (add/finish) ${((streamed * 1000) / visits.length).toFixed(2).padStart(6)} µs/visit`;
    }
    console.log(line);
  }
}

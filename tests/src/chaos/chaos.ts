import { join } from 'node:path';
import { findRepoRoot, seededRandom, type ComponentName, type InjectedFault, type LocalPlatform } from '@kundval/infra';
import { saveHistory } from '../support/histories.js';
import { actors, testIdentityNumber, type JourneyState, type Platform } from '../driver/index.js';
import { startTestPlatform } from '../support/platform.js';
import { CHOSEN_PROVIDER, DEFAULT_PROVIDER, EXPECTED_FEE_ORE, EXPECTED_PAYMENT_ORE, FAULT_MONTH, runFaultJourney, type FaultJourneyOptions } from '../support/fault-journey.js';

/** The components the chaos run kills, one at a time. */
/** How long the driver waits at each step for a journey to move on: kills and lost answers slow journeys down; the run checks that they get there. */
const JOURNEY_PATIENCE_MS = 300_000;
const KILLABLE: readonly ComponentName[] = ['worker', 'decisions', 'orders', 'billing', 'workflows', 'nats', 'temporal'];

export interface ChaosOptions {
  /** Journeys driven at once. */
  journeys: number;
  seed: number;
  /** Share of the worker's successful commands whose answer is lost (per proxy, seeded). */
  lossRate?: number;
  /** Most components killed in the run; by default one per ten journeys, at least three. */
  maxKills?: number;
  /** Milliseconds between kills, drawn between these bounds. */
  killIntervalMs?: [number, number];
  /** The whole run's budget: journeys still being driven after it count as violations. */
  budgetMs?: number;
  /** Progress lines (kills, journeys done). */
  progress?: (line: string) => void;
}

/**
 * The platform a chaos run needs: every process supervised (back 0.5 s after a crash, the delay
 * doubling while it keeps crashing) and a fault proxy, seeded, between the worker and each service.
 * Its processes' output goes to `.data/test-logs/<name>.log`.
 */
export function startChaosPlatform(seed: number, name = 'chaos'): Promise<LocalPlatform> {
  return startTestPlatform(name, { faultProxies: { seed }, supervision: { initialMs: 500 } });
}

/** How one journey ended up, as the checks saw it. */
export interface JourneyOutcome {
  index: number;
  variant: string;
  applicationId: string | null;
  /** `completed`, `attention:<name>` (waiting on a person, named), or where it stands otherwise. */
  outcome: string;
  /** Fees and payments as billing holds them, in öre. */
  feesOre: number[];
  paymentsOre: number[];
  violations: string[];
}

export interface ChaosReport {
  seed: number;
  journeys: number;
  durationMs: number;
  kills: Array<{ component: ComponentName; atMs: number; downMs: number | null; error?: string }>;
  lostAnswers: InjectedFault[];
  outcomes: JourneyOutcome[];
  violations: string[];
}

type Tracked = { index: number; variant: string; options: FaultJourneyOptions; ids?: { applicationId: string; customerId: string; decisionId: string }; driven?: Error | true };

/**
 * Drives `journeys` March journeys at once against a platform started with fault proxies, while
 * killing components (SIGKILL, one at a time, each brought back by its supervisor) and losing a
 * share of the worker's command answers, all drawn from one seeded generator. Then checks every
 * journey against the services' own records: completed or waiting on a named attention, nothing
 * lost, no fee charged and no provider paid twice, every task the journey raised in the case
 * handlers' queue once and every task there raised by the journey.
 */
export async function runChaos(platform: LocalPlatform, options: ChaosOptions): Promise<ChaosReport> {
  if (!platform.proxies) throw new Error('runChaos needs a platform started with faultProxies.');
  const random = seededRandom(options.seed);
  const progress = options.progress ?? (() => undefined);
  const started = Date.now();
  const budgetMs = options.budgetMs ?? 15 * 60_000;
  const driver: Platform = { urls: platform.urls, auth: platform.auth, resilience: { retryWhileDown: true, retryForMs: 120_000 } };

  for (const proxy of Object.values(platform.proxies)) proxy.addRule({ method: 'POST', path: /./, probability: options.lossRate ?? 0.05 });

  // Each journey's variant, and its customer, from the seed: the same seed drives the same journeys.
  const tracked: Tracked[] = Array.from({ length: options.journeys }, (_, index) => {
    const pick = random();
    const options: FaultJourneyOptions = {
      choice: pick < 0.8 ? 'customer' : 'default',
      // A journey that has not completed this long after its approval is stuck; the rest of the run goes on.
      completionTimeoutMs: Math.min(budgetMs, 240_000),
      // Distinct customers: one born on each day of 1931, then the next birth number.
      identityNumber: testIdentityNumber(new Date(Date.UTC(1931, 0, 1 + (index % 365))).toISOString().slice(0, 10), 100 + Math.floor(index / 365) + Math.floor(random() * 400)),
    };
    return { index, variant: `choice=${options.choice}`, options };
  });

  let driving = true;
  const kills: ChaosReport['kills'] = [];
  const maxKills = options.maxKills ?? Math.max(3, Math.ceil(options.journeys / 10));
  const [minGap, maxGap] = options.killIntervalMs ?? [2_000, 5_000];
  const monkey = (async () => {
    while (driving && kills.length < maxKills && Date.now() - started < budgetMs) {
      await sleepWhile(minGap + random() * (maxGap - minGap), () => driving);
      if (!driving) break;
      const component = KILLABLE[Math.floor(random() * KILLABLE.length)]!;
      const atMs = Date.now() - started;
      progress(`${(atMs / 1000).toFixed(1)} s: kill -9 ${component}`);
      try {
        const { downMs } = await platform.components[component].crash('SIGKILL');
        kills.push({ component, atMs, downMs });
        progress(`${((Date.now() - started) / 1000).toFixed(1)} s: ${component} back after ${(downMs / 1000).toFixed(1)} s`);
      } catch (err) {
        kills.push({ component, atMs, downMs: null, error: String(err) });
      }
    }
  })();

  let done = 0;
  await Promise.all(
    tracked.map(async (t) => {
      // Staggered over the first seconds, as applications arrive.
      await sleep(random() * Math.min(10_000, options.journeys * 100));
      try {
        await runFaultJourney(driver, { ...t.options, patienceMs: JOURNEY_PATIENCE_MS, toleratesDefault: true, at: async (point, ids) => void (point === 'decided' && (t.ids = ids)) });
        t.driven = true;
      } catch (err) {
        t.driven = err instanceof Error ? err : new Error(String(err));
      }
      done += 1;
      if (done % Math.max(1, Math.floor(options.journeys / 10)) === 0) progress(`${((Date.now() - started) / 1000).toFixed(1)} s: ${done}/${options.journeys} journeys driven`);
    }),
  );
  driving = false;
  await monkey;
  for (const proxy of Object.values(platform.proxies)) proxy.clearRules();

  const outcomes: JourneyOutcome[] = [];
  for (const t of tracked) outcomes.push(await check(platform, t));
  const violations = outcomes.flatMap((o) => o.violations.map((v) => `journey ${o.index} (${o.applicationId ?? 'no application'}, ${o.variant}): ${v}`));
  for (const kill of kills) if (kill.downMs === null) violations.push(`${kill.component} did not come back after kill -9: ${kill.error}`);
  return {
    seed: options.seed,
    journeys: options.journeys,
    durationMs: Date.now() - started,
    kills,
    lostAnswers: Object.values(platform.proxies).flatMap((p) => [...p.injected]),
    outcomes,
    violations,
  };
}

/** Checks one journey against the journey's own state and the services' records. */
async function check(platform: LocalPlatform, t: Tracked): Promise<JourneyOutcome> {
  const violations: string[] = [];
  const base = { index: t.index, variant: t.variant, applicationId: t.ids?.applicationId ?? null, feesOre: [] as number[], paymentsOre: [] as number[] };
  if (!t.ids) return { ...base, outcome: 'never applied', violations: [`the application was not taken: ${t.driven instanceof Error ? t.driven.message : 'unknown'}`] };
  const { applicationId, customerId, decisionId } = t.ids;
  const people = actors(platform);

  const read = await people.operator.call<JourneyState & { message?: string }>('GET', `${platform.urls.workflows}/journeys/${applicationId}`);
  if (read.status === 404) return { ...base, outcome: 'lost', violations: ['the journey cannot be found'] };
  // A journey whose workflow task keeps failing (e.g. a nondeterminism error on replay) cannot even be queried.
  const state: JourneyState | undefined = read.status === 200 ? read.body : undefined;
  if (!state) {
    // Its history, for a replay that shows why (tests/fixtures/nondeterminism/README.md).
    const file = join(findRepoRoot(), '.data', 'chaos', 'unreadable', `journey-${applicationId}.json`);
    const saved = await saveHistory(platform, applicationId, file).then(
      () => `history saved to ${file}`,
      (err: unknown) => `its history could not be saved: ${String(err)}`,
    );
    violations.push(`the journey cannot be read: ${read.status} ${String(read.body?.message ?? '').slice(0, 200)}; ${saved}`);
  }
  const attention = state && namedAttention(state);
  const outcome = !state ? 'unreadable' : state.stage === 'completed' ? 'completed' : attention ? `attention:${attention}` : `stuck in ${state.stage}`;
  if (state && outcome.startsWith('stuck')) violations.push(`neither completed nor waiting on a named attention (stage ${state.stage})${t.driven instanceof Error ? `; driving failed: ${t.driven.message.split('\n')[0]}` : ''}`);

  // Billing's own records: the customer's invoices, and the payments of every order of the decision.
  const providerId = state?.providerId ?? (t.options.choice === 'default' ? DEFAULT_PROVIDER : CHOSEN_PROVIDER);
  const invoices = await people.citizen(customerId).ok<Array<{ month: string; feeOre: number }>>('GET', `${platform.urls.billing}/customers/${customerId}/invoices`);
  const orders = await people.caseHandler.ok<Array<{ orderId: string; decisionId: string; providerId: string }>>('GET', `${platform.urls.orders}/orders?decisionId=${decisionId}`);
  const ordersOfDecision = orders.filter((o) => o.decisionId === decisionId);
  const payments = (
    await Promise.all(
      [...new Set(ordersOfDecision.map((o) => o.providerId))].map((p) =>
        people.provider(p).ok<Array<{ orderId: string; month: string; amountOre: number; basis?: string }>>('GET', `${platform.urls.billing}/providers/${p}/payments`),
      ),
    )
  )
    .flat()
    .filter((p) => ordersOfDecision.some((o) => o.orderId === p.orderId));
  const feesOre = invoices.map((i) => i.feeOre);
  const paymentsOre = payments.map((p) => p.amountOre);

  if (ordersOfDecision.length > 1) violations.push(`${ordersOfDecision.length} orders placed for one decision`);
  const feeTotal = feesOre.reduce((a, b) => a + b, 0);
  const paidTotal = paymentsOre.reduce((a, b) => a + b, 0);
  const settled = state?.settledMonths.find((m) => m.month === FAULT_MONTH);
  if (state?.stage === 'completed') {
    if (feesOre.length !== 1 || feeTotal !== EXPECTED_FEE_ORE) violations.push(`fees ${JSON.stringify(feesOre)} öre, expected [${EXPECTED_FEE_ORE}]`);
    if (paymentsOre.length !== 1 || paidTotal !== EXPECTED_PAYMENT_ORE[providerId]) violations.push(`payments ${JSON.stringify(paymentsOre)} öre, expected [${EXPECTED_PAYMENT_ORE[providerId]}]`);
  } else {
    // Waiting: whatever was done so far was done at most once.
    if (feesOre.length > 1 || feeTotal > EXPECTED_FEE_ORE) violations.push(`charged ${JSON.stringify(feesOre)} öre while waiting, more than once or more than ${EXPECTED_FEE_ORE}`);
    if (paymentsOre.length > 1 || paidTotal > (EXPECTED_PAYMENT_ORE[providerId] ?? 0)) violations.push(`paid ${JSON.stringify(paymentsOre)} öre while waiting, more than once or more than due`);
  }
  // The journey's account of the month agrees with billing's.
  if (state && (settled?.feeOre ?? 0) !== feeTotal) violations.push(`the journey says ${settled?.feeOre ?? 0} öre charged, billing holds ${feeTotal}`);
  if (state && (settled?.paymentOre ?? 0) !== paidTotal) violations.push(`the journey says ${settled?.paymentOre ?? 0} öre paid, billing holds ${paidTotal}`);

  // Tasks: each escalation to the case handler is one task in their queue, and each task there is one the journey raised.
  const tasks = await people.caseHandler.ok<Array<{ kind: string; key: string }>>('GET', `${platform.urls.decisions}/tasks?applicationId=${applicationId}&limit=500`);
  const taskKeys = tasks.map((task) => `${task.kind}:${task.key}`);
  const escalated = (state?.escalations ?? []).filter((e) => e.to === 'case-handler').map((e) => `${e.kind}:${e.key}`);
  if (new Set(taskKeys).size !== taskKeys.length) violations.push(`a task twice in the queue: ${JSON.stringify(taskKeys)}`);
  for (const key of escalated) if (!taskKeys.includes(key)) violations.push(`escalation ${key} has no task in the case handlers' queue`);
  for (const key of taskKeys) if (state && !escalated.includes(key)) violations.push(`task ${key} was raised but the journey does not know it`);

  return { ...base, outcome, feesOre, paymentsOre, violations };
}

/**
 * The attention a waiting journey names: its open `attention`, a command it could not carry out,
 * under the failure policy (`<command>:<code>`). An open escalation alone does not count: the
 * driver takes every person's step (choice, acceptance, care plan, approval), so a journey still
 * chasing one after the driver is done has lost track, not stopped for a reason.
 */
function namedAttention(state: JourneyState): string | undefined {
  const own = (state as JourneyState & { attention?: { command?: string; code?: string; open?: boolean } | null }).attention;
  return own && own.open !== false ? `${own.command ?? 'command'}:${own.code ?? 'unknown'}` : undefined;
}

/** The report as text: what was done to the platform, how every journey ended, and every violation. */
export function formatChaosReport(report: ChaosReport): string {
  const count = (items: string[]) => Object.entries(items.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {})).map(([k, n]) => `${k} ${n}`).join(', ');
  const lines = [
    `Chaos run, seed ${report.seed}: ${report.journeys} journeys in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  kills (kill -9, one at a time): ${report.kills.length === 0 ? 'none' : report.kills.map((k) => `${k.component}@${(k.atMs / 1000).toFixed(0)}s${k.downMs === null ? ' (not back!)' : ` down ${(k.downMs / 1000).toFixed(1)} s`}`).join(', ')}`,
    `  answers lost after the service committed: ${report.lostAnswers.length}${report.lostAnswers.length ? ` (${count(report.lostAnswers.map((l) => `${l.proxy} ${l.method} ${l.path.replace(/[0-9a-f-]{36}/g, ':id')}`))})` : ''}`,
    `  outcomes: ${count(report.outcomes.map((o) => o.outcome))}`,
    `  charged: ${report.outcomes.reduce((s, o) => s + o.feesOre.reduce((a, b) => a + b, 0), 0)} öre in ${report.outcomes.reduce((s, o) => s + o.feesOre.length, 0)} invoices; paid: ${report.outcomes.reduce((s, o) => s + o.paymentsOre.reduce((a, b) => a + b, 0), 0)} öre in ${report.outcomes.reduce((s, o) => s + o.paymentsOre.length, 0)} payments`,
    report.violations.length === 0 ? '  violations: none' : `  violations (${report.violations.length}):\n${report.violations.map((v) => `    - ${v}`).join('\n')}`,
    `Repeat with --seed ${report.seed} --journeys ${report.journeys}.`,
  ];
  return lines.join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps `ms`, waking early once `alive()` turns false. */
async function sleepWhile(ms: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (alive() && Date.now() < until) await sleep(Math.min(250, until - Date.now()));
}

import type { Application, Attention, JourneyState, JourneySummary, PlatformApi, Task } from './api.js';
import type { TextKey } from './texts.js';

/** The application id behind a journey's workflow id (`journey-<applicationId>`). */
export function applicationIdOf(workflowId: string): string {
  return workflowId.replace(/^journey-/, '');
}

export const SORTS = ['startTime', 'stage', 'attention', 'area', 'provider'] as const;
export type Sort = (typeof SORTS)[number];

/** A page of journeys sorted by a column, newest first for times, alphabetical otherwise. */
export function sortJourneys(journeys: JourneySummary[], sort: Sort): JourneySummary[] {
  const key = (j: JourneySummary) => (sort === 'startTime' ? j.startTime : (j[sort] ?? ''));
  return [...journeys].sort((a, b) => (sort === 'startTime' ? key(b).localeCompare(key(a)) : key(a).localeCompare(key(b)) || b.startTime.localeCompare(a.startTime)));
}

/** One journey waiting on a person, for the stuck list: why, since when, and the task a person owns for it. */
export type StuckJourney = {
  applicationId: string;
  workflowId: string;
  reason: string;
  detail: string;
  since: string;
  ageMs: number;
  task: Task | null;
  temporalUiUrl: string;
};

/** Running journeys whose state one view of the stuck list reads; the next view reads the next ones. */
export const STATE_READS = 200;
const CONCURRENCY = 8;

/**
 * What is stuck: each running journey with an open attention (`KundvalAttention`, the failed command
 * with its service's reason, or an escalation) or a deadline already passed, with the open task that
 * owns it, oldest first. A view reads one page of running journeys from Temporal's visibility
 * ({@link STATE_READS}, newest first) and each one's state (a query each); `nextPageToken` leads to
 * the next page, so no journey is out of reach however many run. The tasks come from the decisions
 * service, so the list and the task queue agree.
 */
export async function stuckJourneys(
  api: PlatformApi,
  now: Date,
  pageToken?: string,
): Promise<{ stuck: StuckJourney[]; counts: Array<{ reason: string; count: number }>; read: number; nextPageToken: string | null }> {
  const [page, tasks] = await Promise.all([api.journeys({ status: 'running', limit: STATE_READS, ...(pageToken ? { pageToken } : {}) }), api.tasks({ status: 'open' })]);
  const candidates = page.journeys;
  const states = await mapLimited(candidates, CONCURRENCY, async (j) => api.journey(applicationIdOf(j.workflowId)).catch(() => null));
  const tasksByApplication = new Map<string, Task[]>();
  for (const t of tasks) if (t.applicationId) tasksByApplication.set(t.applicationId, [...(tasksByApplication.get(t.applicationId) ?? []), t]);

  const stuck: StuckJourney[] = [];
  candidates.forEach((j, i) => {
    const state = states[i];
    const applicationId = applicationIdOf(j.workflowId);
    const open = tasksByApplication.get(applicationId) ?? [];
    const attention = state?.attention && state.attention.open ? state.attention : null;
    const escalation = state?.escalations?.filter((e) => e.open).at(-1) ?? null;
    const base = { applicationId, workflowId: j.workflowId, temporalUiUrl: j.temporalUiUrl };
    if (attention) {
      stuck.push({ ...base, reason: 'command-failed', detail: `${attention.command}: ${attention.code} — ${attention.reason}`, since: attention.since, ageMs: age(now, attention.since), task: open.find((t) => t.kind === 'command-failed') ?? open[0] ?? null });
    } else if (j.attention && j.attention !== 'none') {
      const since = escalation?.raisedAt ?? j.startTime;
      stuck.push({ ...base, reason: j.attention, detail: escalation?.message ?? '', since, ageMs: age(now, since), task: open.find((t) => t.kind === j.attention) ?? open[0] ?? null });
    } else if (state?.nextDeadline && Date.parse(state.nextDeadline) < now.getTime()) {
      stuck.push({ ...base, reason: 'deadline-passed', detail: `${state.stage}`, since: state.nextDeadline, ageMs: age(now, state.nextDeadline), task: open[0] ?? null });
    }
  });
  stuck.sort((a, b) => b.ageMs - a.ageMs);
  const counts = [...stuck.reduce((m, s) => m.set(s.reason, (m.get(s.reason) ?? 0) + 1), new Map<string, number>())].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  return { stuck, counts, read: candidates.length, nextPageToken: page.nextPageToken };
}

function age(now: Date, since: string): number {
  return Math.max(0, now.getTime() - Date.parse(since));
}

/** "3 d 4 h", "2 h 5 min", "40 s": an age a person reads at a glance. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** One line of a journey's timeline. */
export type TimelineEntry = { at: string; what: TextKey; detail: string };

/**
 * A journey's timeline from the services' records (the application, its tasks) and the journey's own
 * state (orders, settled months, escalations, attentions), oldest first.
 */
export function timelineOf(state: JourneyState, application: Application | null, tasks: Task[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  if (application) out.push({ at: application.receivedAt, what: 'applicationReceived', detail: `${application.areaId} · ${application.channel}` });
  for (const o of state.orders ?? []) {
    out.push({ at: o.validFrom, what: 'orderPlaced', detail: `${o.providerId} · ${o.orderId}` });
    if (o.endDate) out.push({ at: o.endDate, what: 'orderEnded', detail: `${o.providerId} · ${o.orderId}` });
  }
  for (const m of state.settledMonths) out.push({ at: `${m.month}-01`, what: 'monthSettled', detail: `${m.month} · ${ore(m.feeOre)} / ${ore(m.paymentOre)}` });
  for (const e of state.escalations ?? []) out.push({ at: e.raisedAt, what: 'escalated', detail: `${e.kind} → ${e.to}: ${e.message}` });
  for (const a of state.attentions ?? []) {
    out.push({ at: a.since, what: 'attentionRaised', detail: describeAttention(a) });
    if (a.resolution) out.push({ at: a.resolution.at, what: 'resolvedBy', detail: `${a.resolution.action} · ${a.resolution.by.subject} (${a.resolution.by.role})${a.resolution.reason ? ` · ${a.resolution.reason}` : ''}` });
  }
  for (const t of tasks) {
    out.push({ at: t.createdAt, what: 'taskCreated', detail: `${t.kind}: ${t.message}` });
    if (t.doneAt) out.push({ at: t.doneAt, what: 'taskDone', detail: `${t.kind} · ${t.doneBy ?? ''}` });
  }
  if (state.ended) out.push({ at: state.ended.endDate, what: 'journeyEnded', detail: state.ended.reason });
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

export function describeAttention(a: Attention): string {
  return `${a.command}: ${a.code} — ${a.reason}`;
}

/** Öre as kronor with two decimals and a non-breaking space before "kr". */
export function ore(amount: number): string {
  return `${(amount / 100).toFixed(2).replace('.', ',')}\u00a0kr`;
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

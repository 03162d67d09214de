import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

/**
 * A V8 CPU profile of one stretch of a child's life (one phase of a run), started and stopped on
 * the orchestrator's request, unlike `--cpu-prof` (BENCH_CPU_PROF_DIR), which covers the whole
 * process and so mostly module loading and idle waiting between phases.
 */
export class PhaseProfiler {
  #session: Session | undefined;

  async start(): Promise<void> {
    if (this.#session) throw new Error('a CPU profile is already running');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    this.#session = session;
  }

  /** Stops the profile, writes it to `file` (open it in Chrome's DevTools) and returns its summary. */
  async stop(file: string): Promise<ProfileSummary> {
    const session = this.#session;
    if (!session) throw new Error('no CPU profile is running');
    this.#session = undefined;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return summarizeProfile(profile);
  }
}

type CallFrame = { functionName: string; url: string; lineNumber: number };
type Profile = { nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>; samples?: number[]; timeDeltas?: number[] };

/** Where a profile's time went: busy (not idle) milliseconds, and the busiest packages and functions by self time. */
export type ProfileSummary = {
  sampledMs: number;
  busyMs: number;
  garbageCollectionMs: number;
  byPackage: Array<{ name: string; ms: number }>;
  byFunction: Array<{ name: string; ms: number }>;
};

/** Summarises a V8 CPU profile by self time: per package (`node_modules/<name>`, a Node built-in, or a project file) and per function. */
export function summarizeProfile(profile: Profile, top = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!;
    sampled += us;
    if (frame.functionName === '(idle)') idle += us;
    if (frame.functionName === '(garbage collector)') gc += us;
    const pkg = packageOf(frame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const ranked = (m: Map<string, number>) =>
    [...m]
      .filter(([name]) => name !== '(idle)' && !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10 }));
  return { sampledMs: Math.round(sampled / 1000), busyMs: Math.round((sampled - idle) / 1000), garbageCollectionMs: Math.round(gc / 1000), byPackage: ranked(packages), byFunction: ranked(functions) };
}

function packageOf(frame: CallFrame): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (inModules) return inModules[1]!;
  if (frame.url.startsWith('node:')) return frame.url.split('/').slice(0, 2).join('/');
  return shortUrl(frame.url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?node_modules\//, '').replace(/^file:\/\/\/.*?\/(packages|services|bench)\//, '$1/');
}

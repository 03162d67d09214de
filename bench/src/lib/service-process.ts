import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '@kundval/infra';

/** Where benchmark processes write their output: `.data/bench-logs/` (git-ignored), one file per process. */
export function logFile(name: string): string {
  const dir = join(findRepoRoot(), '.data', 'bench-logs');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.log`);
}

/**
 * Runs a service's built server (`services/<name>/dist/server.js`) as its own process, exactly as
 * the local platform does, and resolves once `/health` answers. Its output goes to a log file, so
 * request logging costs what it costs in a real deployment and never blocks on a full pipe.
 */
export async function startServiceProcess(service: string, env: Record<string, string>, healthUrl: string) {
  const script = join(findRepoRoot(), 'services', service, 'dist', 'server.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: build first (npm run build).`);
  const out = createWriteStream(logFile(service), { flags: 'w' });
  // BENCH_CPU_PROF_DIR: the service writes a V8 CPU profile there on exit, as the tsx children do (child.ts).
  const profile = process.env['BENCH_CPU_PROF_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF_DIR']}`] : [];
  const child = spawn(process.execPath, ['--enable-source-maps', ...profile, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}; see ${logFile(service)}`);
    const ok = await fetch(healthUrl, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${service} did not answer ${healthUrl} within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      out.end();
    },
  };
}

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '@kundval/infra';
import { runTool } from './run-tool.js';

const root = findRepoRoot();

/** Runs a built entry point with no settings at all: it must load every module and then refuse its configuration. */
function runEntry(dir: string, entry: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [entry], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' }, timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ code: error && typeof error.code === 'number' ? error.code : error ? null : 0, stderr });
    });
  });
}

describe('the container build steps (deploy/build-deployable.sh), run outside a container', () => {
  let out = '';
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('builds the workflows deployable with production dependencies only, and what it built runs', async () => {
    out = join(await mkdtemp(join(tmpdir(), 'kundval-deployable-')), 'app');
    await runTool('bash', [join(root, 'deploy', 'build-deployable.sh'), 'workflows', out], { cwd: root, timeoutMs: 600_000 });

    expect(await readFile(join(out, 'entrypoint'), 'utf8')).toContain('services/workflows/dist/server.js');
    for (const built of ['services/workflows/dist/server.js', 'services/workflows/dist/setup.js', 'packages/platform/dist/index.js', 'packages/contracts/dist/index.js']) {
      expect(existsSync(join(out, built)), built).toBe(true);
    }
    // Development tools and the other services stay out of the image.
    for (const absent of ['node_modules/vitest', 'node_modules/typescript', 'node_modules/eslint', 'node_modules/turbo', 'services/orders', 'tests', 'node_modules/@kundval/infra']) {
      expect(existsSync(join(out, absent)), absent).toBe(false);
    }
    for (const entry of ['services/workflows/dist/server.js', 'services/workflows/dist/setup.js']) {
      const run = await runEntry(out, entry);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/Invalid configuration/);
      expect(run.stderr).not.toMatch(/Cannot find (module|package)/);
    }
    // A prune, a locked install and a build of five workspaces: minutes on a busy machine.
  }, 600_000);
});

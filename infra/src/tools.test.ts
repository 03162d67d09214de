import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findPostgresBinDir, findRepoRoot, resolveTool } from './tools.js';

describe('resolveTool', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('finds the repository root by its turbo.json', () => {
    expect(existsSync(join(findRepoRoot(), 'turbo.json'))).toBe(true);
  });

  it('finds temporal and nats-server (run scripts/ensure-tools.sh first)', () => {
    for (const name of ['temporal', 'nats-server'] as const) {
      expect(existsSync(resolveTool(name))).toBe(true);
    }
    expect(existsSync(join(findPostgresBinDir(), 'postgres'))).toBe(true);
  });

  it('tells how to install a missing tool', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'kundval-tools-'));
    try {
      vi.stubEnv('KUNDVAL_TOOLS_DIR', empty);
      vi.stubEnv('PATH', '');
      expect(() => resolveTool('nats-server')).toThrow(/nats-server is not installed.*bash scripts\/ensure-tools\.sh/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from './tools.js';

const root = findRepoRoot();
const pinned = readFileSync(join(root, '.node-version'), 'utf8').trim();
const pinnedMajor = pinned.split('.')[0]!;

describe('the pinned Node.js LTS (ADR 0015)', () => {
  it('runs the test suite on the major pinned in .node-version', () => {
    expect(process.versions.node.split('.')[0]).toBe(pinnedMajor);
  });

  it('has engines in package.json that admit the pin and nothing of another major', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${pinnedMajor}.11.0 <${Number(pinnedMajor) + 1}`);
  });

  it('keeps a machine Node of the pinned major as it is, installing nothing', () => {
    const ownBin = dirname(process.execPath);
    const resolved = execFileSync('bash', ['-c', 'source scripts/ensure-node.sh && command -v node && node --version'], {
      cwd: root,
      env: { ...process.env, PATH: `${ownBin}:/usr/bin:/bin`, KUNDVAL_TOOLS_DIR: '/nonexistent-tools-dir' },
      encoding: 'utf8',
    });
    expect(resolved.trim().split('\n')).toEqual([process.execPath, `v${process.versions.node}`]);
  });
});

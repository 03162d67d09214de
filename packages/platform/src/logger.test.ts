import { execFile, spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubIdentityNumbers } from './logger.js';

describe('identity numbers never reach a log line', () => {
  it.each(['811218-9876', '198112189876', '19811218-9876', '8112189876', '701063-2391', '121212+1212'])('scrubs %s from a text', (pnr) => {
    expect(scrubIdentityNumbers(`customer ${pnr} applied`)).toBe('customer [identity-number] applied');
  });

  it('leaves ordinary numbers alone: amounts, dates, uuids', () => {
    const text = 'fee 120400 öre on 2026-02-01 for 5c2d9a0e-1111-4222-8333-444455556666';
    expect(scrubIdentityNumbers(text)).toBe(text);
  });

  it('redacts identity-number fields and scrubs numbers hidden in messages and nested strings', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger('test', { level: 'info' }, sink);
    logger.info({ personnummer: '198112189876', body: { note: 'called 811218-9876 back' } }, 'application from 19811218-9876');
    const out = lines.join('');
    expect(out).not.toMatch(/9876/);
    expect(out).toContain('[redacted]');
    expect(out).toContain('[identity-number]');
  });
});


describe('lines written asynchronously (ADR 0048)', () => {
  it('still writes every line of a process that exits straight after logging them', async () => {
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logger)}; const log = createLogger('exit-test'); for (let i = 0; i < 2000; i++) log.info({ i }, 'line'); process.exit(3);`;
    const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { maxBuffer: 64 * 1024 * 1024 }).catch((err: { code: number; stdout: string }) => err);
    expect(child).toMatchObject({ code: 3 });
    const lines = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number; msg: string });
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('writes a quiet process\'s line within the flush interval, without waiting for a full block', async () => {
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    // The line must be out while the process still runs: the parent reads it, then the child is killed (no exit flush).
    const script = `import { createLogger } from ${JSON.stringify(logger)}; createLogger('quiet').info('one line'); setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk))));
      expect(JSON.parse(line)).toMatchObject({ name: 'quiet', msg: 'one line' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});

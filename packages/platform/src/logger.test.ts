import { Writable } from 'node:stream';
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


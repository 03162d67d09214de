import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

/** A keyset source of `total` numbered rows in pages of `size`, recording when each page was asked for and when it was answered. */
function source(total: number, size: number) {
  const log: string[] = [];
  const pending: Array<() => void> = [];
  const fetchAfter = (previous: number[] | null): Promise<number[] | null> => {
    if (previous && previous.length < size) return Promise.resolve(null);
    const from = previous ? previous[previous.length - 1]! + 1 : 0;
    log.push(`ask ${from}`);
    return new Promise((resolve) =>
      pending.push(() => {
        log.push(`answer ${from}`);
        resolve(Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) => from + i));
      }),
    );
  };
  /** Answers every read asked for so far, and those they lead to, until none is waiting. */
  const answerAll = async () => {
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setImmediate(r));
      const next = pending.shift();
      if (next) next();
    }
  };
  return { log, pending, fetchAfter, answerAll };
}

describe('readAhead', () => {
  it('asks for the first page at once and the next one as soon as the one before has arrived, at most one waiting', async () => {
    const s = source(7, 3);
    const pages = readAhead(s.fetchAfter, 1);
    expect(s.log).toEqual(['ask 0']);
    const first = pages.next();
    await s.answerAll();
    expect(await first).toEqual([0, 1, 2]);
    // Taking the first page asked for the second, which arrived while the first was being consumed; the third waits for a taker.
    expect(s.log).toEqual(['ask 0', 'answer 0', 'ask 3', 'answer 3']);
    expect(await pages.next()).toEqual([3, 4, 5]);
    await s.answerAll();
    expect(await pages.next()).toEqual([6]);
    // The short page was the last: nothing is asked past it.
    expect(await pages.next()).toBeNull();
    expect(await pages.next()).toBeNull();
    expect(s.log).toEqual(['ask 0', 'answer 0', 'ask 3', 'answer 3', 'ask 6', 'answer 6']);
    await pages.close();
  });

  it('keeps up to `ahead` pages waiting, in order', async () => {
    const s = source(95, 10);
    const pages = readAhead(s.fetchAfter, 3);
    const first = pages.next();
    await s.answerAll();
    expect(await first).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.log.filter((l) => l.startsWith('ask'))).toEqual(['ask 0', 'ask 10', 'ask 20', 'ask 30']);
    const seen: number[] = [];
    for (let page = await pages.next(); page !== null; page = await pages.next()) {
      seen.push(page[0]!);
      await s.answerAll();
    }
    expect(seen).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    await pages.close();
  });

  it('fails the page whose read failed, and close waits for reads still under way', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const pages = readAhead<number[]>((previous) => {
      calls++;
      if (previous === null) return Promise.resolve([1]);
      return new Promise((_, reject) => (release = () => reject(new Error('connection lost'))));
    }, 1);
    expect(await pages.next()).toEqual([1]);
    let closed = false;
    const closing = pages.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(closed).toBe(true);
    expect(calls).toBe(2);
    await expect(pages.next()).rejects.toThrow('read after close');

    const failing = readAhead<number[]>(() => Promise.reject(new Error('connection lost')), 2);
    await expect(failing.next()).rejects.toThrow('connection lost');
    await failing.close();
  });
});

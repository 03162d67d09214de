/**
 * Pages of a keyset-paged read, fetched ahead of the code that consumes them, at most `ahead`
 * pages waiting: while one page is priced, the next is on its way from the database, so the
 * database's work and the process's CPU overlap instead of alternating. `fetchAfter(previous)`
 * reads the page after `previous` (the first for `null`) and answers `null` when `previous` was
 * the last one, so a page is asked for only once the one before it has arrived (its keyset cursor
 * is that page's last row) and the stream ends without a query past its end.
 *
 * Reads in a transaction queue on its one connection (Kysely runs them one after the other), so
 * `close()` must be awaited before the transaction ends: no read may run on a connection the pool
 * has taken back. A failed read fails the `next()` that meets it; the reads after it fail with it.
 */
export type ReadAhead<P> = {
  /** The next page, or `null` after the last. */
  next(): Promise<P | null>;
  /** Asks for nothing more and waits until every read asked for has settled. */
  close(): Promise<void>;
};

export function readAhead<P>(fetchAfter: (previous: P | null) => Promise<P | null>, ahead: number): ReadAhead<P> {
  if (!Number.isInteger(ahead) || ahead < 1) throw new Error(`readAhead: ahead must be a whole number of pages, at least 1 (got ${ahead})`);
  const waiting: Promise<P | null>[] = [];
  let tail: Promise<P | null> | null = null;
  let ended = false;
  let closed = false;
  const ask = () => {
    const page: Promise<P | null> = tail === null ? fetchAfter(null) : tail.then((previous) => (previous === null ? null : fetchAfter(previous)));
    // Settled by `next()` or `close()`; until then a failure must not count as unhandled.
    page.then(
      (p) => void (p === null && (ended = true)),
      () => void (ended = true),
    );
    tail = page;
    waiting.push(page);
  };
  const topUp = () => {
    while (!closed && !ended && waiting.length < ahead) ask();
  };
  topUp();
  return {
    next() {
      if (closed) return Promise.reject(new Error('readAhead: read after close'));
      if (waiting.length === 0) {
        if (ended) return Promise.resolve(null);
        ask();
      }
      const page = waiting.shift()!;
      // The next page is asked for now and fetched as soon as this one is in, while this one is consumed.
      topUp();
      return page;
    },
    async close() {
      closed = true;
      waiting.length = 0;
      if (tail) await tail.then(
        () => undefined,
        () => undefined,
      );
    },
  };
}

import type { Kysely } from 'kysely';
import { OutboxRelay, type AnyServiceDb, type EventPublisher, type Logger, type MessagingTables } from '@kundval/platform';

/**
 * An experiment, not product code: the platform's OutboxRelay with a pass that publishes a whole
 * batch before waiting for JetStream's acks, then marks it published in one UPDATE — instead of
 * one publish round trip and one UPDATE per row. `--relay pipelined` measures what that would buy.
 * Order on the stream is kept (one connection, published in sequence order); after a failed
 * publish the whole batch is published again, which JetStream drops as duplicates by message id.
 */
export class PipelinedOutboxRelay extends OutboxRelay {
  readonly #db: Kysely<MessagingTables>;
  readonly #publish: EventPublisher;
  readonly #batchSize: number;

  constructor(service: AnyServiceDb, publish: EventPublisher, logger: Logger, options: { pollMs?: number; batchSize?: number } = {}) {
    super(service, publish, logger, options);
    this.#db = service as Kysely<MessagingTables>;
    this.#publish = publish;
    this.#batchSize = options.batchSize ?? 100;
  }

  override async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.#db.selectFrom('outbox').select(['seq', 'envelope']).where('published_at', 'is', null).orderBy('seq').limit(this.#batchSize).execute();
      if (rows.length === 0) return total;
      await Promise.all(rows.map((row) => this.#publish(row.envelope)));
      await this.#db
        .updateTable('outbox')
        .set({ published_at: new Date() })
        .where('seq', 'in', rows.map((r) => r.seq))
        .execute();
      total += rows.length;
    }
  }
}

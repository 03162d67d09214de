import Fastify from 'fastify';
import pg from 'pg';
import { serve, tell } from '../lib/child.js';

/**
 * The durable-write floor: a bare Fastify route on the visit report's path that parses the same
 * body and writes one row per visit into PostgreSQL in one transaction (BEGIN, INSERT, COMMIT) on
 * the same server as the billing service, with a pool of the platform's size (10). Nothing else —
 * no logging, validation, authentication, checks or events: what any endpoint that durably
 * records a report must at least pay. Its own process, like the billing service.
 */
const databaseUrl = process.argv[2];
if (!databaseUrl) throw new Error('usage: durable-floor-server.ts <postgres url>');
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
await pool.query(`create schema if not exists bench_floor;
  create table if not exists bench_floor.visits (
    id bigserial primary key, order_id uuid not null, external_id text not null, kind text not null,
    starts_at timestamptz not null, ends_at timestamptz not null, unique (order_id, external_id))`);

type Body = { visits: Array<{ externalId: string; kind: string; start: string; end: string }> };
const app = Fastify({ logger: false });
app.post<{ Params: { orderId: string }; Body: Body }>('/orders/:orderId/visits', async (req, reply) => {
  const { visits } = req.body;
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (const v of visits) {
      await client.query('insert into bench_floor.visits (order_id, external_id, kind, starts_at, ends_at) values ($1, $2, $3, $4, $5)', [req.params.orderId, v.externalId, v.kind, v.start, v.end]);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  return reply.code(201).send({ visits });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
serve({}, async () => {
  await app.close();
  await pool.end();
});
tell({ type: 'ready', url: `http://127.0.0.1:${address.port}` });

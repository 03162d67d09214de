import Fastify from 'fastify';
import { serve, tell } from '../lib/child.js';

/**
 * The HTTP baseline: a bare Fastify route on the same path as the visit report, doing what any
 * JSON endpoint must (parse the body, serialize an answer) and nothing else — no logging,
 * validation, authentication or database. Its own process, like the billing service.
 */
const app = Fastify({ logger: false });
app.post('/orders/:orderId/visits', async (req, reply) => {
  const body = req.body as { visits: unknown[] };
  return reply.code(201).send({ visits: body.visits });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
serve({}, () => app.close());
tell({ type: 'ready', url: `http://127.0.0.1:${address.port}` });

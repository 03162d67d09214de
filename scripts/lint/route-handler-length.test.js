// The handler-length rule, checked on handlers of every shape it must see (node --test, run by scripts/test.sh).
import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { routeHandlerLength } from './route-handler-length.js';

RuleTester.describe = describe;
RuleTester.it = it;
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });
const body = (n) => Array.from({ length: n }, (_, i) => `  const x${i} = ${i};`).join('\n');
// A handler of `n` lines: the opening and closing lines plus n - 2 statements.
const handler = (n) => `async (req, reply) => {\n${body(n - 2)}\n}`;

tester.run('route-handler-length', routeHandlerLength, {
  valid: [
    { code: `app.post('/a', { schema: {} }, ${handler(40)});`, options: [{ max: 40 }] },
    { code: `app.get('/a', ${handler(3)});`, options: [{ max: 3 }] },
    { code: `map.get('key');` },
    { code: `app.route({ method: 'GET', url: '/a', handler: ${handler(5)} });`, options: [{ max: 5 }] },
  ],
  invalid: [
    {
      code: `app.post('/orders/:orderId/visits', { schema: {} }, ${handler(41)});`,
      options: [{ max: 40 }],
      errors: [{ messageId: 'tooLong', data: { route: 'POST /orders/:orderId/visits', lines: '41', max: '40' } }],
    },
    {
      code: `app.get('/a', { handler: ${handler(6)} });`,
      options: [{ max: 5 }],
      errors: [{ messageId: 'tooLong', data: { route: 'GET /a', lines: '6', max: '5' } }],
    },
    {
      code: `app.route({ method: 'PUT', url: '/b', handler: function (req) {\n${body(5)}\n} });`,
      options: [{ max: 5 }],
      errors: [{ messageId: 'tooLong', data: { route: 'PUT /b', lines: '7', max: '5' } }],
    },
  ],
});

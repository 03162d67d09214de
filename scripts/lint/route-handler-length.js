// A route handler is an adapter (parse, call one use case, map the result): this rule measures
// every handler registered on a Fastify instance (`app.get(path, opts, handler)`, `app.post(…)`,
// `app.route({ handler })`) and reports one longer than the limit, so rules cannot grow back into
// routes unseen. Run by `eslint` in every service's `npm run lint` (eslint.config.js).

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all']);
const isFunction = (node) => node && (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression');
const linesOf = (node) => node.loc.end.line - node.loc.start.line + 1;

/** @type {import('eslint').Rule.RuleModule} */
export const routeHandlerLength = {
  meta: {
    type: 'suggestion',
    docs: { description: 'A route handler stays short: it translates HTTP to one use case and back.' },
    schema: [{ type: 'object', properties: { max: { type: 'integer', minimum: 1 } }, additionalProperties: false }],
    messages: { tooLong: 'Route handler for {{route}} is {{lines}} lines (at most {{max}}): move the rules into a use case (application/).' },
  },
  create(context) {
    const max = context.options[0]?.max ?? 40;
    const check = (handler, route) => {
      const lines = linesOf(handler);
      if (lines > max) context.report({ node: handler, messageId: 'tooLong', data: { route, lines: String(lines), max: String(max) } });
    };
    const routeName = (method, pathNode) => `${method.toUpperCase()} ${pathNode && pathNode.type === 'Literal' ? pathNode.value : pathNode?.type === 'TemplateLiteral' ? pathNode.quasis.map((q) => q.value.cooked).join('…') : '?'}`;
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return;
        const name = callee.property.name;
        if (METHODS.has(name) && node.arguments.length >= 2) {
          const last = node.arguments[node.arguments.length - 1];
          if (isFunction(last)) check(last, routeName(name, node.arguments[0]));
          // app.get(path, { handler }) shape
          const opts = node.arguments[1];
          if (opts?.type === 'ObjectExpression') handlerProperty(opts, (h) => check(h, routeName(name, node.arguments[0])));
        } else if (name === 'route' && node.arguments[0]?.type === 'ObjectExpression') {
          const opts = node.arguments[0];
          const method = opts.properties.find((p) => p.type === 'Property' && p.key.type === 'Identifier' && p.key.name === 'method');
          const url = opts.properties.find((p) => p.type === 'Property' && p.key.type === 'Identifier' && p.key.name === 'url');
          const m = method?.value.type === 'Literal' ? String(method.value.value) : 'route';
          handlerProperty(opts, (h) => check(h, routeName(m, url?.value)));
        }
      },
    };
  },
};

function handlerProperty(objectNode, found) {
  for (const p of objectNode.properties) {
    if (p.type !== 'Property' || p.key.type !== 'Identifier' || p.key.name !== 'handler') continue;
    if (isFunction(p.value)) found(p.value);
  }
}

export const kundvalPlugin = { meta: { name: 'kundval' }, rules: { 'route-handler-length': routeHandlerLength } };

import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';

/** Where a value of the call goes in a query compiled once: the argument of that name. */
class Argument {
  constructor(readonly name: string) {}
}

/**
 * A query whose shape is fixed, built and compiled by Kysely once and then sent with each call's
 * values: the visit report's insert was built and compiled anew for every visit, a tenth of the
 * service's CPU per request (bench README section 14). `build` gets stand-ins for the arguments
 * and must use each only as a value (a parameter of the statement), never to choose the shape: it
 * runs once. The query is compiled without the database handle's plugins (the services' handles
 * have none); their result transformations still apply.
 */
export function compiledOnce<DB, A extends Record<string, unknown>, R>(build: (db: Kysely<DB>, args: A) => Compilable<R>) {
  let compiled: CompiledQuery<R> | undefined;
  return async (db: Kysely<DB>, args: A): Promise<QueryResult<R>> => {
    compiled ??= build(db.withoutPlugins(), new Proxy({}, { get: (_, name) => new Argument(String(name)) }) as A).compile();
    const parameters = compiled.parameters.map((p) => {
      if (!(p instanceof Argument)) return p;
      if (!Object.hasOwn(args, p.name)) throw new Error(`compiledOnce: no value for ${p.name}`);
      return args[p.name];
    });
    return db.executeQuery<R>({ ...compiled, parameters, queryId: createQueryId() });
  };
}

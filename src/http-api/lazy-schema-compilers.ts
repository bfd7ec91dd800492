/**
 * Schema compilers that compile a route's validator or serializer on the route's first
 * request instead of while the server starts.
 *
 * Why: fastify compiles every route's JSON schemas (ajv validators, fast-json-stringify
 * serializers) before it listens; with Consul's ~60 routes that was ~0.35 s of the agent's
 * start-up, for routes most agents never serve. One route's schemas compile in a few ms, so a
 * first request barely notices. The compiler packages themselves are loaded at start-up, not on
 * a first request: loading them is one ~0.1 s block of the event loop, which must not land on
 * a running agent in the middle of a join (the `local` profile gives a join 1 s).
 *
 * Each compiler is fastify's own default with the options fastify would give it, so a request
 * is validated and an answer serialized exactly as before; only the moment of compilation moves.
 * {@link LazySchemaCompilers.compileAll} compiles whatever is still pending, so a test can
 * prove every route's schemas compile.
 */
import ajvCompiler from "@fastify/ajv-compiler";
import serializerCompiler from "@fastify/fast-json-stringify-compiler";

/** What fastify hands a validator or serializer compiler for one schema of one route. */
interface RouteSchemaDefinition {
  readonly schema: unknown;
  readonly method: string;
  readonly url: string;
}

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown };
type Serialize = (data: unknown) => string;
type CompilerFactory<F> = (externalSchemas: unknown, options: unknown) => (route: RouteSchemaDefinition) => F;

const validatorFactory = ajvCompiler as unknown as () => CompilerFactory<Validate>;
const serializerFactory = serializerCompiler as unknown as () => CompilerFactory<Serialize>;

/** The factories of fastify's `schemaController.compilersFactory` option, compiling lazily. */
export class LazySchemaCompilers {
  private readonly pending = new Set<() => unknown>();

  /** `compilersFactory.buildValidator`: ajv, as fastify configures it by default. */
  readonly buildValidator = (externalSchemas: unknown, ajvOptions: unknown) => {
    // The ajv instance itself is made now, at start-up, as fastify would: it is the larger part.
    const compile = validatorFactory()(externalSchemas, ajvOptions);
    return (route: RouteSchemaDefinition): Validate => {
      const compiled = this.deferred(() => compile(route));
      const validate: Validate = (data, context) => {
        const real = compiled();
        const valid = real(data, context);
        validate.errors = real.errors;
        return valid;
      };
      // fastify passes the parent object (needed for ajv to coerce a root value) only to
      // validators that look like ajv's, which it recognises by this property.
      return Object.assign(validate, { schemaEnv: true });
    };
  };

  /** `compilersFactory.buildSerializer`: fast-json-stringify, as fastify configures it. */
  readonly buildSerializer = (externalSchemas: unknown, serializerOptions: unknown) => {
    const compile = serializerFactory()(externalSchemas, serializerOptions);
    return (route: RouteSchemaDefinition): Serialize => {
      const compiled = this.deferred(() => compile(route));
      return (data) => compiled()(data);
    };
  };

  /** Compiles every schema not compiled yet; returns how many. Throws as fastify would have. */
  compileAll(): number {
    const all = [...this.pending];
    for (const compile of all) compile();
    return all.length;
  }

  /** A memoised thunk, listed for {@link compileAll} until it first runs. */
  private deferred<T>(make: () => T): () => T {
    let made: { value: T } | undefined;
    const thunk = (): T => {
      if (made === undefined) {
        made = { value: make() };
        this.pending.delete(thunk);
      }
      return made.value;
    };
    this.pending.add(thunk);
    return thunk;
  }
}

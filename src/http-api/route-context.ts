/** What every route module receives from the plugin. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { AgentControl, AgentView } from "./agent-view.js";
import type { BlockingLimits } from "./blocking.js";

/** The plugin's fastify instance, typed by TypeBox schemas. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Shared by the route modules. */
export interface RouteContext {
  readonly app: ApiApp;
  readonly view: AgentView;
  readonly control: AgentControl;
  readonly limits: BlockingLimits;
  /** Largest streamed backlog per client before lines are dropped (slow readers must not grow memory). */
  readonly streamBacklogBytes: number;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Parse the raw body as JSON before validation (every body arrives as a Buffer). */
    jsonBody?: boolean;
  }
}

/**
 * The agent's datacenter, read from `self()` once and then remembered: it is fixed for the
 * agent's lifetime, and `self()` assembles the whole self document (stats included), far too
 * much work to repeat for every entry of a lookup answer.
 */
export function datacenterOf(view: AgentView): () => string {
  let datacenter: string | undefined;
  return () => (datacenter ??= view.self().datacenter);
}

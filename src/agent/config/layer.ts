/**
 * A layer is the options one source (the flags, the environment, one config file) sets.
 * Layers are merged in precedence order by `merge.ts`.
 */
import type { ConfigProblem } from "../../errors.js";
import type { AgentOptions, OptionName } from "./schema.js";

/** Options as set by one source: any subset, each already parsed and schema-checked. */
export type OptionValues = { -readonly [K in OptionName]?: AgentOptions[K] };

/** The options one source sets, and a human name of the source for messages. */
export interface Layer {
  /** "flags", "environment" or "file <path>". */
  readonly source: string;
  readonly values: OptionValues;
}

/** A layer and the problems found while reading it (the layer holds only the valid values). */
export interface LayerResult {
  readonly layer: Layer;
  readonly problems: readonly ConfigProblem[];
}

/**
 * Stores a value that `coerceOption` has checked against option `name`'s schema. The cast is
 * the one place where runtime validation stands in for the compiler.
 */
export function setOption(values: OptionValues, name: OptionName, value: unknown): void {
  (values as Record<OptionName, unknown>)[name] = value;
}

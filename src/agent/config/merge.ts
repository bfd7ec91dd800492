/**
 * Merges layers in precedence order (later wins). Scalars are replaced; as in Serf's
 * `MergeConfig`, lists (join, retryJoin, eventHandlers, services) accumulate across layers and
 * tags merge key by key, so a flag adds a tag rather than dropping the file's tags.
 */
import type { Layer, OptionValues } from "./layer.js";
import { setOption } from "./layer.js";
import { OPTION_NAMES, optionMeta } from "./schema.js";

/** Merges `layers`, lowest precedence first, into one set of options. */
export function mergeLayers(layers: readonly Layer[]): OptionValues {
  const merged: OptionValues = {};
  for (const { values } of layers) {
    for (const name of OPTION_NAMES) {
      const value: unknown = values[name];
      if (value === undefined) continue;
      const before: unknown = merged[name];
      const kind = optionMeta(name).kind;
      if (kind === "list" && Array.isArray(before) && Array.isArray(value)) {
        // Duplicates add nothing (joining an address twice, running a handler twice).
        setOption(merged, name, [...new Set([...(before as string[]), ...(value as string[])])]);
      } else if (kind === "passthrough" && Array.isArray(before) && Array.isArray(value)) {
        setOption(merged, name, [...(before as unknown[]), ...(value as unknown[])]);
      } else if (kind === "map" && typeof before === "object" && before !== null) {
        setOption(merged, name, { ...before, ...(value as object) });
      } else {
        setOption(merged, name, value);
      }
    }
  }
  return merged;
}

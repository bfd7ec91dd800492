/** Human text of each option's default, shared by `--help` and the env table. */
import { AGENT_PROFILES } from "../../swim/core/config.js";
import { formatDuration } from "./duration.js";
import { OPTION_SCHEMAS, optionMeta, type OptionName } from "./schema.js";

const PRESETS = Object.fromEntries(
  Object.entries(AGENT_PROFILES).map(([profile, preset]) => [profile, preset()]),
);

function formatValue(name: OptionName, value: unknown): string {
  if (optionMeta(name).kind === "duration" && typeof value === "number") return formatDuration(value);
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.join(", ");
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k}=${String(v)}`).join(",");
  }
  return String(value);
}

/**
 * The default of option `name` as text: the schema default, the profile presets' values
 * (`lan 200ms, wan 500ms, local 100ms`) or the documented dynamic default ("the hostname").
 */
export function formatDefault(name: OptionName): string {
  const meta = optionMeta(name);
  if (meta.defaultText !== undefined) return meta.defaultText;
  const key = meta.memberlist;
  if (key !== undefined) {
    return Object.entries(PRESETS)
      .map(([profile, preset]) => `${profile} ${formatValue(name, preset[key])}`)
      .join(", ");
  }
  const value: unknown = OPTION_SCHEMAS[name].default;
  return value === undefined ? "none" : formatValue(name, value);
}

/**
 * `SHOAL_*` environment variables, one per option, derived from the schema: `SHOAL_` plus the
 * option's SNAKE_CASE name (`SHOAL_NODE` for the node name). Lists and tags are
 * comma-separated (`SHOAL_JOIN=a,b`, `SHOAL_TAGS=k=v,k2=v2`); event handlers, whose scripts may
 * contain commas, one per line.
 */
import type { ConfigProblem } from "../../errors.js";
import { coerceOption } from "./coerce.js";
import { formatDefault } from "./defaults-text.js";
import { setOption, type LayerResult, type OptionValues } from "./layer.js";
import { OPTION_NAMES, OPTION_SCHEMAS, envName, optionMeta, type OptionName } from "./schema.js";

/** Variables with the prefix that belong to the CLI client, not the agent: not typos. */
const CLIENT_VARIABLES: ReadonlySet<string> = new Set(["SHOAL_HTTP_TOKEN"]);

/** Environment variable → option, for every option that has one. */
export const ENV_TO_OPTION: ReadonlyMap<string, OptionName> = new Map(
  OPTION_NAMES.flatMap((name) => {
    const variable = envName(name);
    return variable === undefined ? [] : [[variable, name] as const];
  }),
);

/** The environment's options, plus the names of unrecognized `SHOAL_*` variables. */
export interface EnvLayerResult extends LayerResult {
  readonly unknown: readonly string[];
}

function items(name: OptionName, text: string): string[] {
  const meta = optionMeta(name);
  if (meta.kind !== "list" && meta.kind !== "map") return [text];
  return text
    .split(meta.envSeparator ?? ",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Reads the options set in `env`. An empty variable counts as unset, because compose files
 * and shells routinely export `VAR=` for "no value".
 */
export function readEnvLayer(env: Readonly<Record<string, string | undefined>>): EnvLayerResult {
  const problems: ConfigProblem[] = [];
  const values: OptionValues = {};
  for (const [variable, name] of ENV_TO_OPTION) {
    const text = env[variable];
    if (text === undefined || text === "") continue;
    const result = coerceOption(name, { text: items(name, text) });
    if (result.ok) setOption(values, name, result.value);
    else problems.push({ field: name, message: `${result.message} (env ${variable})` });
  }
  const unknown = Object.keys(env).filter(
    (k) => k.startsWith("SHOAL_") && !ENV_TO_OPTION.has(k) && !CLIENT_VARIABLES.has(k),
  );
  return { layer: { source: "environment", values }, problems, unknown };
}

/** A Markdown table of every environment variable: variable, option, flag, default, description. */
export function renderEnvTable(): string {
  const rows = ["| Variable | Option | Flag | Default | Description |", "| --- | --- | --- | --- | --- |"];
  for (const [variable, name] of ENV_TO_OPTION) {
    const meta = optionMeta(name);
    const flag = meta.flag === undefined ? "" : `\`--${meta.flag}\``;
    const description = (OPTION_SCHEMAS[name].description ?? "").replace(/\|/g, "\\|");
    rows.push(
      `| \`${variable}\` | \`${name}\` | ${flag} | ${formatDefault(name).replace(/\|/g, "\\|")} | ${description} |`,
    );
  }
  return rows.join("\n");
}

/** `shoal agent --help`, generated from the schema so it cannot drift from the options. */
import { formatDefault } from "./defaults-text.js";
import { META_FLAGS } from "./flags.js";
import {
  OPTION_NAMES,
  OPTION_SCHEMAS,
  SECTIONS,
  envName,
  optionMeta,
  snakeCase,
  type OptionName,
} from "./schema.js";

const REPEATABLE_KINDS = new Set(["list", "map"]);

function optionEntry(name: OptionName): string[] {
  const meta = optionMeta(name);
  const head =
    meta.flag === undefined
      ? `  ${name} (config file${meta.noEnv ? "" : " or environment"} only)`
      : `  --${meta.flag}${meta.placeholder === undefined ? "" : ` <${meta.placeholder}>`}${
          REPEATABLE_KINDS.has(meta.kind) ? " (repeatable)" : ""
        }`;
  const env = envName(name);
  const details = [
    `default: ${formatDefault(name)}`,
    ...(env === undefined ? [] : [`env: ${env}`]),
    `file key: ${[...new Set([name, snakeCase(name), ...(meta.fileAliases ?? [])])].join(" or ")}`,
  ];
  return [head, `      ${OPTION_SCHEMAS[name].description ?? ""}`, `      ${details.join("; ")}`];
}

/** The full help text of `shoal agent`: every flag with its env variable, default and description. */
export function renderAgentHelp(): string {
  const lines = [
    "Usage: shoal agent [options]",
    "",
    "Runs a Shoal agent. Settings apply in this order, later ones winning: defaults, the profile",
    "preset, config files (in the order given), SHOAL_* environment variables, flags. Durations",
    'take Go syntax ("200ms", "1m30s") or plain milliseconds. Serf\'s -flag spelling works too.',
    "",
    "Config files:",
  ];
  for (const meta of META_FLAGS) {
    lines.push(`  --${meta.flag}${meta.placeholder === undefined ? "" : ` <${meta.placeholder}>`}`);
    lines.push(`      ${meta.description}`);
  }
  for (const section of SECTIONS) {
    lines.push("", `${section}:`);
    for (const name of OPTION_NAMES) {
      if (optionMeta(name).section === section) lines.push(...optionEntry(name));
    }
  }
  return lines.join("\n");
}

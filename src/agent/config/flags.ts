/**
 * `shoal agent` command-line flags, derived from the schema. Parsed with `node:util`
 * parseArgs in non-strict mode so that every unknown flag and bad value is reported at once,
 * not just the first. Serf's single-dash spelling (`-node=x`) is accepted for known flags.
 */
import { parseArgs } from "node:util";
import type { ConfigProblem } from "../../errors.js";
import { coerceOption } from "./coerce.js";
import { setOption, type LayerResult, type OptionValues } from "./layer.js";
import { OPTION_NAMES, optionMeta, type OptionName } from "./schema.js";

/** A config file or directory named on the command line, in command-line order. */
export interface ConfigPath {
  readonly kind: "file" | "dir";
  readonly path: string;
}

/** Flags that are not options: where config files are, and help. */
export const META_FLAGS = [
  {
    flag: "config-file",
    placeholder: "path",
    description: "JSON config file; repeatable, later files override earlier ones",
  },
  {
    flag: "config-dir",
    placeholder: "path",
    description: "Directory whose *.json files are read in lexical order; repeatable",
  },
  { flag: "help", placeholder: undefined, description: "Show this help" },
] as const;

/** What the command line says: an options layer, config paths and whether help was asked. */
export interface ParsedFlags extends LayerResult {
  readonly configPaths: readonly ConfigPath[];
  readonly help: boolean;
}

/** Flag name → option name, for every option that has a flag. */
export const FLAG_TO_OPTION: ReadonlyMap<string, OptionName> = new Map(
  OPTION_NAMES.flatMap((name) => {
    const flag = optionMeta(name).flag;
    return flag === undefined ? [] : [[flag, name] as const];
  }),
);

type ParseOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

function parseArgsOptions(): ParseOptions {
  const options: ParseOptions = {
    "config-file": { type: "string", multiple: true },
    "config-dir": { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  };
  for (const [flag, name] of FLAG_TO_OPTION) {
    const kind = optionMeta(name).kind;
    options[flag] = { type: kind === "boolean" ? "boolean" : "string", multiple: true };
  }
  return options;
}

const OPTIONS = parseArgsOptions();

/**
 * Rewrites Serf-style `-flag` to `--flag` for known long flags (parseArgs would read `-node` as
 * five short flags). Values of string flags are copied verbatim, so `--tag -x=1` stays intact.
 */
function normalizeDashes(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] ?? "";
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const single = /^-([a-z][a-z0-9-]+)(=.*)?$/s.exec(arg);
    if (single?.[1] !== undefined && single[1] in OPTIONS) arg = `-${arg}`;
    out.push(arg);
    const long = /^--([^=]+)$/.exec(arg);
    if (long?.[1] !== undefined && OPTIONS[long[1]]?.type === "string" && i + 1 < argv.length) {
      out.push(argv[++i] ?? "");
    }
  }
  return out;
}

/** Parses `shoal agent` arguments (after the subcommand name). Never throws. */
export function parseAgentFlags(argv: readonly string[]): ParsedFlags {
  const problems: ConfigProblem[] = [];
  const configPaths: ConfigPath[] = [];
  const items = new Map<OptionName, string[]>();
  let help = false;
  const { tokens } = parseArgs({
    args: normalizeDashes(argv),
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let skipPositional = -1;
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (token.index !== skipPositional) {
        problems.push({ field: "arguments", message: `unexpected argument ${JSON.stringify(token.value)}` });
      }
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = OPTIONS[token.name];
    if (spec === undefined) {
      problems.push({ field: token.rawName, message: "unknown flag (see shoal agent --help)" });
      // `--bogus value`: the value belongs to the bad flag, so do not report it twice.
      if (token.value === undefined) skipPositional = token.index + 1;
      continue;
    }
    if (token.name === "help") {
      help = true;
      continue;
    }
    if (spec.type === "string" && token.value === undefined) {
      problems.push({ field: token.rawName, message: "needs a value" });
      continue;
    }
    const value = token.value ?? "true";
    if (token.name === "config-file" || token.name === "config-dir") {
      configPaths.push({ kind: token.name === "config-file" ? "file" : "dir", path: value });
      continue;
    }
    const name = FLAG_TO_OPTION.get(token.name);
    if (name === undefined) continue;
    const list = items.get(name) ?? [];
    list.push(value);
    items.set(name, list);
  }
  const values: OptionValues = {};
  for (const [name, text] of items) {
    const result = coerceOption(name, { text });
    if (result.ok) setOption(values, name, result.value);
    else
      problems.push({ field: name, message: `${result.message} (flag --${optionMeta(name).flag ?? name})` });
  }
  return { layer: { source: "flags", values }, problems, configPaths, help };
}

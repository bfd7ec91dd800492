/**
 * `loadAgentConfig`: flags, config files, environment and defaults merged (defaults < profile
 * preset < config files in order < `SHOAL_*` env < flags), validated with every problem
 * collected into one {@link ConfigError}, then resolved and frozen. Synchronous and pure
 * apart from the injectable file reads, so it is cheap to test and to re-run on SIGHUP.
 */
import { readFileSync, readdirSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { join as joinPath } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { ConfigError, type ConfigProblem } from "../../errors.js";
import { resolveAgentConfig, type AgentConfig } from "./agent-config.js";
import { checkOptions } from "./checks.js";
import { coerceOption, show } from "./coerce.js";
import { readEnvLayer } from "./env.js";
import { parseConfigFile } from "./file.js";
import { parseAgentFlags, type ConfigPath } from "./flags.js";
import type { Layer, OptionValues } from "./layer.js";
import { setOption } from "./layer.js";
import { mergeLayers } from "./merge.js";
import { AgentOptionsSchema, OPTION_NAMES, OPTION_SCHEMAS, type AgentOptions } from "./schema.js";

/** The outside world the loader reads; every member defaults to the real one. */
export interface ConfigIo {
  /** The default node name (default: `os.hostname()`). */
  readonly hostname?: string;
  /** Reads a UTF-8 file; throws (with `code: "ENOENT"` when missing) like `fs.readFileSync`. */
  readonly readFile?: (path: string) => string;
  /** Names of a directory's entries, like `fs.readdirSync`. */
  readonly readDir?: (path: string) => readonly string[];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface FileLayers {
  readonly layers: Layer[];
  readonly files: string[];
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

function readConfigPaths(
  paths: readonly ConfigPath[],
  readFile: (path: string) => string,
  readDir: (path: string) => readonly string[],
): FileLayers {
  const out: FileLayers = { layers: [], files: [], problems: [], warnings: [] };
  const readOne = (path: string, flag: string): void => {
    let text: string;
    try {
      text = readFile(path);
    } catch (error) {
      out.problems.push({ field: flag, message: `cannot read ${path}: ${errorText(error)}` });
      return;
    }
    const parsed = parseConfigFile(path, text);
    out.layers.push(parsed.layer);
    out.files.push(path);
    out.problems.push(...parsed.problems);
    out.warnings.push(...parsed.warnings);
  };
  for (const { kind, path } of paths) {
    if (kind === "file") {
      readOne(path, "--config-file");
      continue;
    }
    let names: readonly string[];
    try {
      names = readDir(path);
    } catch (error) {
      out.problems.push({ field: "--config-dir", message: `cannot read ${path}: ${errorText(error)}` });
      continue;
    }
    // Lexical (code-unit) order, like Go's ReadDir, so 10-x.json sorts before 9-y.json.
    for (const name of names.filter((n) => n.endsWith(".json")).sort())
      readOne(joinPath(path, name), "--config-dir");
  }
  return out;
}

/** Tags from the tags file; a missing file is no tags (it is created on the first change). */
function readTagsFile(
  path: string,
  readFile: (path: string) => string,
  problems: ConfigProblem[],
): Record<string, string> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    problems.push({ field: "tagsFile", message: `cannot read ${path}: ${errorText(error)}` });
    return {};
  }
  try {
    const doc: unknown = JSON.parse(text);
    if (typeof doc === "object" && doc !== null && !Array.isArray(doc)) {
      if (Object.values(doc).every((v) => typeof v === "string")) return doc as Record<string, string>;
    }
    problems.push({
      field: "tagsFile",
      message: `${path} must hold a JSON object of strings, got ${show(doc)}`,
    });
  } catch (error) {
    problems.push({ field: "tagsFile", message: `${path} is not valid JSON: ${errorText(error)}` });
  }
  return {};
}

/** Fills in schema defaults (and the hostname) for options no source set. */
function applyDefaults(values: OptionValues, hostname: string, problems: ConfigProblem[]): void {
  for (const name of OPTION_NAMES) {
    if (values[name] !== undefined) continue;
    const fallback: unknown = OPTION_SCHEMAS[name].default;
    if (fallback !== undefined) setOption(values, name, structuredClone(fallback));
  }
  if (values.nodeName === undefined) {
    const result = coerceOption("nodeName", { json: hostname });
    if (result.ok) values.nodeName = hostname;
    else problems.push({ field: "nodeName", message: `${result.message} (the hostname; set --node)` });
  }
}

/** True when `argv` asks for `shoal agent --help`. */
export function wantsHelp(argv: readonly string[]): boolean {
  return parseAgentFlags(argv).help;
}

/**
 * Loads the agent configuration from `argv` (the arguments after `shoal agent`), `env` and the
 * config files the flags name. Throws {@link ConfigError} listing every problem found.
 */
export function loadAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: ConfigIo = {},
): AgentConfig {
  const readFile = io.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  const readDir = io.readDir ?? ((path: string) => readdirSync(path));
  const flags = parseAgentFlags(argv);
  const files = readConfigPaths(flags.configPaths, readFile, readDir);
  const envLayer = readEnvLayer(env);
  const problems: ConfigProblem[] = [...flags.problems, ...files.problems, ...envLayer.problems];
  const warnings = [
    ...files.warnings,
    ...envLayer.unknown.map((name) => `environment variable ${name} is not a Shoal option; ignored`),
  ];
  const values = mergeLayers([...files.layers, envLayer.layer, flags.layer]);
  applyDefaults(values, io.hostname ?? osHostname(), problems);
  if (values.tagsFile !== undefined) {
    values.tags = { ...readTagsFile(values.tagsFile, readFile, problems), ...values.tags };
  }
  // Every value was checked on the way in; this guards the merge itself.
  for (const error of Value.Errors(AgentOptionsSchema, values)) {
    const field = error.path.split("/")[1] ?? "config";
    if (!problems.some((p) => p.field === field)) problems.push({ field, message: error.message });
  }
  // Invalid inputs were never stored (defaults stand in), so the semantic checks can still run
  // and report their problems alongside the parse errors.
  problems.push(...checkOptions(values as AgentOptions));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolveAgentConfig(values as AgentOptions, files.files, warnings);
}

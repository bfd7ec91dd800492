#!/usr/bin/env node
// Entry point of the `shoal` command: runs the compiled CLI from dist/, or the TypeScript
// sources through tsx when dist/ has not been built (a fresh clone after `npm ci`).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const compiled = `${root}dist/agent/cli/main.js`;
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(`${root}src/agent/cli/main.ts`).href);
}

#!/usr/bin/env node
// Entry point of the `shoal` command. Runs, in order of preference: the bundle from
// `npm run build` (dist/bundle/: one file instead of hundreds, so the agent starts in well
// under a second), the compiled CLI in dist/, or the TypeScript sources through tsx when
// nothing has been built (a fresh clone after `npm ci --ignore-scripts`).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = [`${root}dist/bundle/shoal.mjs`, `${root}dist/agent/cli/main.js`].find((file) =>
  existsSync(file),
);
if (entry !== undefined) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(`${root}src/agent/cli/main.ts`).href);
}

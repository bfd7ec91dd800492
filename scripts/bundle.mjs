// Bundles the compiled CLI (dist/agent/cli/main.js, from `tsc`) and the packages it imports
// into dist/bundle/, one chunk per lazily loaded subcommand. Why: Node 20's ES module loader
// pays per file, and the agent imports ~700 of them (TypeBox alone ~270); one bundle took
// the agent's start-up from ~1.3 s to well under 1 s. bin/shoal.js prefers the bundle.
//
// Usage: node scripts/bundle.mjs [DIST_DIR]   (default: dist; the container tier stages its
// own). Packages resolve from this checkout's node_modules wherever DIST_DIR is.
import { build } from "esbuild";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = resolve(process.argv[2] ?? join(root, "dist"));

const NODE_REQUIRE = [
  // Bundled CommonJS packages require Node built-ins; an ES module has no `require`.
  'import { createRequire as __shoalCreateRequire } from "node:module";',
  "const require = __shoalCreateRequire(import.meta.url);",
].join("\n");

await build({
  entryPoints: { shoal: join(dist, "agent/cli/main.js") },
  outdir: join(dist, "bundle"),
  nodePaths: [join(root, "node_modules")],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  banner: { js: NODE_REQUIRE },
  sourcemap: "linked",
  logLevel: "warning",
});

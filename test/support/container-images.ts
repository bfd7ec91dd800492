/**
 * Builds the images the container tier runs, once, cached by content hash: the local node base
 * (scripts/build-base-image.sh: no registry here), the Shoal image (`prebuilt` target of
 * docker/Dockerfile over a staged context of host-compiled dist/ and production node_modules/)
 * and a Serf image (Debian's `serf` binary on the same base). An unchanged tree reuses the
 * tagged images, so a second run starts containers at once.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { docker, imageExists } from "./container-docker.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Tag of the local FROM-scratch node base. */
export const BASE_IMAGE = "shoal-node-base:local";

/** The images a container test needs. */
export interface ContainerImages {
  readonly shoal: string;
  readonly serf: string;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/** Hash of the named files and directories (paths and contents) plus extra strings. */
function contentHash(paths: readonly string[], extra: readonly string[]): string {
  const hash = createHash("sha256");
  for (const p of paths) {
    const abs = join(ROOT, p);
    const files = statSync(abs).isDirectory() ? filesUnder(abs) : [abs];
    for (const file of files) hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file));
  }
  for (const e of extra) hash.update(e).update("\0");
  return hash.digest("hex").slice(0, 16);
}

function imageId(tag: string): string {
  return docker(["image", "inspect", "--format", "{{.Id}}", tag]).trim();
}

/** Directories under node_modules/ that production needs, read from the lockfile. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(
      ([path, meta]) => path.startsWith("node_modules/") && meta.dev !== true && meta.devOptional !== true,
    )
    .map(([path]) => path)
    .filter((path) => existsSync(join(ROOT, path)));
}

/** The context the `prebuilt` target expects: dist/, bin/, package.json, node_modules/, docker/. */
function stageShoalContext(): string {
  const dir = mkdtempSync(join(tmpdir(), "shoal-image-"));
  // Compile into the staging dir, not ./dist: other work in this checkout may be using dist/.
  execFileSync(
    process.execPath,
    [
      join(ROOT, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      join(dir, "dist"),
    ],
    { cwd: ROOT, stdio: "inherit" },
  );
  execFileSync(process.execPath, [join(ROOT, "scripts/bundle.mjs"), join(dir, "dist")], {
    cwd: ROOT,
    stdio: "inherit",
  });
  for (const p of ["bin", "docker", "package.json"]) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  // Nested packages (a/node_modules/b) come along with their parent's copy.
  const packages = productionPackages();
  for (const p of packages.filter((p) => !p.slice("node_modules/".length).includes("/node_modules/"))) {
    cpSync(join(ROOT, p), join(dir, p), { recursive: true, dereference: true });
  }
  return dir;
}

/** Removes this tier's images of `repository` other than `keep` (older content hashes). */
function pruneOlder(repository: string, keep: string): void {
  const tags = docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", repository]).split("\n");
  for (const tag of tags.filter((t) => t !== "" && t !== keep)) {
    try {
      docker(["image", "rm", tag]);
    } catch {
      // Still used by a container of a run that is going on: leave it for the next time.
    }
  }
}

function build(tag: string, context: string, dockerfile: string, args: readonly string[]): void {
  docker([
    "build",
    "--quiet",
    "-t",
    tag,
    "-f",
    dockerfile,
    "--build-arg",
    `BASE=${BASE_IMAGE}`,
    ...args,
    context,
  ]);
}

/** Builds (or finds) the base, Shoal and Serf images; returns their tags. */
export function ensureImages(): ContainerImages {
  execFileSync("bash", [join(ROOT, "scripts/build-base-image.sh"), BASE_IMAGE], { stdio: "inherit" });
  const baseId = imageId(BASE_IMAGE);

  const shoalInputs = [
    "src",
    "bin",
    "docker",
    "scripts/bundle.mjs",
    "package.json",
    "package-lock.json",
    "tsconfig.base.json",
    "tsconfig.build.json",
  ];
  const shoal = `shoal-test:${contentHash(shoalInputs, [baseId])}`;
  if (!imageExists(shoal)) {
    const context = stageShoalContext();
    try {
      build(shoal, context, join(context, "docker/Dockerfile"), ["--target", "prebuilt"]);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
    pruneOlder("shoal-test", shoal);
  }

  const serfBinary = execFileSync("sh", ["-c", 'readlink -f "$(command -v serf)"'], {
    encoding: "utf8",
  }).trim();
  const serfHash = createHash("sha256")
    .update(readFileSync(serfBinary))
    .update(readFileSync(join(ROOT, "docker/serf.Dockerfile")))
    .update(baseId)
    .digest("hex")
    .slice(0, 16);
  const serf = `shoal-serf-test:${serfHash}`;
  if (!imageExists(serf)) {
    const context = mkdtempSync(join(tmpdir(), "shoal-serf-image-"));
    try {
      cpSync(serfBinary, join(context, "serf"));
      build(serf, context, join(ROOT, "docker/serf.Dockerfile"), []);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
    pruneOlder("shoal-serf-test", serf);
  }
  return { shoal, serf };
}

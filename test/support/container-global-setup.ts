/**
 * vitest globalSetup of the container tier: builds (or finds, by content hash) the images once
 * per run and hands their tags to the test files. Without a Docker engine it builds nothing;
 * the tests' `describeWithDocker` then skips or, under CI=true, fails.
 */
import type { TestProject } from "vitest/node";
import { ensureImages } from "./container-images.js";
import { hasDockerEngine } from "./requirements.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Tag of the Shoal agent image (docker/Dockerfile, target `prebuilt`). */
    shoalImage: string;
    /** Tag of the image running Debian's `serf`. */
    serfImage: string;
  }
}

/** Builds the images and provides their tags. */
export function setup(project: TestProject): void {
  if (!hasDockerEngine()) {
    project.provide("shoalImage", "");
    project.provide("serfImage", "");
    return;
  }
  const started = performance.now();
  const images = ensureImages();
  console.log(
    `container images ready in ${Math.round(performance.now() - started)} ms: ${images.shoal}, ${images.serf}`,
  );
  project.provide("shoalImage", images.shoal);
  project.provide("serfImage", images.serf);
}

/**
 * vitest globalSetup of the container tier: builds (or finds, by content hash) the images once
 * per run and hands their tags to the test files. Without a Docker engine it builds nothing;
 * the tests' `describeWithDocker` then skips or, under CI=true, fails.
 *
 * It also sweeps, at the start and in teardown, what aborted runs left behind: testcontainers'
 * reaper (Ryuk) is disabled, so a run killed mid-test (Ctrl-C, CI timeout) would otherwise
 * leave containers, networks and volumes for good. Everything the tier creates is labelled
 * with this run's pid (container-docker.ts `testLabels`), so the sweep spares other live runs.
 */
import type { TestProject } from "vitest/node";
import { sweepTestResources, type SweepResult } from "./container-docker.js";
import { ensureImages } from "./container-images.js";
import { hasDockerEngine } from "./requirements.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Tag of the Shoal agent image (docker/Dockerfile, target `prebuilt`). */
    shoalImage: string;
    /** Tag of the image running Debian's `serf`. */
    serfImage: string;
    /** Pid of this vitest run's main process: the run label of everything the tier creates. */
    testRunPid: number;
  }
}

function sweep(when: string): void {
  const removed: SweepResult = sweepTestResources(process.pid);
  if (removed.containers + removed.networks + removed.volumes > 0)
    console.log(
      `container sweep (${when}): removed ${removed.containers} containers, ${removed.networks} networks, ` +
        `${removed.volumes} volumes left by this or an aborted run`,
    );
}

/** Builds the images and provides their tags. */
export function setup(project: TestProject): void {
  project.provide("testRunPid", process.pid);
  if (!hasDockerEngine()) {
    project.provide("shoalImage", "");
    project.provide("serfImage", "");
    return;
  }
  sweep("start");
  const started = performance.now();
  const images = ensureImages();
  console.log(
    `container images ready in ${Math.round(performance.now() - started)} ms: ${images.shoal}, ${images.serf}`,
  );
  project.provide("shoalImage", images.shoal);
  project.provide("serfImage", images.serf);
}

/** Removes this run's leftovers (and any other aborted run's) once every test file is done. */
export function teardown(): void {
  if (hasDockerEngine()) sweep("teardown");
}

/**
 * The README's compose example, run for real: docker/compose.yaml with the tier's image
 * (SHOAL_IMAGE, `up --no-build`: nothing can be pulled or npm-installed here). Five agents
 * must form by themselves and the example web service must be passing, seen from shoal-1's
 * published HTTP port and from shoal-5 inside the project; Docker must report every container
 * healthy (its HEALTHCHECK) and the agents' user must not be root.
 */
import { execFile, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, inject, it, onTestFinished } from "vitest";
import { freeTcpPort } from "../../src/tools/free-port.js";
import { waitFor } from "../support/container-cluster.js";
import { run } from "../support/container-docker.js";
import { describeWhen } from "../support/requirements.js";

const COMPOSE_FILE = fileURLToPath(new URL("../../docker/compose.yaml", import.meta.url));

/** `docker compose` (the plugin) or Debian's `docker-compose`, whichever works. */
function composeCommand(): readonly string[] | undefined {
  for (const cmd of [["docker", "compose"], ["docker-compose"]]) {
    try {
      execFileSync(cmd[0] ?? "", [...cmd.slice(1), "version"], { stdio: "ignore" });
      return cmd;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const compose = composeCommand();

describeWhen(compose !== undefined, "`docker compose` or `docker-compose` (.ci/run installs docker-compose)")(
  "docker/compose.yaml example",
  () => {
    it("forms 5 agents by service name and serves the web example as passing", async () => {
      const [command = "", ...pre] = compose ?? [];
      const project = `shoal-compose-${process.pid}`;
      const port = await freeTcpPort();
      const env = { ...process.env, SHOAL_IMAGE: inject("shoalImage"), SHOAL_HTTP_PORT: String(port) };
      // compose reads SHOAL_IMAGE and SHOAL_HTTP_PORT from its environment.
      const up = (args: readonly string[]): Promise<string> =>
        new Promise((resolve, reject) => {
          execFile(
            command,
            [...pre, "-p", project, "-f", COMPOSE_FILE, ...args],
            { env },
            (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
          );
        });
      onTestFinished(async () => {
        await up(["down", "--volumes", "--timeout", "15"]).catch(() => undefined);
      });
      await up(["up", "-d", "--no-build"]);

      const base = `http://127.0.0.1:${port}`;
      const formedMs = await waitFor(
        "shoal-1 to see 5 alive members",
        async () => {
          const members = (await (await fetch(`${base}/v1/agent/members`)).json()) as { Status: number }[];
          return members.filter((m) => m.Status === 1).length === 5;
        },
        60_000,
        500,
      );
      await waitFor(
        "the web example to pass its HTTP check",
        async () =>
          ((await (await fetch(`${base}/v1/health/service/web?passing`)).json()) as unknown[]).length === 1,
        60_000,
        500,
      );
      // Another agent answers for the service from its gossiped replica.
      const script =
        'fetch("http://127.0.0.1:8500/v1/health/service/web?passing").then(r=>r.text()).then(console.log)';
      const container = (await up(["ps", "-q", "shoal-5"])).trim();
      const fromShoal5 = JSON.parse(await run("docker", ["exec", container, "node", "-e", script])) as {
        Service: { Service: string; Port: number };
      }[];
      expect(fromShoal5.map((e) => `${e.Service.Service}:${e.Service.Port}`)).toEqual(["web:8080"]);

      // Docker's own view: every container passes its HEALTHCHECK (the agents' asks the HTTP
      // API, web's its own port), and the agents do not run as root.
      const ids = (await up(["ps", "-q"])).trim().split(/\s+/).filter(Boolean);
      expect(ids).toHaveLength(6);
      const inspect = async (): Promise<{ name: string; health: string; user: string }[]> =>
        (
          await run("docker", [
            "inspect",
            "--format",
            "{{.Name}} {{.State.Health.Status}} {{.Config.User}}",
            ...ids,
          ])
        )
          .trim()
          .split("\n")
          .map((line) => {
            const [name = "", health = "", user = ""] = line.trim().split(" ");
            return { name: name.replace(/^\//, ""), health, user };
          });
      let states: { name: string; health: string; user: string }[] = [];
      const healthyMs = await waitFor(
        "every container to be healthy",
        async () => {
          states = await inspect();
          return states.every((s) => s.health === "healthy");
        },
        60_000,
        1_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}: ${JSON.stringify(states)}`);
      });
      const agents = states.filter((s) => /shoal-\d/.test(s.name.replace(project, "")));
      expect(agents).toHaveLength(5);
      for (const a of agents) {
        expect(a.user, `${a.name}'s user`).not.toBe("");
        expect(a.user.split(":")[0], `${a.name}'s user`).not.toMatch(/^(0|root)$/);
      }
      console.log(
        `[container] compose example: 5 agents formed within ${Math.round(formedMs)} ms of \`up\`; web passing; ` +
          `all 6 containers healthy ${Math.round(healthyMs)} ms later; agents run as ${agents[0]?.user ?? "?"}`,
      );
    });
  },
);

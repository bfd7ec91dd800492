/**
 * retry-join with a DNS name: the name is resolved again on every attempt and stands for ALL
 * its addresses. In-process agents with an injected resolver show both (a name that first
 * points nowhere, then at two separate one-agent clusters on 127.0.0.2 and 127.0.0.3, which the
 * joiner merges); a real process shows `--retry-join localhost:PORT` through the system
 * resolver.
 */
import { afterAll, expect, it } from "vitest";
import { loadAgentConfig } from "../../../src/agent/config/load.js";
import { Agent } from "../../../src/agent/daemon/agent.js";
import { createLogger } from "../../../src/agent/logging/logger.js";
import { describeWithSerf } from "../../support/requirements.js";
import { freePort } from "../../../src/tools/free-port.js";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";

/** An in-process agent on `host` with a quiet logger whose lines we keep. */
async function startInProcess(
  name: string,
  host: string,
  port: number,
  extra: readonly string[] = [],
  resolveHost?: (host: string) => Promise<readonly string[]>,
): Promise<{ agent: Agent; lines: string[] }> {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", destination: { write: (line) => void lines.push(line) } });
  const config = loadAgentConfig(
    ["--node", name, "--bind", `${host}:${port}`, "--http-addr", `${host}:0`, "--profile", "local", ...extra],
    {},
    { hostname: name },
  );
  const agent = await Agent.start(config, logger, resolveHost === undefined ? {} : { resolveHost });
  return { agent, lines };
}

const aliveNames = (agent: Agent): string[] =>
  agent
    .members()
    .filter((m) => m.status === "alive")
    .map((m) => m.name)
    .sort();

describeWithSerf()("retry-join with a DNS name", () => {
  const inProcess: Agent[] = [];
  const processes: ShoalAgent[] = [];

  afterAll(async () => {
    await Promise.allSettled(inProcess.map((a) => a.close()));
    await Promise.allSettled(processes.map((a) => a.kill()));
  });

  it("re-resolves the name on every attempt and joins every address it resolves to", async () => {
    // Two agents that do not know each other, on the same port of two loopback addresses.
    const port = await freePort();
    const a = await startInProcess("dns-a", "127.0.0.2", port);
    inProcess.push(a.agent);
    const b = await startInProcess("dns-b", "127.0.0.3", port);
    inProcess.push(b.agent);

    const asked: string[] = [];
    // First nobody answers at the name's address (127.0.0.9); from the second try on it has two.
    const resolver = (host: string): Promise<readonly string[]> => {
      asked.push(host);
      return Promise.resolve(asked.length === 1 ? ["127.0.0.9"] : ["127.0.0.2", "127.0.0.3"]);
    };
    const c = await startInProcess(
      "dns-c",
      "127.0.0.4",
      port,
      ["--retry-join", `seeds.shoal.test:${port}`, "--retry-interval", "1s"],
      resolver,
    );
    inProcess.push(c.agent);

    const everyone = ["dns-a", "dns-b", "dns-c"];
    for (const agent of [a.agent, b.agent, c.agent]) {
      await waitFor(
        "all three alive",
        () => (aliveNames(agent).join() === everyone.join() ? true : undefined),
        20_000,
      );
    }
    expect(asked).toEqual(["seeds.shoal.test", "seeds.shoal.test"]);
    const log = c.lines.join("");
    expect(log).toContain("retry-join: attempt 1 failed");
    expect(log).toContain("retry-join: joined through 2 address(es)");
  });

  it("joins through `localhost` in a real process (system resolver)", async () => {
    const seed = await startShoalAgent({ name: "lh-1", profile: "local" });
    processes.push(seed);
    const joiner = await startShoalAgent({
      name: "lh-2",
      profile: "local",
      extraArgs: ["--retry-join", `localhost:${seed.port}`, "--retry-interval", "1s"],
    });
    processes.push(joiner);
    await waitFor(
      "lh-1 sees lh-2 alive",
      async () => {
        const members = await seed.get<{ Name: string; Status: number }[]>("/v1/agent/members");
        return members.some((m) => m.Name === "lh-2" && m.Status === 1) ? true : undefined;
      },
      20_000,
    );
    // The joiner logs its success once the push/pull is done, which may be just after lh-1 saw it.
    await waitFor("lh-2 logs the retry-join", () =>
      /retry-join: joined through 1 address\(es\)/.test(joiner.logs()) ? true : undefined,
    );
  });
});

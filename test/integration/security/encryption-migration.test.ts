/**
 * Turning gossip encryption on in a running cluster without downtime (memberlist's migration
 * with `gossip_verify_incoming`/`gossip_verify_outgoing`), with real agent processes: three
 * plaintext agents are restarted one at a time, first with the key and both verify flags off,
 * then with outgoing encryption on, then with both on. At every step the agents that are not
 * restarting keep seeing each other alive, and afterwards a plaintext agent can no longer join
 * while its attempt is counted as undecryptable.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";

const KEY = Buffer.alloc(16, 7).toString("base64");

interface Member {
  readonly Name: string;
  readonly Status: number;
}
interface Self {
  readonly Stats: { readonly gossip: Readonly<Record<string, string>> };
}

const aliveNames = async (a: ShoalAgent): Promise<string[]> =>
  (await a.get<Member[]>("/v1/agent/members"))
    .filter((m) => m.Status === 1)
    .map((m) => m.Name)
    .sort();

describe("migrating a live cluster to encryption", () => {
  const agents: ShoalAgent[] = [];
  const dirs: string[] = [];
  const names = ["mig0", "mig1", "mig2"];

  beforeAll(async () => {
    for (const [i, name] of names.entries()) {
      const dataDir = mkdtempSync(join(tmpdir(), "shoal-mig-"));
      dirs.push(dataDir);
      const seeds = agents.map((a) => `127.0.0.1:${a.port}`);
      agents.push(await startShoalAgent({ name, dataDir, join: seeds, profile: "local" }));
      if (i === names.length - 1)
        await waitFor(
          "3 alive",
          async () => ((await aliveNames(agents[0]!)).length === 3 ? true : undefined),
          20_000,
        );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function rollingRestart(flags: readonly string[]): Promise<void> {
    for (let i = 0; i < agents.length; i++) {
      const old = agents[i]!;
      const others = agents.filter((_, j) => j !== i);
      await old.stop();
      // The rest stay up and keep seeing each other while one restarts.
      for (const a of others)
        expect(await aliveNames(a)).toEqual(expect.arrayContaining(others.map((o) => o.name)));
      agents[i] = await startShoalAgent({
        name: old.name,
        port: old.port,
        dataDir: dirs[i]!,
        encrypt: KEY,
        join: others.map((o) => `127.0.0.1:${o.port}`),
        profile: "local",
        extraArgs: flags,
      });
      await waitFor(
        `${old.name} back and all 3 alive everywhere`,
        async () => {
          for (const a of agents) if ((await aliveNames(a)).length !== 3) return undefined;
          return true;
        },
        20_000,
      );
    }
  }

  it("goes from plaintext to verified encryption in three rolling restarts", async () => {
    await rollingRestart(["--gossip-verify-incoming=false", "--gossip-verify-outgoing=false"]);
    await rollingRestart(["--gossip-verify-incoming=false", "--gossip-verify-outgoing=true"]);
    await rollingRestart([]);
    for (const a of agents) expect(await aliveNames(a)).toEqual(names);

    const plain = await startShoalAgent({ name: "mig-plain", profile: "local" });
    try {
      const joined = await plain.send("PUT", `/v1/agent/join/127.0.0.1:${agents[0]!.port}`);
      expect(joined.status).toBeGreaterThanOrEqual(400);
      const stats = (await agents[0]!.get<Self>("/v1/agent/self")).Stats.gossip;
      expect(Number(stats["dropped_stream_undecryptable"])).toBeGreaterThanOrEqual(1);
      expect(await aliveNames(agents[0]!)).toEqual(names);
    } finally {
      await plain.kill();
    }
  }, 240_000);
});

/**
 * A real 2|3 partition for 60 s: iptables DROP rules between the two groups inside every
 * container's network namespace (set from the host with nsenter, as in the packet-loss test),
 * so n4 and n5 keep talking to each other and n1-n3 to each other. Both sides register
 * services while apart and each must see its own side alive and the other failed. After the
 * rules are removed, all five agents must agree (equal membership and catalog digests of
 * `/v1/shoal/convergence`, everyone alive) within two push/pull intervals of the default LAN
 * profile, with every registration from either side present.
 *
 * How it heals, and why the default settings suffice (measured over 8 runs: healed in
 * 11-47 s against the 60 s bound). Membership first: after 60 s the other side's members are
 * dead, and memberlist neither probes dead members, nor push/pulls with them, nor gossips to
 * them once `GossipToTheDead` (30 s) has passed; the sides meet again through Serf's reconnect
 * (every 30 s each agent joins one random failed member, the majority with probability
 * failed/alive = 2/3, the minority always), and one join across is enough: every agent saw all
 * five alive at the same moment, 1-18 s after the rules were removed. The catalog takes the
 * rest: a join's push/pull carries both full catalogs, but only between its two ends, and what
 * an agent learns by push/pull is not re-gossiped, so the others catch up at their own
 * push/pulls (every 30 s, one random peer): the catalog digests agreed 7-29 s after the
 * membership ones. That is why the old `docker network disconnect` version still took 20-56 s
 * with reconnects every 10 s: the reconnect interval only shortens the membership part.
 */
import { expect, inject, it, onTestFinished } from "vitest";
import type { AgentContainer } from "../support/container-agent.js";
import { MemberStatus, ShoalCluster, namesWithStatus, waitFor } from "../support/container-cluster.js";
import {
  containerIp,
  containerPid,
  healPartition,
  partitionDrops,
  partitionFrom,
} from "../support/container-docker.js";
import { describeWithDocker } from "../support/requirements.js";
import { LAN } from "./timing.js";

const PARTITION_MS = 60_000;
const MAJORITY = ["n1", "n2", "n3"];
const MINORITY = ["n4", "n5"];

/** The parts of `/v1/shoal/convergence` that must agree. */
interface Convergence {
  readonly Members: { readonly Digest: string; readonly ByStatus: Readonly<Record<string, number>> };
  readonly Catalog: { readonly Digest: string };
}

/** One agent's membership and catalog digests. */
async function digests(agent: AgentContainer): Promise<{ members: string; catalog: string }> {
  const c = await agent.get<Convergence>("/v1/shoal/convergence");
  return { members: c.Members.Digest, catalog: c.Catalog.Digest };
}

/** True when `agent` sees exactly `alive` alive and exactly `failed` failed. */
async function sees(
  agent: AgentContainer,
  alive: readonly string[],
  failed: readonly string[],
): Promise<boolean> {
  const [a, f] = await Promise.all([
    namesWithStatus(agent, MemberStatus.alive),
    namesWithStatus(agent, MemberStatus.failed),
  ]);
  return a.join(",") === alive.join(",") && f.join(",") === failed.join(",");
}

describeWithDocker()("container cluster: network partition", () => {
  it("heals a 60 s 2|3 partition into one view and catalog, losing no registration", async () => {
    const cluster = await ShoalCluster.start({ image: inject("shoalImage"), prefix: "part", size: 5 });
    onTestFinished(() => cluster.close());
    const all = [...cluster.names];
    await cluster.waitForAlive(all, 30_000);
    await Promise.all(
      cluster.running().map((n) => n.register({ ID: `before-${n.node}`, Name: `before-${n.node}`, Port: 1 })),
    );

    const majority = MAJORITY.map((n) => cluster.node(n));
    const minority = MINORITY.map((n) => cluster.node(n));
    const ip = new Map<string, string>();
    const pid = new Map<string, number>();
    for (const n of cluster.running()) {
      ip.set(n.node, await containerIp(n.id, cluster.network.name));
      pid.set(n.node, await containerPid(n.id));
    }
    const ipsOf = (names: readonly string[]): string[] => names.map((n) => ip.get(n) ?? "");
    const pidOf = (n: AgentContainer): number => pid.get(n.node) ?? 0;
    // The host reaches each HTTP API from the bridge's gateway address, which no rule names.
    await Promise.all([
      ...majority.map((n) => partitionFrom(pidOf(n), ipsOf(MINORITY))),
      ...minority.map((n) => partitionFrom(pidOf(n), ipsOf(MAJORITY))),
    ]);
    const cutAt = performance.now();

    // Both sides keep accepting registrations while apart.
    await cluster.node("n1").register({ ID: "during-n1", Name: "during-n1", Port: 2 });
    await cluster.node("n4").register({ ID: "during-n4", Name: "during-n4", Port: 2 });
    await cluster.node("n5").register({ ID: "during-n5", Name: "during-n5", Port: 2 });

    // Each side must see the split, and still work as a cluster of its own.
    const splitMs = await waitFor(
      "each side to see itself alive and the other side failed",
      async () =>
        (
          await Promise.all([
            ...majority.map((n) => sees(n, MAJORITY, MINORITY)),
            ...minority.map((n) => sees(n, MINORITY, MAJORITY)),
          ])
        ).every(Boolean),
      PARTITION_MS,
      500,
    );
    let catalogs: Record<string, string[]>[] = [];
    await waitFor(
      "each side's catalog to hold its own side's registrations made during the partition",
      async () => {
        catalogs = await Promise.all(all.map((n) => cluster.node(n).catalogServices()));
        return catalogs.every((c, i) =>
          MINORITY.includes(all[i] ?? "")
            ? "during-n4" in c && "during-n5" in c && !("during-n1" in c)
            : "during-n1" in c && !("during-n4" in c) && !("during-n5" in c),
        );
      },
      PARTITION_MS,
      500,
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}: ${catalogs.map((c, i) => `${all[i]}: ${Object.keys(c).join(",")}`).join("; ")}`,
      );
    });
    const remaining = PARTITION_MS - (performance.now() - cutAt);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    // The views must not have healed through some path the rules missed.
    expect(await sees(cluster.node("n1"), MAJORITY, MINORITY), "n1 still split at the end").toBe(true);
    expect(await sees(cluster.node("n5"), MINORITY, MAJORITY), "n5 still split at the end").toBe(true);
    const drops = await Promise.all(cluster.running().map((n) => partitionDrops(pidOf(n))));
    expect(Math.min(...drops), "the partition rules dropped packets in every container").toBeGreaterThan(0);

    await Promise.all(cluster.running().map((n) => healPartition(pidOf(n))));
    const boundMs = 2 * LAN.pushPullIntervalMs;
    const expected = [...all.map((n) => `before-${n}`), "during-n1", "during-n4", "during-n5"];
    let last: { members: string; catalog: string }[] = [];
    // The heal's timeline, for the log line: when each agent first saw all five alive, and
    // when the membership digests, then the catalog digests, first agreed.
    const healedAt = performance.now();
    const allAliveAt = new Map<string, number>();
    let membersAgreedMs = NaN;
    const healMs = await waitFor(
      "one agreed view and catalog with every registration",
      async () => {
        const agents = cluster.running();
        const whole = await Promise.all(agents.map((n) => sees(n, all, [])));
        agents.forEach((n, i) => {
          if (whole[i] === true && !allAliveAt.has(n.node))
            allAliveAt.set(n.node, performance.now() - healedAt);
        });
        last = await Promise.all(agents.map(digests));
        if (!last.every((d) => d.members === last[0]?.members)) return false;
        if (Number.isNaN(membersAgreedMs)) membersAgreedMs = performance.now() - healedAt;
        if (!last.every((d) => d.catalog === last[0]?.catalog)) return false;
        if (!whole.every(Boolean)) return false;
        const services = await Promise.all(agents.map((n) => n.catalogServices()));
        return services.every((s) => expected.every((e) => e in s));
      },
      boundMs + 30_000,
      250,
    ).catch(async (error: unknown) => {
      const shown = last.map((d) => `${d.members.slice(0, 8)}/${d.catalog.slice(0, 8)}`).join(" ");
      throw new Error(`${String(error)}; digests ${shown}\n${await cluster.logs()}`);
    });
    const refutations = await Promise.all(
      all.map(async (n) => {
        const text = await (
          await fetch(`${cluster.node(n).baseUrl}/v1/agent/metrics?format=prometheus`)
        ).text();
        return `${n}:${/^shoal_refutations_total (\d+)/m.exec(text)?.[1] ?? "?"}`;
      }),
    );
    const timeline = all.map((n) => `${n}:${Math.round((allAliveAt.get(n) ?? NaN) / 1000)}s`).join(" ");
    console.log(
      `[container] 2|3 partition: split seen after ${Math.round(splitMs)} ms; after 60 s apart, ` +
        `healed to one view and catalog in ${Math.round(healMs)} ms (bound ${boundMs} ms); ` +
        `each agent saw all 5 alive after ${timeline}, membership digests agreed after ` +
        `${Math.round(membersAgreedMs)} ms; refutations ${refutations.join(" ")}; ` +
        `partition drops per container: ${drops.join(", ")}`,
    );
    expect(healMs).toBeLessThanOrEqual(boundMs);

    for (const n of cluster.running()) {
      const services = Object.keys(await n.catalogServices());
      for (const s of expected) expect(services, `${n.node}'s catalog`).toContain(s);
    }
  });
});

/**
 * The Shoal/Serf interop scenario of the agent issue, as real processes on 127.0.0.1, defined
 * once and run twice: in plain text and with a shared encryption key (compression on, Serf's
 * default). Call {@link defineSerfInteropScenario} inside a `describe`.
 *
 * Topology: Shoal agents s1+s2 form a cluster that serf-b joins; s3 joins a lone serf-a; then
 * `shoal join` merges the two, giving 3 Shoal and 2 Serf agents in one cluster. Every later
 * check goes across kinds: tags, user events, queries, kill -9 and graceful leave.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  membersSeenBy,
  recordedEvents,
  recordingHandlers,
  serf,
  serfQueryUntil,
  shoal,
  Timings,
  waitForStatus,
  waitUntilSeen,
  type AnyAgent,
} from "./mixed-cluster.js";
import { serfCli, serfMembers, startSerfAgent, waitFor, type SerfAgent } from "./serf-agent.js";
import { startShoalAgent, type ShoalAgent, type ShoalAgentOptions } from "./shoal-agent.js";
import { shoalCli, shoalMembers } from "./shoal-cli.js";

/** How the scenario's agents run. */
export interface InteropOptions {
  /** Base64 gossip key given to every agent, or none. */
  readonly encryptKey?: string;
  /** Heading of the printed timings. */
  readonly title: string;
}

/**
 * Every agent runs Serf's default "lan" profile. Not "local": that one retransmits each
 * broadcast only 2 times per node, and in a 5-node cluster real Serf agents alone then miss
 * about every second query (measured: 5 of 8 `serf query` runs lacked a node; with "lan", 10
 * of 10 reached all), so a test on "local" would measure Serf's luck, not interop.
 */
const PROFILE = "lan";
/**
 * Upper bound for news to reach all 5 agents: gossip takes well under a second, but a node
 * that missed every retransmission is repaired by the next push/pull (every 30 s in "lan").
 * After the merge that happens about one time in five, in Serf as in Shoal: only the joining
 * node has the other side's members as news, and its 4 transmissions of each can all miss one
 * of 4 peers (measured: 31 s once in 3 merges).
 */
const SPREAD_MS = 60_000;
/**
 * Upper bound for a kill -9 to be declared failed: probe, then suspicion (4 s at this size,
 * up to 6x that under Lifeguard while peers have not confirmed), plus slack for a loaded
 * machine. A graceful leave whose one-shot dead message was missed is noticed this way too
 * (leaving, then unreachable, is left).
 */
const FAILURE_BOUND_MS = 45_000;
/** Queries are best-effort gossip; a query that missed a node is repeated at most once. */
const QUERY_ATTEMPTS = 2;

/** Registers the scenario's hooks and tests in the current `describe`. */
export function defineSerfInteropScenario(opts: InteropOptions): void {
  const timings = new Timings(opts.title);
  const shoals: ShoalAgent[] = [];
  const serfs: SerfAgent[] = [];
  let dir = "";
  const s = (i: number): ShoalAgent => shoals[i]!;
  const f = (i: number): SerfAgent => serfs[i]!;

  const startShoal = async (name: string, extra: Partial<ShoalAgentOptions> = {}): Promise<ShoalAgent> => {
    const agent = await startShoalAgent({
      name,
      profile: PROFILE,
      tags: { kind: "shoal" },
      ...(opts.encryptKey === undefined ? {} : { encrypt: opts.encryptKey }),
      extraArgs: recordingHandlers(dir, "shoal").flatMap((h) => ["--event-handler", h]),
      ...extra,
    });
    shoals.push(agent);
    return agent;
  };
  const startSerf = async (name: string): Promise<SerfAgent> => {
    const agent = await startSerfAgent({
      name,
      profile: PROFILE,
      tags: { kind: "serf" },
      ...(opts.encryptKey === undefined ? {} : { encryptKey: opts.encryptKey }),
      eventHandlers: recordingHandlers(dir, "serf"),
    });
    serfs.push(agent);
    return agent;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shoal-interop-"));
    const s1 = await startShoal("s1");
    await startShoal("s2", { join: [`127.0.0.1:${s1.port}`] });
    await startSerf("serf-b");
    await startSerf("serf-a");
  });

  let failed = false;
  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail") failed = true;
  });

  afterAll(async () => {
    timings.print();
    await Promise.allSettled([...shoals.map((a) => a.kill()), ...serfs.map((a) => a.stop())]);
    if (dir === "") return;
    if (!failed && process.env["SHOAL_KEEP_LOGS"] === undefined) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    // Keep every agent's log for the post-mortem (or when asked to); the path is printed.
    for (const a of [...shoals, ...serfs]) await writeFile(join(dir, `${a.name}.log`), a.logs());
    console.log(`${opts.title}: agent logs kept in ${dir}`);
  });

  it("lets a serf agent join a Shoal cluster; both kinds list each other alive", async () => {
    await serfCli(["join", `-rpc-addr=${f(0).rpcAddr}`, `127.0.0.1:${s(0).port}`]);
    for (const name of ["s1", "s2"]) await waitForStatus(serf(f(0)), name, "alive", SPREAD_MS);
    for (const agent of [s(0), s(1)]) await waitForStatus(shoal(agent), "serf-b", "alive", SPREAD_MS);
  });

  it("lets a Shoal agent join a running serf agent", async () => {
    const s3 = await startShoal("s3", { join: [`127.0.0.1:${f(1).port}`] });
    await waitUntilSeen(serf(f(1)), "s3", (m) => m.status === "alive" && m.tags["kind"] === "shoal", "alive");
    await waitForStatus(shoal(s3), "serf-a", "alive", SPREAD_MS);
  });

  it("merges into one cluster where `serf members` and `shoal members --format json` agree", async () => {
    await shoalCli(s(2).httpAddr, ["join", `127.0.0.1:${s(0).port}`]);
    const everyone = ["s1", "s2", "s3", "serf-a", "serf-b"];
    const observers: AnyAgent[] = [...shoals.map(shoal), ...serfs.map(serf)];
    const started = Date.now();
    await Promise.all(
      observers.map(async (observer) => {
        for (const name of everyone) await waitForStatus(observer, name, "alive", SPREAD_MS);
        timings.add(`merged cluster seen complete by ${observer.agent.name}`, Date.now() - started);
      }),
    );
    // The same rows, in the same shape (addr is host:port in both), from both CLIs.
    const views = [
      await serfMembers(f(0).rpcAddr),
      await serfMembers(f(1).rpcAddr),
      await shoalMembers(s(0).httpAddr),
      await shoalMembers(s(2).httpAddr),
    ].map((rows) =>
      rows
        .map((m) => ({ name: m.name, addr: m.addr, port: m.port, status: m.status, tags: m.tags }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(views[0]!.map((m) => m.name)).toEqual(everyone);
    expect(views[0]!.find((m) => m.name === "s1")).toEqual({
      name: "s1",
      addr: `127.0.0.1:${s(0).port}`,
      port: s(0).port,
      status: "alive",
      tags: { kind: "shoal" },
    });
    for (const view of views.slice(1)) expect(view).toEqual(views[0]);
  });

  it("carries tag changes both ways (`shoal tags --set`, `serf tags -set`)", async () => {
    let started = Date.now();
    await shoalCli(s(1).httpAddr, ["tags", "--set", "zone=a"]);
    await waitUntilSeen(serf(f(1)), "s2", (m) => m.tags["zone"] === "a", "with zone=a", SPREAD_MS);
    timings.add("shoal tag change seen by serf", Date.now() - started);
    started = Date.now();
    await serfCli(["tags", `-rpc-addr=${f(0).rpcAddr}`, "-set", "zone=b"]);
    await waitUntilSeen(shoal(s(2)), "serf-b", (m) => m.tags["zone"] === "b", "with zone=b", SPREAD_MS);
    timings.add("serf tag change seen by shoal", Date.now() - started);
    const rows = await shoalMembers(s(2).httpAddr);
    expect(rows.find((m) => m.name === "serf-b")?.tags).toEqual({ kind: "serf", zone: "b" });
  });

  it("carries user events both ways, to Serf's handlers and Shoal's event list and handlers", async () => {
    // Crossing times count from the command's return, when the event has been fired.
    await shoalCli(s(0).httpAddr, ["event", "--no-coalesce", "deploy", "v1"]);
    let started = Date.now();
    for (const node of ["serf-a", "serf-b"]) {
      await waitFor(
        `${node}'s handler got deploy`,
        async () => ((await recordedEvents(dir, node)).includes("deploy v1") ? true : undefined),
        SPREAD_MS,
      );
      timings.add(`shoal event run by ${node}'s handler`, Date.now() - started);
    }
    await serfCli(["event", `-rpc-addr=${f(0).rpcAddr}`, "-coalesce=false", "hello", "world"]);
    started = Date.now();
    await waitFor(
      "s3 lists serf's hello event",
      async () => {
        const events = await s(2).get<{ Payload: string | null }[]>("/v1/event/list?name=hello");
        const payloads = events.map((e) => Buffer.from(e.Payload ?? "", "base64").toString());
        return payloads.includes("world") ? true : undefined;
      },
      SPREAD_MS,
    );
    timings.add("serf event listed by s3's /v1/event/list", Date.now() - started);
    for (const node of ["s1", "s2", "s3"]) {
      await waitFor(
        `${node}'s handler got hello`,
        async () => ((await recordedEvents(dir, node)).includes("hello world") ? true : undefined),
        SPREAD_MS,
      );
      timings.add(`serf event run by ${node}'s handler`, Date.now() - started);
    }
  });

  it("answers a query from either side with responses from both kinds", async () => {
    const expected = {
      s1: "shoal:s1",
      s2: "shoal:s2",
      s3: "shoal:s3",
      "serf-a": "serf:serf-a",
      "serf-b": "serf:serf-b",
    };
    const everyone = Object.keys(expected).sort();
    const ask = {
      serf: async () => {
        const answers = await serfQueryUntil(f(1).rpcAddr, "who", everyone);
        return { acks: answers.acks, responses: answers.responses };
      },
      // `shoal query` answers when the query closes, so its timeout is the bound and the cost.
      shoal: async () =>
        JSON.parse(
          await shoalCli(s(1).httpAddr, ["query", "--format", "json", "--timeout", "4s", "who"]),
        ) as {
          acks: string[];
          responses: Record<string, string>;
        },
    };
    for (const [side, query] of Object.entries(ask)) {
      let answers = { acks: [] as readonly string[], responses: {} as Readonly<Record<string, string>> };
      let attempt = 0;
      const started = Date.now();
      while (attempt < QUERY_ATTEMPTS && Object.keys(answers.responses).length < everyone.length) {
        attempt++;
        answers = await query();
      }
      timings.add(`${side} query: ${attempt} attempt(s) until all 5 responded`, Date.now() - started);
      expect(answers.responses).toEqual(expected);
      expect([...answers.acks].sort()).toEqual(everyone);
    }
  });

  it("detects a kill -9 of either kind as failed on the other kind", async () => {
    const detect = async (victim: string, observers: readonly AnyAgent[]): Promise<void> => {
      await Promise.all(
        observers.map(async (observer) => {
          const ms = await waitForStatus(observer, victim, "failed", FAILURE_BOUND_MS);
          timings.add(`kill -9 of ${victim} seen failed by ${observer.agent.name}`, ms);
        }),
      );
    };
    await s(1).kill();
    await detect("s2", [serf(f(0)), serf(f(1)), shoal(s(0)), shoal(s(2))]);
    await f(0).kill();
    await detect("serf-b", [shoal(s(0)), shoal(s(2)), serf(f(1))]);
  });

  it("shows a graceful leave of either kind as left on both kinds", async () => {
    await shoalCli(s(2).httpAddr, ["leave"]);
    for (const observer of [serf(f(1)), shoal(s(0))]) {
      timings.add(
        `shoal leave seen by ${observer.agent.name}`,
        await waitForStatus(observer, "s3", "left", FAILURE_BOUND_MS),
      );
    }
    await serfCli(["leave", `-rpc-addr=${f(1).rpcAddr}`]);
    timings.add(
      "serf leave seen by s1",
      await waitForStatus(shoal(s(0)), "serf-a", "left", FAILURE_BOUND_MS),
    );
    const rows = await membersSeenBy(shoal(s(0)));
    expect(Object.fromEntries(rows.map((m) => [m.name, m.status]))).toEqual({
      s1: "alive",
      s2: "failed",
      s3: "left",
      "serf-a": "left",
      "serf-b": "failed",
    });
  });
}

import { describe, expect, it } from "vitest";
import { CatalogStore, type LocalCheck } from "../../../../src/agent/catalog/catalog-store.js";
import type { AgentService, ServiceUpdate } from "../../../../src/agent/catalog/record.js";

function service(id: string, name = id, tags: string[] = []): AgentService {
  return {
    ID: id,
    Service: name,
    Tags: tags,
    Meta: {},
    Port: 80,
    Address: "",
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
  };
}

function check(id: string, status: LocalCheck["Status"] = "passing"): LocalCheck {
  return { CheckID: id, Name: id, Status: status, Notes: "", Output: "", Type: "ttl" };
}

function store(node: string, generation = 1, clock?: () => number): CatalogStore {
  return new CatalogStore({
    node,
    address: `10.0.0.${node.length}`,
    generation,
    ...(clock ? { clock } : {}),
  });
}

describe("CatalogStore local writes", () => {
  it("versions every local change with (generation, counter) and gossips it", () => {
    const a = store("a", 7);
    const seen: ServiceUpdate[] = [];
    a.onLocalUpdate((u) => seen.push(u));
    a.putLocalService(service("web"), [check("c1")]);
    a.setLocalCheck("c1", "critical", "boom");
    a.removeLocalService("web");
    expect(seen.map((u) => u.entry.version)).toEqual([
      { generation: 7, counter: 1 },
      { generation: 7, counter: 2 },
      { generation: 7, counter: 3 },
    ]);
    expect(seen[1]!.entry.checks[0]).toMatchObject({
      Node: "a",
      ServiceID: "web",
      ServiceName: "web",
      Status: "critical",
    });
    expect(seen[2]!.entry.service).toBeNull();
    expect(a.localServices()).toEqual([]);
  });

  it("bumps the index on every visible change and not on a no-op", () => {
    const a = store("a");
    const start = a.index;
    a.putLocalService(service("web"), [check("c1")]);
    expect(a.index).toBe(start + 1);
    expect(a.setLocalCheck("c1", "passing", "")).toBeUndefined();
    expect(a.index).toBe(start + 1);
    expect(a.removeLocalService("nope")).toBeUndefined();
    expect(a.index).toBe(start + 1);
  });

  it("tracks per-service and per-node indexes", () => {
    const a = store("a");
    a.putLocalService(service("web"), []);
    const webIndex = a.serviceIndex("web");
    a.putLocalService(service("db"), []);
    expect(a.serviceIndex("web")).toBe(webIndex);
    expect(a.serviceIndex("db")).toBe(a.index);
    expect(a.nodeIndex("a")).toBe(a.index);
    expect(a.serviceIndex("unknown")).toBe(0);
  });

  it("rejects an empty service ID", () => {
    expect(() => store("a").putLocalService(service(""), [])).toThrow(RangeError);
  });
});

describe("CatalogStore merge", () => {
  it("keeps the higher version per (node, service) and ignores older or equal ones", () => {
    const a = store("a");
    const b = store("b");
    const u1 = a.putLocalService(service("web", "web", ["v1"]), []);
    const u2 = a.putLocalService(service("web", "web", ["v2"]), []);
    expect(b.applyRemote(u2)).toBe(true);
    expect(b.applyRemote(u1)).toBe(false);
    expect(b.applyRemote(u2)).toBe(false);
    expect(b.instances("web")[0]!.service.Tags).toEqual(["v2"]);
  });

  it("does not let an old live entry resurrect a deregistered service", () => {
    const a = store("a");
    const b = store("b");
    const live = a.putLocalService(service("web"), []);
    const tomb = a.removeLocalService("web")!;
    expect(b.applyRemote(tomb)).toBe(true);
    expect(b.applyRemote(live)).toBe(false);
    expect(b.instances("web")).toEqual([]);
    expect(b.stats().tombstones).toBe(1);
  });

  it("a restarted agent's higher generation wins over its earlier versions", () => {
    const old = store("a", 1);
    const b = store("b");
    for (let i = 0; i < 5; i++) b.applyRemote(old.putLocalService(service("web", "web", [`t${i}`]), []));
    const restarted = store("a", 2);
    expect(b.applyRemote(restarted.putLocalService(service("web", "web", ["fresh"]), []))).toBe(true);
    expect(b.instances("web")[0]!.service.Tags).toEqual(["fresh"]);
  });

  it("refutes stale entries about itself with a newer tombstone", () => {
    const old = store("a", 1);
    const stale = old.putLocalService(service("gone"), []);
    const restarted = store("a", 2);
    const sent: ServiceUpdate[] = [];
    restarted.onLocalUpdate((u) => sent.push(u));
    expect(restarted.applyRemote(stale)).toBe(false);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.entry).toMatchObject({
      id: "gone",
      service: null,
      version: { generation: 2, counter: 1 },
    });
    const b = store("b");
    b.applyRemote(stale);
    b.applyRemote(sent[0]!);
    expect(b.instances("gone")).toEqual([]);
  });

  it("re-asserts its own entry when a peer holds different content at its version", () => {
    const a = store("a", 3);
    const mine = a.putLocalService(service("web", "web", ["real"]), []);
    const forged: ServiceUpdate = {
      ...mine,
      entry: { ...mine.entry, service: service("web", "web", ["fake"]) },
    };
    const sent: ServiceUpdate[] = [];
    a.onLocalUpdate((u) => sent.push(u));
    a.applyRemote(forged);
    expect(sent[0]!.entry.service!.Tags).toEqual(["real"]);
    expect(sent[0]!.entry.version.counter).toBeGreaterThan(mine.entry.version.counter);
    a.applyRemote(mine);
    expect(sent).toHaveLength(1);
  });

  it("jumps past a version of itself it never issued (lost generation)", () => {
    const a = store("a", 1);
    a.putLocalService(service("web"), []);
    const future: ServiceUpdate = {
      node: "a",
      address: "x",
      entry: {
        id: "web",
        version: { generation: 9, counter: 4 },
        service: service("web", "web", ["x"]),
        checks: [],
      },
    };
    a.applyRemote(future);
    expect(a.version.generation).toBe(9);
    expect(a.version.counter).toBe(5);
  });

  it("merges full state, and the sender's own record is authoritative", () => {
    const a = store("a");
    const b = store("b");
    const c = store("c");
    a.putLocalService(service("web"), []);
    const old = a.putLocalService(service("api"), []);
    c.applyRemote(old);
    // a's full state no longer has api: pretend its tombstone was pruned long ago.
    const state = a.fullState();
    const withoutApi = {
      ...state,
      nodes: state.nodes.map((n) => ({ ...n, entries: n.entries.filter((e) => e.id !== "api") })),
    };
    expect(c.mergeFullState(withoutApi)).toBe(true);
    expect(c.instances("web")).toHaveLength(1);
    expect(c.instances("api")).toEqual([]);
    expect(b.mergeFullState(c.fullState())).toBe(true);
    expect(b.digest()).toBe(c.digest());
  });

  it("converges to the same digest whatever the delivery order", () => {
    const a = store("a");
    const updates = [
      a.putLocalService(service("web"), [check("w")]),
      a.putLocalService(service("db"), []),
      a.setLocalCheck("w", "critical", "down")!,
      a.removeLocalService("db")!,
    ];
    const x = store("x");
    const y = store("y");
    for (const u of updates) x.applyRemote(u);
    for (const u of [...updates].reverse()) y.applyRemote(u);
    expect(x.digest()).toBe(y.digest());
    expect(x.digest()).not.toBe(store("z").digest());
  });
});

describe("CatalogStore node status", () => {
  it("synthesizes serfHealth from membership", () => {
    const b = store("b");
    const a = store("a");
    b.applyRemote(a.putLocalService(service("web"), [check("w")]));
    b.setNodeStatus("a", "alive", { address: "10.1.1.1", meta: { rack: "r1" } });
    const [instance] = b.instances("web");
    expect(instance!.node).toMatchObject({ address: "10.1.1.1", meta: { rack: "r1" }, status: "alive" });
    expect(instance!.nodeChecks[0]).toMatchObject({
      CheckID: "serfHealth",
      Name: "Serf Health Status",
      Status: "passing",
    });
    const before = b.serviceIndex("web");
    expect(b.setNodeStatus("a", "failed")).toBe(true);
    expect(b.serviceIndex("web")).toBeGreaterThan(before);
    expect(b.nodeChecks("a")[0]).toMatchObject({
      Status: "critical",
      Output: "Agent not live or unreachable",
    });
    expect(b.setNodeStatus("a", "failed")).toBe(false);
  });

  it("hides a left node's services and ignores its in-flight gossip, until it comes back", () => {
    const a = store("a");
    const b = store("b");
    const u1 = a.putLocalService(service("web"), []);
    b.applyRemote(u1);
    b.setNodeStatus("a", "alive");
    b.setNodeStatus("a", "left");
    expect(b.instances("web")).toEqual([]);
    expect(b.node("a")).toBeUndefined();
    expect(b.applyRemote(u1)).toBe(false);
    b.setNodeStatus("a", "alive");
    expect(b.applyRemote(u1)).toBe(true);
    expect(b.instances("web")).toHaveLength(1);
  });

  it("never drops its own record", () => {
    const a = store("a");
    a.putLocalService(service("web"), []);
    a.setNodeStatus("a", "left");
    expect(a.instances("web")).toHaveLength(1);
    expect(a.nodeChecks("a")[0]!.Status).toBe("passing");
  });

  it("lists nodes sorted, and shows gossip-only nodes once they have something live", () => {
    const b = store("b");
    b.setNodeStatus("c", "alive", { address: "10.0.0.3" });
    expect(b.nodes().map((n) => n.name)).toEqual(["b", "c"]);
    const a = store("a");
    const tomb = (a.putLocalService(service("x"), []), a.removeLocalService("x")!);
    b.applyRemote(tomb);
    expect(b.nodes().map((n) => n.name)).toEqual(["b", "c"]);
  });
});

describe("CatalogStore upkeep and blocking", () => {
  it("prunes tombstones after their TTL", () => {
    let now = 0;
    const a = store("a", 1, () => now);
    a.putLocalService(service("web"), []);
    a.removeLocalService("web");
    expect(a.prune()).toBe(0);
    now = 2 * 60 * 60 * 1000;
    expect(a.prune()).toBe(1);
    expect(a.stats().tombstones).toBe(0);
  });

  it("wakes a waiter on a change of the index it watches", async () => {
    const a = store("a");
    const index = a.serviceIndex("web");
    const waiting = a.waitForChange(index, 5000, undefined, () => a.serviceIndex("web"));
    a.putLocalService(service("other"), []);
    expect(a.pendingWaits).toBe(1);
    a.putLocalService(service("web"), []);
    await expect(waiting).resolves.toBe(a.serviceIndex("web"));
    expect(a.pendingWaits).toBe(0);
  });

  it("times out and aborts without rejecting", async () => {
    const a = store("a");
    await expect(a.waitForChange(a.index, 20)).resolves.toBe(a.index);
    const controller = new AbortController();
    const waiting = a.waitForChange(a.index, 10_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(a.index);
    await expect(a.waitForChange(a.index - 1, 10_000)).resolves.toBe(a.index);
  });

  it("lists service names with the union of their tags", () => {
    const a = store("a");
    const b = store("b");
    a.putLocalService(service("w1", "web", ["x", "b"]), []);
    a.applyRemote(b.putLocalService(service("w2", "web", ["a", "x"]), []));
    expect(Object.fromEntries(a.serviceNames())).toEqual({ web: ["a", "b", "x"] });
    expect(a.instances("web").map((i) => `${i.node.name}/${i.service.ID}`)).toEqual(["a/w1", "b/w2"]);
  });
});

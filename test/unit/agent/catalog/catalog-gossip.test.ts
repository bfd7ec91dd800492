import { describe, expect, it } from "vitest";
import { CATALOG_MESSAGE_TYPE, CatalogGossip } from "../../../../src/agent/catalog/catalog-gossip.js";
import { CatalogStore } from "../../../../src/agent/catalog/catalog-store.js";
import { encodeUpdate } from "../../../../src/agent/catalog/wire.js";
import type { SwimExtension } from "../../../../src/swim/core/serf/extension.js";
import { check, service, store } from "./helpers.js";

interface Queued {
  readonly from: string;
  readonly name: string;
  readonly payload: Uint8Array;
}

/** A tiny cluster: each node's broadcasts are delivered to every other node on `flush`. */
function cluster(names: string[], maxMessageBytes = 1000) {
  const queue: Queued[] = [];
  const nodes = new Map<string, { store: CatalogStore; gossip: CatalogGossip }>();
  for (const name of names) {
    const s = store(name);
    const gossip = new CatalogGossip(s, {
      broadcast: (n, payload) => queue.push({ from: name, name: n, payload }),
      maxMessageBytes,
    });
    nodes.set(name, { store: s, gossip });
  }
  const flush = (): number => {
    let delivered = 0;
    while (queue.length > 0) {
      const message = queue.shift()!;
      for (const [name, node] of nodes) {
        if (name === message.from) continue;
        node.gossip.onMessage(message.payload, 0);
        delivered++;
      }
    }
    return delivered;
  };
  return { nodes, queue, flush, get: (n: string) => nodes.get(n)! };
}

describe("CatalogGossip", () => {
  it("is a swim node extension with Shoal's Serf message type", () => {
    const extension: SwimExtension = new CatalogGossip(store("a"), { broadcast: () => {} });
    expect(extension.messageType).toBe(CATALOG_MESSAGE_TYPE);
  });

  it("prunes expired tombstones while started", async () => {
    let now = 0;
    const s = new CatalogStore({
      node: "a",
      address: "x",
      generation: 1,
      clock: () => now,
      tombstoneTtlMs: 10,
    });
    s.putLocalService(service("web"), []);
    s.removeLocalService("web");
    const gossip = new CatalogGossip(s, { broadcast: () => {}, pruneIntervalMs: 5 });
    gossip.start();
    now = 100;
    await new Promise((resolve) => setTimeout(resolve, 30));
    gossip.stop();
    expect(s.stats().tombstones).toBe(0);
  });

  it("spreads local changes and converges every node", () => {
    const c = cluster(["a", "b", "c"]);
    for (const n of c.nodes.values()) n.gossip.start();
    c.get("a").store.putLocalService(service("web"), [check("w")]);
    c.get("b").store.putLocalService(service("db"), []);
    c.flush();
    c.get("a").store.setLocalCheck("w", "critical", "down");
    c.flush();
    const digests = [...c.nodes.values()].map((n) => n.store.digest());
    expect(new Set(digests).size).toBe(1);
    expect(c.get("c").store.instances("web")[0]!.checks[0]!.Status).toBe("critical");
  });

  it("re-gossips only what was new, under per-service names", () => {
    const a = store("a");
    const names: string[] = [];
    const b = new CatalogGossip(store("b"), { broadcast: (name) => names.push(name) });
    const update = encodeUpdate(a.putLocalService(service("web"), []));
    b.onMessage(update);
    b.onMessage(update);
    expect(names).toEqual(["catalog/a/web"]);
    expect(b.counters).toMatchObject({ received: 2, applied: 1, broadcasts: 1 });
  });

  it("fragments large records and reassembles them on the other side", () => {
    const c = cluster(["a", "b"], 600);
    c.get("a").gossip.start();
    c.get("a").store.putLocalService(service("big", "big", { Meta: { blob: "z".repeat(400) } }), [
      check("c", "passing", "o".repeat(3000)),
    ]);
    expect(c.queue.length).toBeGreaterThan(3);
    expect(c.queue.every((q) => q.payload.length <= 600)).toBe(true);
    c.flush();
    expect(c.get("b").store.instances("big")[0]!.checks[0]!.Output).toHaveLength(3000);
  });

  it("drops the extra parts of an older version that split into more parts", () => {
    // A named queue as the swim node keeps one: same name replaces, invalidate drops.
    const queued = new Map<string, Uint8Array>();
    const invalidated: string[] = [];
    const s = store("a");
    const gossip = new CatalogGossip(s, {
      broadcast: (name, payload) => queued.set(name, payload),
      invalidate: (name) => {
        invalidated.push(name);
        queued.delete(name);
      },
      maxMessageBytes: 600,
    });
    gossip.start();
    const big = (outputBytes: number): void => {
      s.putLocalService(service("web"), [check("c", "passing", "o".repeat(outputBytes))]);
    };
    big(3000);
    const first = [...queued.keys()].sort();
    expect(first.length).toBeGreaterThan(4);
    big(1200);
    const second = [...queued.keys()].sort();
    expect(second.length).toBeGreaterThan(1);
    expect(second.length).toBeLessThan(first.length);
    expect(invalidated.sort()).toEqual(first.filter((name) => !second.includes(name)));
    // Every queued part now belongs to the newest version: a receiver completes it.
    const other = store("b");
    const receiver = new CatalogGossip(other, { broadcast: () => undefined, maxMessageBytes: 600 });
    for (const payload of queued.values()) receiver.onMessage(payload, 0);
    expect(other.instances("web")[0]!.checks[0]!.Output).toHaveLength(1200);
    // Down to one part: every other part goes, and nothing is left to track.
    invalidated.length = 0;
    big(10);
    expect([...queued.keys()]).toEqual(["catalog/a/web"]);
    expect(invalidated.sort()).toEqual(second.filter((name) => name !== "catalog/a/web"));
    invalidated.length = 0;
    big(20);
    expect(invalidated).toEqual([]);
    gossip.stop();
  });

  it("re-announces every local entry at start (a restart's new generation)", () => {
    const s = store("a");
    s.putLocalService(service("web"), []);
    s.putLocalService(service("db"), []);
    const names: string[] = [];
    const gossip = new CatalogGossip(s, { broadcast: (name) => names.push(name) });
    gossip.start();
    gossip.start();
    expect(names.sort()).toEqual(["catalog/a/db", "catalog/a/web"]);
    gossip.stop();
    s.putLocalService(service("x"), []);
    expect(names).toHaveLength(2);
  });

  it("exchanges full state through push/pull hooks", () => {
    const a = new CatalogGossip(store("a"), { broadcast: () => {} });
    const sa = store("a");
    sa.putLocalService(service("web"), []);
    const ga = new CatalogGossip(sa, { broadcast: () => {} });
    const sb = store("b");
    const gb = new CatalogGossip(sb, { broadcast: () => {} });
    gb.mergeRemoteState(ga.localState(), true, 0);
    expect(sb.instances("web")).toHaveLength(1);
    expect(gb.counters.fullStatesMerged).toBe(1);
    gb.mergeRemoteState(new Uint8Array(), false, 0);
    expect(a.localState()[0]).toBe(3);
  });

  it("never throws on garbage and counts it", () => {
    const errors: string[] = [];
    const g = new CatalogGossip(store("b"), {
      broadcast: () => {},
      onDecodeError: (e) => errors.push(e.code),
    });
    for (const bytes of [
      new Uint8Array(),
      new Uint8Array([1, 123]),
      new Uint8Array([2, 0]),
      new Uint8Array([3]),
    ]) {
      expect(() => g.onMessage(bytes)).not.toThrow();
      expect(() => g.mergeRemoteState(bytes)).not.toThrow();
    }
    expect(g.counters.decodeErrors).toBe(errors.length);
    expect(new Set(errors)).toEqual(new Set(["SHOAL_ERR_DECODE"]));
  });
});

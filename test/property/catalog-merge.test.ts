import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CatalogStore } from "../../src/agent/catalog/catalog-store.js";
import type { ServiceUpdate } from "../../src/agent/catalog/record.js";
import {
  decodeFullState,
  decodeUpdate,
  encodeFullState,
  encodeUpdate,
} from "../../src/agent/catalog/wire.js";

type Op =
  | { readonly kind: "put"; readonly owner: number; readonly id: number; readonly tag: string }
  | { readonly kind: "remove"; readonly owner: number; readonly id: number }
  | { readonly kind: "check"; readonly owner: number; readonly id: number; readonly critical: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("put" as const),
    owner: fc.nat(2),
    id: fc.nat(3),
    tag: fc.string({ maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant("remove" as const), owner: fc.nat(2), id: fc.nat(3) }),
  fc.record({ kind: fc.constant("check" as const), owner: fc.nat(2), id: fc.nat(3), critical: fc.boolean() }),
);

function apply(owner: CatalogStore, o: Op): ServiceUpdate | undefined {
  const id = `s${o.id}`;
  switch (o.kind) {
    case "put":
      return owner.putLocalService(
        {
          ID: id,
          Service: "svc",
          Tags: [o.tag],
          Meta: {},
          Port: 1,
          Address: "",
          Weights: { Passing: 1, Warning: 1 },
          EnableTagOverride: false,
        },
        [{ CheckID: `c${o.id}`, Name: "c", Status: "passing", Notes: "", Output: "", Type: "ttl" }],
      );
    case "remove":
      return owner.removeLocalService(id);
    case "check":
      return owner.setLocalCheck(`c${o.id}`, o.critical ? "critical" : "passing", "");
  }
}

describe("catalog merge properties", () => {
  it("replicas converge whatever the order, duplication or loss, once full state is exchanged", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        (ops, orderX, orderY) => {
          const owners = ["o0", "o1", "o2"].map(
            (node) => new CatalogStore({ node, address: node, generation: 1 }),
          );
          const updates: Uint8Array[] = [];
          for (const o of ops) {
            const update = apply(owners[o.owner]!, o);
            if (update !== undefined) updates.push(encodeUpdate(update));
          }
          const replica = (order: number[]): CatalogStore => {
            const r = new CatalogStore({ node: "r", address: "r", generation: 1 });
            // Deliver a random selection (duplicates and gaps) in a random order.
            for (const pick of order)
              if (updates.length > 0) r.applyRemote(decodeUpdate(updates[pick % updates.length]!));
            return r;
          };
          const x = replica(orderX);
          const y = replica(orderY);
          for (const owner of owners) {
            for (const r of [x, y]) r.mergeFullState(decodeFullState(encodeFullState(owner.fullState())));
          }
          const truth = new CatalogStore({ node: "t", address: "t", generation: 1 });
          for (const owner of owners) truth.mergeFullState(owner.fullState());
          expect(x.digest()).toBe(truth.digest());
          expect(y.digest()).toBe(truth.digest());
        },
      ),
      { numRuns: 500 },
    );
  });

  it("an update never moves a replica's entry to an older version", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 60 }), (ops, order) => {
        const owner = new CatalogStore({ node: "o", address: "o", generation: 1 });
        const updates = ops.map((o) => apply(owner, { ...o, owner: 0 })).filter((u) => u !== undefined);
        const r = new CatalogStore({ node: "r", address: "r", generation: 1 });
        const seen = new Map<string, number>();
        for (const pick of order) {
          if (updates.length === 0) return;
          const u = updates[pick % updates.length]!;
          const changed = r.applyRemote(u);
          const previous = seen.get(u.entry.id) ?? 0;
          expect(changed).toBe(u.entry.version.counter > previous);
          if (changed) seen.set(u.entry.id, u.entry.version.counter);
        }
      }),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { Alive, Dead, PushNodeState, Suspect } from "../../../src/swim/codec/types.js";
import { Awareness } from "../../../src/swim/core/awareness.js";
import { lanConfig } from "../../../src/swim/core/config.js";
import { DeadlineCalendar } from "../../../src/swim/core/deadline-calendar.js";
import { Membership } from "../../../src/swim/core/membership.js";
import { createRng } from "../../../src/swim/core/rng.js";
import { RecordingDelegate } from "../../unit/core/recording-delegate.js";

const NAMES = ["self", "a", "b", "c"] as const;
const VSN = Uint8Array.from([1, 5, 2, 2, 5, 5]);
const ip = (name: string): Uint8Array =>
  Uint8Array.from([10, 0, 0, NAMES.indexOf(name as (typeof NAMES)[number]) + 1]);

type Input =
  | { readonly t: "alive"; readonly node: string; readonly inc: number; readonly meta: number }
  | { readonly t: "suspect"; readonly node: string; readonly inc: number; readonly from: string }
  | { readonly t: "dead"; readonly node: string; readonly inc: number; readonly from: string }
  | { readonly t: "merge"; readonly node: string; readonly inc: number; readonly state: 0 | 1 | 2 | 3 }
  | { readonly t: "wait"; readonly ms: number };

const nameArb = fc.constantFrom(...NAMES);
const incArb = fc.integer({ min: 0, max: 6 });
const inputArb: fc.Arbitrary<Input> = fc.oneof(
  fc.record({
    t: fc.constant("alive" as const),
    node: nameArb,
    inc: incArb,
    meta: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ t: fc.constant("suspect" as const), node: nameArb, inc: incArb, from: nameArb }),
  fc.record({ t: fc.constant("dead" as const), node: nameArb, inc: incArb, from: nameArb }),
  fc.record({
    t: fc.constant("merge" as const),
    node: nameArb,
    inc: incArb,
    state: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  }),
  fc.record({ t: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 30_000 }) }),
);

describe("membership merge rules (property)", () => {
  it("incarnations never go back, self stays alive and out-incarnates every accusation, join/leave alternate", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(inputArb, { maxLength: 60 }), (seed, inputs) => {
        const config = lanConfig();
        const calendar = new DeadlineCalendar();
        const delegate = new RecordingDelegate();
        const notifications: string[] = [];
        delegate.notifyJoin = (n) => notifications.push(`join:${n.name}`);
        delegate.notifyLeave = (n) => notifications.push(`leave:${n.name}`);
        const m = new Membership({
          name: "self",
          config,
          rng: createRng(seed),
          calendar,
          awareness: new Awareness(8),
          delegate,
          localPort: 7946,
          isLeaving: () => false,
          broadcast: () => {},
          emit: () => {},
        });
        let now = 0;
        m.aliveNode(
          {
            kind: "alive",
            incarnation: m.nextIncarnation(),
            node: "self",
            addr: ip("self"),
            port: 7946,
            meta: new Uint8Array([0]),
            vsn: VSN,
          },
          now,
          true,
        );
        const lastInc = new Map<string, number>();
        for (const input of inputs) {
          const selfIncBefore = m.self().incarnation;
          const accusesSelf =
            input.t !== "wait" &&
            input.node === "self" &&
            (input.t === "suspect" || input.t === "dead" || (input.t === "merge" && input.state !== 0));
          switch (input.t) {
            case "alive": {
              const a: Alive = {
                kind: "alive",
                incarnation: input.inc,
                node: input.node,
                addr: ip(input.node),
                port: 7946,
                meta: new Uint8Array([input.meta]),
                vsn: VSN,
              };
              m.aliveNode(a, now);
              break;
            }
            case "suspect": {
              const s: Suspect = {
                kind: "suspect",
                incarnation: input.inc,
                node: input.node,
                from: input.from,
              };
              m.suspectNode(s, now);
              break;
            }
            case "dead": {
              const d: Dead = { kind: "dead", incarnation: input.inc, node: input.node, from: input.from };
              m.deadNode(d, now);
              break;
            }
            case "merge": {
              const r: PushNodeState = {
                name: input.node,
                addr: ip(input.node),
                port: 7946,
                meta: new Uint8Array([0]),
                incarnation: input.inc,
                state: input.state,
                vsn: VSN,
              };
              m.mergeState([r], now);
              break;
            }
            case "wait":
              now += input.ms;
              calendar.runDue(now);
              break;
          }
          for (const n of m.nodes.all()) {
            const before = lastInc.get(n.name) ?? 0;
            expect(n.incarnation).toBeGreaterThanOrEqual(before);
            lastInc.set(n.name, n.incarnation);
          }
          const me = m.self();
          expect(me.state).toBe("alive");
          expect(me.incarnation).toBeGreaterThanOrEqual(1);
          // Every accusation that was not stale was refuted with a higher incarnation.
          if (accusesSelf && "inc" in input && input.inc >= selfIncBefore) {
            expect(me.incarnation).toBeGreaterThan(input.inc);
          }
        }
        // Per node: join, leave, join, … never two of a kind in a row.
        for (const name of NAMES) {
          const seq = notifications.filter((x) => x.endsWith(`:${name}`)).map((x) => x.split(":")[0]);
          for (let i = 1; i < seq.length; i++) expect(seq[i]).not.toBe(seq[i - 1]);
          if (seq.length > 0) expect(seq[0]).toBe("join");
        }
      }),
      { numRuns: 300 },
    );
  });
});

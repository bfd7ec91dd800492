/**
 * A tiny deterministic harness for memberlist-layer unit tests: 2-5 `Memberlist` instances on a
 * fake clock, wired by passing their packet and stream directives to each other directly.
 * Links can drop UDP, drop TCP, or add latency; nothing is random except through seeded Rngs.
 */

import type { Address, Directive, SwimEvent } from "../../../src/swim/core/api.js";
import { lanConfig } from "../../../src/swim/core/config.js";
import type { MemberlistConfig } from "../../../src/swim/core/config.js";
import { RecordingDelegate } from "./recording-delegate.js";
import { Memberlist } from "../../../src/swim/core/memberlist.js";
import { createRng, deriveSeed } from "../../../src/swim/core/rng.js";

export { RecordingDelegate };

/** One node of the harness. */
export interface HarnessNode {
  readonly name: string;
  readonly address: Address;
  readonly ml: Memberlist;
  readonly delegate: RecordingDelegate;
  readonly events: SwimEvent[];
  /** Every directive this node produced, with the time. */
  readonly sent: { atMs: number; directive: Directive }[];
  /** Paused nodes neither receive nor run timers (a crashed or frozen process). */
  paused: boolean;
}

interface Delivery {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
}

/** Link behaviour from one node name to another. */
export interface LinkRule {
  dropUdp?: boolean;
  dropTcp?: boolean;
  latencyMs?: number;
}

/** A deterministic little network of Memberlist instances. */
export class Harness {
  nowMs = 0;
  readonly nodes = new Map<string, HarnessNode>();
  private readonly byAddress = new Map<string, HarnessNode>();
  private readonly queue: Delivery[] = [];
  private seq = 0;
  private streamSeq = 100_000;
  private readonly links = new Map<string, LinkRule>();
  defaultLatencyMs = 1;

  constructor(readonly seed: number) {}

  /** Add and start a node named `name` at 10.0.0.<index>:7946. */
  add(name: string, config: MemberlistConfig = lanConfig(), delegate = new RecordingDelegate()): HarnessNode {
    const index = this.nodes.size + 1;
    const address = { host: `10.0.0.${index}`, port: 7946 };
    const ml = new Memberlist({
      name,
      address,
      config,
      rng: createRng(deriveSeed(this.seed, name)),
      delegate,
    });
    const node: HarnessNode = { name, address, ml, delegate, events: [], sent: [], paused: false };
    this.nodes.set(name, node);
    this.byAddress.set(`${address.host}:${address.port}`, node);
    ml.start(this.nowMs);
    this.flush(node);
    return node;
  }

  /** The node called `name`. */
  node(name: string): HarnessNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  /** Set the behaviour of the link from `from` to `to` (one direction). */
  link(from: string, to: string, rule: LinkRule): void {
    this.links.set(`${from}->${to}`, rule);
  }

  /** Set a rule in both directions. */
  linkBoth(a: string, b: string, rule: LinkRule): void {
    this.link(a, b, rule);
    this.link(b, a, rule);
  }

  /** Run a command on a node and route what it produced. */
  act(name: string, fn: (ml: Memberlist) => void): void {
    const node = this.node(name);
    fn(node.ml);
    this.flush(node);
  }

  /** Join every node to `seed` and run until joins complete. */
  joinAll(seedName: string): void {
    const seed = this.node(seedName);
    for (const node of this.nodes.values()) {
      if (node.name === seedName) continue;
      this.act(node.name, (ml) => ml.join([seed.address], this.nowMs));
    }
    this.runFor(50);
  }

  /** Advance virtual time by `ms`, processing deliveries and timers in order. */
  runFor(ms: number): void {
    this.runUntil(this.nowMs + ms);
  }

  /** Advance virtual time to `endMs`. */
  runUntil(endMs: number): void {
    for (let steps = 0; steps < 5_000_000; steps++) {
      let nextAt = Number.POSITIVE_INFINITY;
      let timerNode: HarnessNode | undefined;
      for (const node of this.nodes.values()) {
        if (node.paused) continue;
        const d = node.ml.nextDeadline();
        if (d !== undefined && d < nextAt) {
          nextAt = d;
          timerNode = node;
        }
      }
      const delivery = this.peek();
      if (delivery !== undefined && delivery.atMs <= nextAt) {
        if (delivery.atMs > endMs) break;
        this.popQueue();
        this.nowMs = Math.max(this.nowMs, delivery.atMs);
        delivery.run();
        continue;
      }
      if (timerNode === undefined || nextAt > endMs) break;
      this.nowMs = Math.max(this.nowMs, nextAt);
      timerNode.ml.onTimer(this.nowMs);
      this.flush(timerNode);
    }
    this.nowMs = endMs;
  }

  /** Events of one node of a kind. */
  eventsOf<K extends SwimEvent["kind"]>(name: string, kind: K): Extract<SwimEvent, { kind: K }>[] {
    return this.node(name).events.filter((e): e is Extract<SwimEvent, { kind: K }> => e.kind === kind);
  }

  /** memberlist state of `about` as `viewer` sees it. */
  stateOf(viewer: string, about: string): string | undefined {
    return this.node(viewer).ml.node(about)?.state;
  }

  /** Route everything a node produced. */
  flush(node: HarnessNode): void {
    for (const directive of node.ml.drain()) {
      node.sent.push({ atMs: this.nowMs, directive });
      this.route(node, directive);
    }
  }

  private rule(from: string, to: string): LinkRule {
    return this.links.get(`${from}->${to}`) ?? {};
  }

  private route(from: HarnessNode, d: Directive): void {
    switch (d.kind) {
      case "event":
        from.events.push(d.event);
        return;
      case "send": {
        const to = this.byAddress.get(`${d.to.host}:${d.to.port}`);
        if (to === undefined) return;
        const rule = this.rule(from.name, to.name);
        if (rule.dropUdp === true) return;
        this.enqueue(this.nowMs + (rule.latencyMs ?? this.defaultLatencyMs), () => {
          if (to.paused) return;
          to.ml.onPacket(from.address, d.bytes, this.nowMs);
          this.flush(to);
        });
        return;
      }
      case "dial": {
        const to = this.byAddress.get(`${d.to.host}:${d.to.port}`);
        const rule = to === undefined ? {} : this.rule(from.name, to.name);
        const latency = rule.latencyMs ?? this.defaultLatencyMs;
        if (to === undefined || rule.dropTcp === true) {
          this.enqueue(this.nowMs + Math.min(d.timeoutMs, 5), () => {
            from.ml.onStreamFailed(d.streamId, { reason: "unreachable", refused: false }, this.nowMs);
            this.flush(from);
          });
          return;
        }
        this.enqueue(this.nowMs + latency, () => {
          if (to.paused) {
            this.enqueue(this.nowMs + d.timeoutMs, () => {
              from.ml.onStreamFailed(d.streamId, { reason: "timeout", refused: false }, this.nowMs);
              this.flush(from);
            });
            return;
          }
          const inbound = this.streamSeq++;
          to.ml.onStream(inbound, from.address, d.bytes, this.nowMs);
          const produced = to.ml.drain();
          let replied = false;
          for (const out of produced) {
            to.sent.push({ atMs: this.nowMs, directive: out });
            if (out.kind === "reply" && out.streamId === inbound) {
              replied = true;
              this.enqueue(this.nowMs + latency, () => {
                from.ml.onStreamReply(d.streamId, out.bytes, this.nowMs);
                this.flush(from);
              });
            } else {
              this.route(to, out);
            }
          }
          if (!replied) {
            this.enqueue(this.nowMs + latency, () => {
              from.ml.onStreamFailed(d.streamId, { reason: "closed", refused: false }, this.nowMs);
              this.flush(from);
            });
          }
        });
        return;
      }
      case "reply":
        return;
    }
  }

  private enqueue(atMs: number, run: () => void): void {
    this.queue.push({ atMs, seq: this.seq++, run });
    // Small queues in unit tests: keep sorted by (time, seq) with insertion.
    let i = this.queue.length - 1;
    while (i > 0) {
      const prev = this.queue[i - 1]!;
      const cur = this.queue[i]!;
      if (prev.atMs < cur.atMs || (prev.atMs === cur.atMs && prev.seq < cur.seq)) break;
      this.queue[i - 1] = cur;
      this.queue[i] = prev;
      i--;
    }
  }

  private peek(): Delivery | undefined {
    return this.queue[0];
  }

  private popQueue(): void {
    this.queue.shift();
  }
}

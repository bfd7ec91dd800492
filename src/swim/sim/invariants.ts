/**
 * Protocol invariants, checked incrementally as the simulator reports each event, so the cost
 * is O(1) per event even at 1,000 nodes (no full scan of every view after every step).
 *
 * - No status regression within an incarnation: once observer O saw subject S suspect (or
 *   dead) at incarnation i, O never reports S less suspect at that same incarnation.
 * - No incarnation goes backwards in any observer's view.
 * - Dead only via suspect (or leave): some node suspected S at incarnation i before anyone
 *   reports S failed at i. Graceful leaves arrive as `memberLeft` and need no suspicion.
 * - Refutation raises the incarnation above every accusation of that node seen so far.
 * - False positives: a failure reported about a node that was not crashed, paused or
 *   partitioned (within a grace period after it was) is counted, never silently accepted.
 * - Convergence ({@link assertConverged}): after churn stops, every running node's view has
 *   exactly the running nodes alive and the rest not alive.
 *
 * - Every step ({@link InvariantChecker.checkStep}, O(1)): virtual time never goes backwards;
 *   the node that just handled an input keeps its Lamport clocks monotonic and its Lifeguard
 *   health score inside 0..awarenessMaxMultiplier-1.
 * - Sampled steps ({@link InvariantChecker.checkSelf}, O(N) once every ≥ N steps, so O(1)
 *   amortized): a running node that has not left sees itself alive, and its own incarnation
 *   never goes backwards.
 *
 * A violation throws {@link InvariantViolation}, whose message names the seed and the
 * command that replays the run.
 */
import type { MemberView, SwimEvent } from "../core/api.js";

/** Thrown when the protocol breaks an invariant; the message says how to replay the run. */
export class InvariantViolation extends Error {
  constructor(
    message: string,
    readonly seed: number,
    readonly replay: string,
  ) {
    super(`${message}\n  seed: ${seed}\n  replay: ${replay}`);
    this.name = "InvariantViolation";
  }
}

/** How the checker learns about node identity and impairment from the simulator. */
export interface InvariantContext {
  /** Index of the node with this name, or undefined for names the simulator never created. */
  indexOf(name: string): number | undefined;
  /** Name of the node at an index. */
  nameOf(index: number): string;
  /**
   * True if `subject` was crashed, paused, partitioned or leaving at `nowMs` or within the
   * grace period before: a failure verdict about it is then legitimate.
   */
  wasImpaired(subject: number, nowMs: number): boolean;
}

/** One false failure detection. */
export interface FalsePositive {
  readonly timeMs: number;
  readonly observer: string;
  readonly subject: string;
}

const RANK = { alive: 0, suspect: 1, dead: 2, left: 2 } as const;

/**
 * memberlist forgets a dead or left node after GossipToTheDeadTime (15 s in the fastest
 * preset); after that the node may legitimately come back at the same incarnation (Serf's
 * reconnect after a healed partition), which is a new life rather than a regression.
 */
const FORGOTTEN_AFTER_MS = 15_000;

/** Replay command for a seed and a test file. */
export function replayCommand(seed: number, testFile: string): string {
  return `SIM_SEED=${seed} npx vitest run ${testFile}`;
}

/** Incremental invariant checker fed with every event of a simulation. */
export class InvariantChecker {
  /** Per (observer, subject): incarnation * 4 + rank, or -1 when never seen. */
  private views = new Float64Array(0);
  private capacity = 0;
  /** Per subject: incarnations at which anyone suspected it. */
  private readonly suspectedAt = new Map<number, Set<number>>();
  /** Per subject: highest incarnation anyone accused it at (suspect or dead). */
  private readonly maxAccusation: number[] = [];
  /** Per node: highest incarnation it refuted with. */
  private readonly lastRefutation: number[] = [];
  /** Every false failure detection, in order. */
  readonly falsePositives: FalsePositive[] = [];
  /** Events checked. */
  checked = 0;
  /** Steps checked by {@link checkStep}. */
  stepsChecked = 0;
  /** Self-views checked by {@link checkSelf}. */
  selfChecked = 0;
  /** Virtual time of the last step checked. */
  private lastStepMs = Number.NEGATIVE_INFINITY;
  /** Per node: member, event and query Lamport clocks last seen (three slots per node). */
  private readonly clocksSeen: number[] = [];
  /** Per node: its own incarnation as it last saw itself. */
  private readonly selfIncarnation: number[] = [];

  constructor(
    private readonly context: InvariantContext,
    private readonly seed: number,
    private readonly testFile: string,
    /** Throw on a false positive instead of only counting it. */
    private readonly strictFalsePositives = false,
  ) {}

  /** Checks one event reported by node `observer` at virtual time `nowMs`. */
  observe(observer: number, event: SwimEvent, nowMs: number): void {
    this.checked++;
    switch (event.kind) {
      case "memberJoined":
      case "memberUpdated":
      case "memberSuspected":
      case "memberFailed":
      case "memberLeft": {
        const subject = this.context.indexOf(event.member.name);
        if (subject === undefined) return;
        const state = event.kind === "memberFailed" ? "dead" : event.member.memberlistState;
        const incarnation = event.member.incarnation;
        if (event.kind === "memberSuspected") {
          let set = this.suspectedAt.get(subject);
          if (set === undefined) this.suspectedAt.set(subject, (set = new Set()));
          set.add(incarnation);
        }
        if (event.kind === "memberSuspected" || event.kind === "memberFailed") {
          this.maxAccusation[subject] = Math.max(this.maxAccusation[subject] ?? 0, incarnation);
        }
        if (event.kind === "memberFailed") this.checkFailure(observer, subject, incarnation, nowMs);
        if (observer !== subject)
          this.checkMonotonic(observer, subject, event.kind, incarnation, state, nowMs);
        return;
      }
      case "refuted": {
        const last = this.lastRefutation[observer] ?? 0;
        const accused = this.maxAccusation[observer] ?? 0;
        if (event.incarnation <= last || event.incarnation <= accused) {
          this.fail(
            `refutation did not raise the incarnation: ${this.context.nameOf(observer)} refuted with ` +
              `${event.incarnation} after refuting with ${last} and being accused at ${accused}`,
            nowMs,
          );
        }
        this.lastRefutation[observer] = event.incarnation;
        return;
      }
      default:
        return;
    }
  }

  /**
   * Per-step check, O(1): called after every step with the node that handled it (if any) and
   * what it reports of itself in O(1).
   */
  checkStep(
    node: number,
    clocks: { readonly member: number; readonly event: number; readonly query: number },
    healthScore: number,
    maxHealthScore: number,
    nowMs: number,
  ): void {
    this.stepsChecked++;
    if (nowMs < this.lastStepMs) this.fail(`virtual time went back from ${this.lastStepMs} ms`, nowMs);
    this.lastStepMs = nowMs;
    if (node < 0) return;
    const base = node * 3;
    const member = this.clocksSeen[base] ?? 0;
    const event = this.clocksSeen[base + 1] ?? 0;
    const query = this.clocksSeen[base + 2] ?? 0;
    if (clocks.member < member || clocks.event < event || clocks.query < query) {
      this.fail(
        `Lamport clock went back on ${this.context.nameOf(node)}: member/event/query ` +
          `${member}/${event}/${query} -> ${clocks.member}/${clocks.event}/${clocks.query}`,
        nowMs,
      );
    }
    this.clocksSeen[base] = clocks.member;
    this.clocksSeen[base + 1] = clocks.event;
    this.clocksSeen[base + 2] = clocks.query;
    if (!(healthScore >= 0 && healthScore <= maxHealthScore)) {
      this.fail(
        `health score of ${this.context.nameOf(node)} is ${healthScore}, outside 0..${maxHealthScore}`,
        nowMs,
      );
    }
  }

  /**
   * Sampled check of one running node's view of itself (`self`, undefined if it does not list
   * itself): alive unless it has left, and its incarnation never lower than last time. A node
   * that left may have forgotten itself: Serf reaps left members, itself included, after the
   * tombstone timeout, and a simulated node keeps running after its leave.
   */
  checkSelf(node: number, self: MemberView | undefined, hasLeft: boolean, nowMs: number): void {
    this.selfChecked++;
    const name = this.context.nameOf(node);
    if (self === undefined) {
      if (hasLeft) return;
      this.fail(`${name} does not list itself among its members`, nowMs);
    }
    if (!hasLeft && self.memberlistState !== "alive") {
      this.fail(`running node ${name} sees itself as ${self.memberlistState}`, nowMs);
    }
    const previous = this.selfIncarnation[node] ?? 0;
    if (self.incarnation < previous) {
      this.fail(`${name}'s own incarnation went back from ${previous} to ${self.incarnation}`, nowMs);
    }
    this.selfIncarnation[node] = self.incarnation;
  }

  private checkFailure(observer: number, subject: number, incarnation: number, nowMs: number): void {
    if (!(this.suspectedAt.get(subject)?.has(incarnation) ?? false)) {
      this.fail(
        `${this.context.nameOf(observer)} declared ${this.context.nameOf(subject)} failed at incarnation ` +
          `${incarnation} but nobody ever suspected it at that incarnation (dead only via suspect)`,
        nowMs,
      );
    }
    if (!this.context.wasImpaired(subject, nowMs)) {
      const fp = {
        timeMs: nowMs,
        observer: this.context.nameOf(observer),
        subject: this.context.nameOf(subject),
      };
      this.falsePositives.push(fp);
      if (this.strictFalsePositives) {
        this.fail(`false failure detection: ${fp.observer} declared healthy ${fp.subject} failed`, nowMs);
      }
    }
  }

  /** When each (observer, subject) view last went dead or left. */
  private readonly downSince = new Map<number, number>();

  private checkMonotonic(
    observer: number,
    subject: number,
    kind: string,
    incarnation: number,
    state: keyof typeof RANK,
    nowMs: number,
  ): void {
    this.ensureCapacity(Math.max(observer, subject) + 1);
    const slot = observer * this.capacity + subject;
    const previous = this.views[slot]!;
    const rank = RANK[state];
    const downAt = this.downSince.get(slot);
    if (rank === RANK.dead) {
      if (downAt === undefined) this.downSince.set(slot, nowMs);
    } else {
      this.downSince.delete(slot);
    }
    const reborn = kind === "memberJoined" && downAt !== undefined && nowMs - downAt >= FORGOTTEN_AFTER_MS;
    if (previous >= 0 && !reborn) {
      const prevIncarnation = Math.floor(previous / 4);
      const prevRank = previous % 4;
      if (incarnation < prevIncarnation || (incarnation === prevIncarnation && rank < prevRank)) {
        this.fail(
          `status regression: ${this.context.nameOf(observer)} reported ${kind} (${state}) for ` +
            `${this.context.nameOf(subject)} at incarnation ${incarnation} after rank ${prevRank} at ` +
            `incarnation ${prevIncarnation}`,
          nowMs,
        );
      }
    }
    this.views[slot] = incarnation * 4 + rank;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    let capacity = Math.max(16, this.capacity);
    while (capacity < needed) capacity *= 2;
    const views = new Float64Array(capacity * capacity).fill(-1);
    for (let o = 0; o < this.capacity; o++) {
      views.set(this.views.subarray(o * this.capacity, (o + 1) * this.capacity), o * capacity);
    }
    this.views = views;
    this.capacity = capacity;
  }

  /** Throws an {@link InvariantViolation} carrying the seed and the replay command. */
  fail(message: string, nowMs: number): never {
    throw new InvariantViolation(
      `invariant violated at t=${nowMs.toFixed(1)} ms: ${message}`,
      this.seed,
      replayCommand(this.seed, this.testFile),
    );
  }
}

/** What {@link assertConverged} needs to see of each node. */
export interface ConvergenceSubject {
  readonly name: string;
  /** True if the node is running (not crashed, not stopped, not paused). */
  readonly running: boolean;
  /** Its current view: name and memberlist-level state of every member it knows. */
  members(): readonly { readonly name: string; readonly memberlistState: string }[];
}

/**
 * Returns undefined if every running node's view holds exactly the running nodes as alive and
 * no other node as alive; otherwise a description of the first disagreement.
 */
export function describeDivergence(nodes: readonly ConvergenceSubject[]): string | undefined {
  const running = new Set(nodes.filter((n) => n.running).map((n) => n.name));
  for (const node of nodes) {
    if (!node.running) continue;
    const alive = new Set<string>();
    for (const member of node.members()) {
      if (member.memberlistState === "alive") alive.add(member.name);
      else if (running.has(member.name)) {
        return `${node.name} sees running node ${member.name} as ${member.memberlistState}`;
      }
    }
    for (const name of running) {
      if (!alive.has(name)) return `${node.name} does not see running node ${name} as alive`;
    }
    for (const name of alive) {
      if (!running.has(name)) return `${node.name} still sees stopped node ${name} as alive`;
    }
  }
  return undefined;
}

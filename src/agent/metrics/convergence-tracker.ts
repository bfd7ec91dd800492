/**
 * What `/v1/shoal/convergence` reports: digests of the membership view and of the catalog
 * (equal on two agents exactly when their views are equal), the catalog version held from
 * each origin with the wall-clock time this agent first held it, the propagation delay of
 * stamped catalog updates (origin's stamp to local apply), and when recent user events
 * arrived.
 *
 * User events carry no stamp: their payload belongs to the user and real Serf agents relay
 * them byte for byte, so nothing can be added to it. Their arrival times are recorded here
 * instead, and a benchmark measures delay from the moment it fired the event.
 */
import { Histogram, type Registry } from "prom-client";
import type { Version } from "../catalog/record.js";
import { compareVersions } from "../catalog/record.js";
import { DelayHistogram, type DelayHistogramJson } from "./delay-histogram.js";
import { membershipDigest, type DigestMember } from "./membership-digest.js";
import { versionText } from "./origin-versions.js";

/** How many user-event arrivals are kept (Consul's event list keeps 256 too). */
const EVENT_HISTORY = 256;

/** Where the tracker reads the current views from. */
export interface ConvergenceSources {
  readonly nodeName: string;
  members(): readonly (DigestMember & { readonly memberlistState?: string })[];
  catalogDigest(): string;
  catalogIndex(): number;
  /** Newest version held per origin (see origin-versions.ts). */
  originVersions(): ReadonlyMap<string, Version>;
}

/** The JSON document of `/v1/shoal/convergence`. */
export interface ConvergenceReport {
  readonly Node: string;
  readonly TimeMs: number;
  readonly Members: {
    readonly Digest: string;
    readonly Count: number;
    readonly ByStatus: Readonly<Record<string, number>>;
  };
  readonly Catalog: {
    readonly Digest: string;
    readonly Index: number;
    readonly Origins: Readonly<Record<string, { readonly Version: string; readonly FirstSeenMs: number }>>;
  };
  readonly PropagationDelay: { readonly catalog: DelayHistogramJson };
  readonly UserEvents: readonly {
    readonly Name: string;
    readonly LTime: number;
    readonly ReceivedMs: number;
  }[];
}

/** Records arrivals and builds the report; see the file comment. */
export class ConvergenceTracker {
  private readonly firstSeen = new Map<string, { version: Version; atMs: number }>();
  private readonly catalogDelay = new DelayHistogram();
  private readonly events: { Name: string; LTime: number; ReceivedMs: number }[] = [];
  private readonly promDelay: Histogram<"kind"> | undefined;

  /**
   * @param wallClock Wall-clock ms since the epoch (stamps come from other processes).
   * @param registry Where `shoal_propagation_delay_seconds` is registered, if anywhere.
   */
  constructor(
    private readonly sources: ConvergenceSources,
    private readonly wallClock: () => number = Date.now,
    registry?: Registry,
  ) {
    this.promDelay =
      registry === undefined
        ? undefined
        : new Histogram({
            name: "shoal_propagation_delay_seconds",
            help: "Origin stamp to local apply, for stamped catalog updates received by gossip.",
            labelNames: ["kind"],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
            registers: [registry],
          });
  }

  /** A gossiped catalog update from `origin` at `version` changed the catalog. */
  catalogApplied(origin: string, version: Version, originMs: number | undefined): void {
    const now = this.wallClock();
    this.noteVersion(origin, version, now);
    if (originMs === undefined) return;
    const delayMs = Math.max(0, now - originMs);
    this.catalogDelay.observe(delayMs);
    this.promDelay?.observe({ kind: "catalog" }, delayMs / 1000);
  }

  /** After a push/pull merge: notes any origin version that is newer than what was seen. */
  versionsMerged(): void {
    const now = this.wallClock();
    for (const [origin, version] of this.sources.originVersions()) this.noteVersion(origin, version, now);
  }

  /** A user event arrived. */
  userEventReceived(name: string, lTime: number): void {
    this.events.push({ Name: name, LTime: lTime, ReceivedMs: this.wallClock() });
    if (this.events.length > EVENT_HISTORY) this.events.shift();
  }

  /** The current report. */
  report(): ConvergenceReport {
    const members = this.sources.members();
    const byStatus: Record<string, number> = {};
    for (const m of members) {
      const status = m.memberlistState === "suspect" ? "suspect" : m.status;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    const origins: Record<string, { Version: string; FirstSeenMs: number }> = {};
    for (const [origin, version] of this.sources.originVersions()) {
      const seen = this.firstSeen.get(origin);
      const known = seen !== undefined && compareVersions(seen.version, version) === 0;
      // Versions this agent never saw arrive (its own, or held since before tracking) show 0.
      origins[origin] = { Version: versionText(version), FirstSeenMs: known ? seen.atMs : 0 };
    }
    return {
      Node: this.sources.nodeName,
      TimeMs: this.wallClock(),
      Members: { Digest: membershipDigest(members), Count: members.length, ByStatus: byStatus },
      Catalog: {
        Digest: this.sources.catalogDigest(),
        Index: this.sources.catalogIndex(),
        Origins: origins,
      },
      PropagationDelay: { catalog: this.catalogDelay.toJson() },
      UserEvents: [...this.events],
    };
  }

  private noteVersion(origin: string, version: Version, atMs: number): void {
    const seen = this.firstSeen.get(origin);
    if (seen !== undefined && compareVersions(version, seen.version) <= 0) return;
    this.firstSeen.set(origin, { version, atMs });
  }
}
